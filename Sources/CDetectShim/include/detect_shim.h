#ifndef PROCTOR_DETECT_SHIM_H
#define PROCTOR_DETECT_SHIM_H
// extern "C" face API over dlib and voice API over WebRTC VAD. Swift sees only opaque
// handles and plain functions: C++ interop mode is not used because it spreads to every
// dependent target.
#ifdef __cplusplus
extern "C" {
#endif

/// dlib's version string, e.g. "19.24.0".
const char *proctor_dlib_version(void);

#ifdef __cplusplus
}
#endif
#endif
