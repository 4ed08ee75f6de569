#ifndef PROCTOR_DETECT_SHIM_H
#define PROCTOR_DETECT_SHIM_H
// extern "C" face API over dlib and voice API over WebRTC VAD. Swift sees only opaque
// handles and plain functions: C++ interop mode is not used because it spreads to every
// dependent target.
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// dlib's version string, e.g. "19.24.0".
const char *proctor_dlib_version(void);

// MARK: faces (dlib HOG frontal face detector + 68-point shape predictor)

typedef struct proctor_faces proctor_faces;

/// One detected face in image pixels. `score` is the HOG detector's margin (0 at the default
/// threshold, higher is surer); `filter` names which of dlib's five HOG filters fired
/// (0 frontal, 1 left-looking, 2 right-looking, 3/4 frontal rotated).
typedef struct {
    double left, top, right, bottom;
    double score;
    int filter;
} proctor_face_box;

/// Creates a detector; `landmark_model_path` may be NULL (no landmarks). `landmark_levels` keeps
/// only that many cascade levels of the shape predictor (0: all). `cache_folder` (may be NULL)
/// holds prepared copies that make later starts fast; it must exist. On failure returns NULL
/// and writes a one-line reason into `error`.
proctor_faces *proctor_faces_create(const char *landmark_model_path, int landmark_levels, const char *cache_folder,
                                    char *error, size_t error_size);
void proctor_faces_free(proctor_faces *faces);

/// Which parts `proctor_faces_create` took from the cache folder.
enum { PROCTOR_FACES_CACHED_DETECTOR = 1, PROCTOR_FACES_CACHED_LANDMARKS = 2 };
int proctor_faces_cached(const proctor_faces *faces);

/// Runs the HOG detector on a tightly packed gray8 image. Writes up to `capacity` boxes,
/// strongest first, and returns how many faces were found (which may exceed `capacity`).
/// `adjust_threshold` shifts dlib's decision threshold (negative finds more, weaker faces).
int proctor_faces_detect(proctor_faces *faces, const uint8_t *gray, int width, int height,
                         double adjust_threshold, proctor_face_box *boxes, int capacity);

/// Fits the 68 landmarks inside `box`; writes 136 floats (x0, y0, x1, y1, ...). Returns 0,
/// or -1 when the detector was created without a landmark model.
int proctor_faces_landmarks(proctor_faces *faces, const uint8_t *gray, int width, int height,
                            const proctor_face_box *box, float *xy);

// MARK: faces (libfacedetection's CNN, loaded at run time)

typedef struct proctor_face_cnn proctor_face_cnn;

/// 1 when this CPU has AVX2 and FMA, which the installed libfacedetection build needs.
int proctor_cpu_has_avx2(void);

/// Loads libfacedetection.so from `library_path` (dlopen). NULL, with a one-line reason in
/// `error`, when the CPU lacks AVX2 or the library cannot be loaded: the caller falls back to HOG.
proctor_face_cnn *proctor_face_cnn_open(const char *library_path, char *error, size_t error_size);
void proctor_face_cnn_free(proctor_face_cnn *cnn);

/// Runs the CNN on a tightly packed gray8 image. Writes up to `capacity` boxes, strongest
/// first, with `score` the network's confidence 0...1 and `filter` -1; returns how many faces
/// it reported (every candidate above its internal 0.5 floor), or -1 on failure.
int proctor_face_cnn_detect(proctor_face_cnn *cnn, const uint8_t *gray, int width, int height,
                            proctor_face_box *boxes, int capacity);

// MARK: voice activity (WebRTC AudioProcessing's VoiceDetection)

typedef struct proctor_vad proctor_vad;

/// `sample_rate` must be 8000, 16000, 32000 or 48000; `likelihood` 0 (very low: only clear
/// speech) ... 3 (high: more speech caught, more noise too). NULL on failure.
proctor_vad *proctor_vad_create(int sample_rate, int likelihood);
void proctor_vad_free(proctor_vad *vad);
/// Samples in one 10 ms frame at the rate the VAD was created with.
int proctor_vad_frame_samples(const proctor_vad *vad);
/// Judges one 10 ms mono frame: 1 voice, 0 no voice, negative on a library error code.
int proctor_vad_process(proctor_vad *vad, const int16_t *samples);

#ifdef __cplusplus
}
#endif
#endif
