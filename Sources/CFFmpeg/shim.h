#ifndef PROCTOR_CFFMPEG_SHIM_H
#define PROCTOR_CFFMPEG_SHIM_H
#include <libavformat/avformat.h>
#include <libavformat/avio.h>
#include <libavcodec/avcodec.h>
#include <libavdevice/avdevice.h>
#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libswscale/swscale.h>
#include <libswresample/swresample.h>
#include <libavutil/avutil.h>
#include <libavutil/channel_layout.h>
#include <libavutil/dict.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/samplefmt.h>
#include <libavutil/time.h>

// Swift cannot import function-like macros; these wrap the ones we need.
static inline int proctor_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int proctor_averror_eof(void) { return AVERROR_EOF; }
static inline int proctor_averror(int posix) { return AVERROR(posix); }
static inline int64_t proctor_av_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline AVRational proctor_av_time_base_q(void) { return AV_TIME_BASE_Q; }
#endif
