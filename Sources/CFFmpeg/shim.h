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

// AVFormatContext.chapters is public but there is no public function to append one; this does
// what fftools does (av_mallocz + grow the array); avformat_free_context frees them. Times in ms.
static inline int proctor_add_chapter(AVFormatContext *s, int64_t id, int64_t start_ms, int64_t end_ms, const char *title) {
    AVChapter *chapter = av_mallocz(sizeof(AVChapter));
    if (!chapter) return AVERROR(ENOMEM);
    chapter->id = id;
    chapter->time_base = (AVRational){1, 1000};
    chapter->start = start_ms;
    chapter->end = end_ms;
    if (av_dict_set(&chapter->metadata, "title", title, 0) < 0) { av_free(chapter); return AVERROR(ENOMEM); }
    AVChapter **grown = av_realloc_array(s->chapters, s->nb_chapters + 1, sizeof(*s->chapters));
    if (!grown) { av_dict_free(&chapter->metadata); av_free(chapter); return AVERROR(ENOMEM); }
    s->chapters = grown;
    s->chapters[s->nb_chapters++] = chapter;
    return 0;
}
#endif
