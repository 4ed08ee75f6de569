// dlib face detection and landmarks behind a plain C API (see detect_shim.h).
#include "detect_shim.h"

#include "landmark_model.h"
#include "model_cache.h"

#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/revision.h>
#include <dlib/serialize.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

struct proctor_faces {
    dlib::frontal_face_detector detector;
    std::unique_ptr<landmark_cascade> landmarks;
    int cached = 0;
    // Reused between calls: a 320x240 frame copy per sample is cheap, reallocating it is not free.
    dlib::array2d<unsigned char> image;
};

static void load_gray(dlib::array2d<unsigned char> &image, const uint8_t *gray, int width, int height) {
    image.set_size(height, width);
    for (int y = 0; y < height; ++y) {
        std::copy(gray + size_t(y) * width, gray + size_t(y + 1) * width, &image[y][0]);
    }
}

// dlib builds its HOG detector by decompressing text compiled into the library (~0.3 s of CPU at
// every start); its own binary serialisation of the same detector loads in ~2 ms.
static bool load_face_detector(dlib::frontal_face_detector &detector, const char *cache_folder) {
    const std::string entry = model_cache::entry(cache_folder, "frontal-face-hog-dlib" + std::to_string(DLIB_MAJOR_VERSION) + "." +
                                                                  std::to_string(DLIB_MINOR_VERSION) + "." +
                                                                  std::to_string(DLIB_PATCH_VERSION) + ".dat");
    std::string cached;
    if (model_cache::read(entry, cached)) {
        try {
            std::istringstream in(cached);
            dlib::deserialize(detector, in);
            if (detector.num_detectors() > 0) return true;
        } catch (const dlib::serialization_error &) {
        }
    }
    detector = dlib::get_frontal_face_detector();
    std::ostringstream out;
    dlib::serialize(detector, out);
    model_cache::write(entry, out.str());
    return false;
}

proctor_faces *proctor_faces_create(const char *landmark_model_path, int landmark_levels, const char *cache_folder,
                                    char *error, size_t error_size) {
    try {
        auto faces = std::make_unique<proctor_faces>();
        if (load_face_detector(faces->detector, cache_folder)) faces->cached |= PROCTOR_FACES_CACHED_DETECTOR;
        if (landmark_model_path != nullptr) {
            faces->landmarks = std::make_unique<landmark_cascade>();
            if (load_landmark_model(*faces->landmarks, landmark_model_path, landmark_levels, cache_folder)) {
                faces->cached |= PROCTOR_FACES_CACHED_LANDMARKS;
            }
        }
        return faces.release();
    } catch (const std::exception &e) {
        if (error != nullptr && error_size > 0) std::snprintf(error, error_size, "%s", e.what());
        return nullptr;
    }
}

void proctor_faces_free(proctor_faces *faces) { delete faces; }

int proctor_faces_cached(const proctor_faces *faces) { return faces == nullptr ? 0 : faces->cached; }

int proctor_faces_detect(proctor_faces *faces, const uint8_t *gray, int width, int height,
                         double adjust_threshold, proctor_face_box *boxes, int capacity) {
    if (faces == nullptr || gray == nullptr || width <= 0 || height <= 0) return -1;
    try {
        load_gray(faces->image, gray, width, height);
        std::vector<dlib::rect_detection> found;
        faces->detector(faces->image, found, adjust_threshold);
        std::sort(found.begin(), found.end(),
                  [](const dlib::rect_detection &a, const dlib::rect_detection &b) {
                      return a.detection_confidence > b.detection_confidence;
                  });
        for (int i = 0; i < int(found.size()) && i < capacity; ++i) {
            const auto &r = found[i].rect;
            boxes[i] = proctor_face_box{double(r.left()), double(r.top()), double(r.right()), double(r.bottom()),
                                        found[i].detection_confidence, int(found[i].weight_index)};
        }
        return int(found.size());
    } catch (const std::exception &) {
        return -1;
    }
}

int proctor_faces_landmarks(proctor_faces *faces, const uint8_t *gray, int width, int height,
                            const proctor_face_box *box, float *xy) {
    if (faces == nullptr || !faces->landmarks || box == nullptr || xy == nullptr) return -1;
    try {
        load_gray(faces->image, gray, width, height);
        dlib::rectangle rect(long(box->left), long(box->top), long(box->right), long(box->bottom));
        const std::vector<dlib::point> points = (*faces->landmarks)(faces->image, rect);
        for (size_t i = 0; i < points.size() && i < 68; ++i) {
            xy[2 * i] = float(points[i].x());
            xy[2 * i + 1] = float(points[i].y());
        }
        return points.size() == 68 ? 0 : -1;
    } catch (const std::exception &) {
        return -1;
    }
}
