#include "detect_shim.h"
#include <dlib/revision.h>

#define PROCTOR_STR2(x) #x
#define PROCTOR_STR(x) PROCTOR_STR2(x)

const char *proctor_dlib_version(void) {
    return PROCTOR_STR(DLIB_MAJOR_VERSION) "." PROCTOR_STR(DLIB_MINOR_VERSION) "." PROCTOR_STR(DLIB_PATCH_VERSION);
}
