#ifndef PROCTOR_CALSA_SHIM_H
#define PROCTOR_CALSA_SHIM_H
#include <alsa/asoundlib.h>

// libasound prints its own errors to stderr; proctor reports them once, as its own line.
// The handler is variadic, which Swift cannot define, hence this C helper.
static void proctor_alsa_silent_handler(const char *file, int line, const char *function, int err, const char *fmt, ...) {
    (void)file; (void)line; (void)function; (void)err; (void)fmt;
}
static inline void proctor_alsa_quiet(int quiet) { snd_lib_error_set_handler(quiet ? proctor_alsa_silent_handler : NULL); }
#endif
