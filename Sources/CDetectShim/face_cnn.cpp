// libfacedetection's CNN face detector (Shiqi Yu, BSD-3) behind the plain C API of
// detect_shim.h. The library is loaded with dlopen rather than linked: its only build we can
// install (PyPI `yuface`) needs AVX2, and a machine without AVX2, or without the library, must
// still record with dlib's HOG detector instead of failing to start.
#include "detect_shim.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdio>
#include <vector>

namespace {
// int *facedetect_cnn(unsigned char *result_buffer, unsigned char *bgr, int width, int height, int step),
// exported with C++ linkage: the symbol is looked up by its mangled name.
using facedetect_cnn_fn = int *(*)(unsigned char *, unsigned char *, int, int, int);
using omp_set_num_threads_fn = void (*)(int);
constexpr const char *detect_symbol = "_Z14facedetect_cnnPhS_iii";
// The library's own example sizes its result buffer so: 0x9000 bytes hold ~1,100 faces.
constexpr size_t result_bytes = 0x9000;
// Each face is 16 shorts: confidence (0...100), x, y, width, height, five landmark points, spare.
constexpr int shorts_per_face = 16;
}  // namespace

struct proctor_face_cnn {
    void *library = nullptr;
    facedetect_cnn_fn detect = nullptr;
    // Its own libgomp (the wheel's), and the process's when one is loaded already (Debian's
    // OpenBLAS brings libgomp.so.1): the library's GOMP_parallel binds to the latter first.
    omp_set_num_threads_fn set_threads = nullptr;
    omp_set_num_threads_fn set_global_threads = nullptr;
    std::vector<unsigned char> result = std::vector<unsigned char>(result_bytes);
    std::vector<unsigned char> bgr;
};

int proctor_cpu_has_avx2(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    // The wheel's build uses AVX2 with FMA; both are checked so no illegal instruction can follow.
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1 : 0;
#else
    return 0;
#endif
}

proctor_face_cnn *proctor_face_cnn_open(const char *library_path, char *error, size_t error_size) {
    auto fail = [&](const char *what) -> proctor_face_cnn * {
        if (error != nullptr && error_size > 0) std::snprintf(error, error_size, "%s", what);
        return nullptr;
    };
    if (library_path == nullptr) return fail("no library path");
    if (!proctor_cpu_has_avx2()) return fail("this CPU has no AVX2, which libfacedetection's build needs");
    void *library = dlopen(library_path, RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) {
        const char *reason = dlerror();
        return fail(reason != nullptr ? reason : "dlopen failed");
    }
    auto detect = reinterpret_cast<facedetect_cnn_fn>(dlsym(library, detect_symbol));
    if (detect == nullptr) {
        dlclose(library);
        return fail("the library does not export facedetect_cnn");
    }
    auto *cnn = new proctor_face_cnn;
    cnn->library = library;
    cnn->detect = detect;
    // The library parallelises its convolutions with OpenMP; one sample a second on one thread
    // keeps its cost predictable and leaves the other core to capture and encoding.
    cnn->set_threads = reinterpret_cast<omp_set_num_threads_fn>(dlsym(library, "omp_set_num_threads"));
    cnn->set_global_threads = reinterpret_cast<omp_set_num_threads_fn>(dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
    return cnn;
}

void proctor_face_cnn_free(proctor_face_cnn *cnn) {
    if (cnn == nullptr) return;
    // Not dlclose'd: libgomp keeps thread-local state that must outlive its pool threads.
    delete cnn;
}

int proctor_face_cnn_detect(proctor_face_cnn *cnn, const uint8_t *gray, int width, int height,
                            proctor_face_box *boxes, int capacity) {
    if (cnn == nullptr || gray == nullptr || width <= 0 || height <= 0) return -1;
    // OpenMP's thread count belongs to the calling thread, so it is set on the one that detects
    // (this thread only: dlib's landmarks here use no BLAS, and other threads keep their own).
    if (cnn->set_threads != nullptr) cnn->set_threads(1);
    if (cnn->set_global_threads != nullptr) cnn->set_global_threads(1);
    const size_t pixels = size_t(width) * size_t(height);
    cnn->bgr.resize(pixels * 3);
    for (size_t i = 0; i < pixels; ++i) {
        cnn->bgr[3 * i] = cnn->bgr[3 * i + 1] = cnn->bgr[3 * i + 2] = gray[i];
    }
    int *results = cnn->detect(cnn->result.data(), cnn->bgr.data(), width, height, width * 3);
    if (results == nullptr) return -1;
    const int count = results[0];
    const short *faces = reinterpret_cast<const short *>(results + 1);
    std::vector<proctor_face_box> found;
    found.reserve(size_t(std::max(0, count)));
    for (int i = 0; i < count; ++i) {
        const short *p = faces + shorts_per_face * i;
        found.push_back(proctor_face_box{double(p[1]), double(p[2]), double(p[1] + p[3]), double(p[2] + p[4]),
                                         double(p[0]) / 100.0, -1});
    }
    std::sort(found.begin(), found.end(),
              [](const proctor_face_box &a, const proctor_face_box &b) { return a.score > b.score; });
    for (int i = 0; i < int(found.size()) && i < capacity; ++i) boxes[i] = found[i];
    return count;
}
