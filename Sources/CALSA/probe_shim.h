#ifndef PROCTOR_CALSA_PROBE_SHIM_H
#define PROCTOR_CALSA_PROBE_SHIM_H
#include <alsa/asoundlib.h>

// alsa-lib prints every failed lookup to stderr; a probe expects failures and reports them
// itself. The handler is variadic, which Swift cannot write, so it lives here.
static void proctor_alsa_quiet_handler(const char *file, int line, const char *function, int err, const char *fmt, ...) {
    (void)file; (void)line; (void)function; (void)err; (void)fmt;
}
static inline void proctor_alsa_quiet_errors(int quiet) {
    snd_lib_error_set_handler(quiet ? proctor_alsa_quiet_handler : NULL);
}
#endif
