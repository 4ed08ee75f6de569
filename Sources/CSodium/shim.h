#ifndef PROCTOR_CSODIUM_SHIM_H
#define PROCTOR_CSODIUM_SHIM_H
#include <sodium.h>
#endif
