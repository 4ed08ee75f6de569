// dlib face detection and landmarks behind a plain C API (see detect_shim.h).
#include "detect_shim.h"

#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/serialize.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <memory>
#include <vector>

struct proctor_faces {
    dlib::frontal_face_detector detector = dlib::get_frontal_face_detector();
    std::unique_ptr<dlib::shape_predictor> predictor;
    // Reused between calls: a 320x240 frame copy per sample is cheap, reallocating it is not free.
    dlib::array2d<unsigned char> image;
};

static void load_gray(dlib::array2d<unsigned char> &image, const uint8_t *gray, int width, int height) {
    image.set_size(height, width);
    for (int y = 0; y < height; ++y) {
        std::copy(gray + size_t(y) * width, gray + size_t(y + 1) * width, &image[y][0]);
    }
}

proctor_faces *proctor_faces_create(const char *landmark_model_path, char *error, size_t error_size) {
    try {
        auto faces = std::make_unique<proctor_faces>();
        if (landmark_model_path != nullptr) {
            faces->predictor = std::make_unique<dlib::shape_predictor>();
            dlib::deserialize(landmark_model_path) >> *faces->predictor;
        }
        return faces.release();
    } catch (const std::exception &e) {
        if (error != nullptr && error_size > 0) std::snprintf(error, error_size, "%s", e.what());
        return nullptr;
    }
}

void proctor_faces_free(proctor_faces *faces) { delete faces; }

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
    if (faces == nullptr || !faces->predictor || box == nullptr || xy == nullptr) return -1;
    try {
        load_gray(faces->image, gray, width, height);
        dlib::rectangle rect(long(box->left), long(box->top), long(box->right), long(box->bottom));
        dlib::full_object_detection shape = (*faces->predictor)(faces->image, rect);
        for (unsigned long i = 0; i < shape.num_parts() && i < 68; ++i) {
            xy[2 * i] = float(shape.part(i).x());
            xy[2 * i + 1] = float(shape.part(i).y());
        }
        return shape.num_parts() == 68 ? 0 : -1;
    } catch (const std::exception &) {
        return -1;
    }
}
