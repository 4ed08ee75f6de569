#ifndef PROCTOR_CALSA_SHIM_H
#define PROCTOR_CALSA_SHIM_H
#include <alsa/asoundlib.h>
#endif
