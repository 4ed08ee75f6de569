#ifndef PROCTOR_CSODIUM_SHIM_H
#define PROCTOR_CSODIUM_SHIM_H
#include <sodium.h>
#include <sys/prctl.h>

// prctl is variadic, which Swift cannot call. Not dumpable: no core file, and /proc/PID/mem
// and ptrace are closed to other processes of the same user.
static inline int proctor_set_not_dumpable(void) { return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); }
#endif
