#ifndef PROCTOR_V4L2_SHIM_H
#define PROCTOR_V4L2_SHIM_H
// V4L2 device enumeration for precheck (Encode/Probe). Kernel ABI rather than a library, kept
// beside FFmpeg because Encode is the one module that talks to capture devices.
#include <linux/videodev2.h>
#include <sys/ioctl.h>

// The request numbers are _IOWR(...) macros and ioctl() is variadic: Swift can use neither.
static inline unsigned long proctor_vidioc_querycap(void) { return VIDIOC_QUERYCAP; }
static inline unsigned long proctor_vidioc_enum_fmt(void) { return VIDIOC_ENUM_FMT; }
static inline unsigned long proctor_vidioc_enum_framesizes(void) { return VIDIOC_ENUM_FRAMESIZES; }
static inline unsigned long proctor_vidioc_enum_frameintervals(void) { return VIDIOC_ENUM_FRAMEINTERVALS; }
static inline int proctor_v4l2_ioctl(int fd, unsigned long request, void *argument) { return ioctl(fd, request, argument); }
#endif
