// dlib's 68-point landmark cascade, pruned to its first levels. Internal to the shim.
#ifndef PROCTOR_LANDMARK_MODEL_H
#define PROCTOR_LANDMARK_MODEL_H

#include <dlib/image_processing.h>

#include <vector>

// The data of a dlib::shape_predictor, held in the open so the shim can fill it from the model
// cache as raw floats: dlib keeps these members private, and its own file format stores every
// float as two variable-length integers, which made loading 7 levels cost ~0.3 s of CPU in every
// session. Evaluation runs dlib's own per-level steps (dlib::impl in shape_predictor.h) in
// dlib's order, so the landmarks are the ones dlib::shape_predictor gives, to the last pixel
// (LandmarkReferenceTests).
struct landmark_cascade {
    dlib::matrix<float, 0, 1> initial_shape;
    std::vector<std::vector<dlib::impl::regression_tree>> forests;
    std::vector<std::vector<unsigned long>> anchor_idx;
    std::vector<std::vector<dlib::vector<float, 2>>> deltas;

    unsigned long parts() const { return initial_shape.size() / 2; }

    // The landmarks of the face in `rect`, in image pixels (x, y per part). Requires valid().
    std::vector<dlib::point> operator()(const dlib::array2d<unsigned char> &image, const dlib::rectangle &rect) const;

    // Every index in range and every tree complete, as evaluation assumes without checking.
    bool valid() const;
};

// Loads the first `levels` cascade levels of the model at `path` (0 or too many: all of them).
// `cache_folder` may be NULL; with it, the kept levels are stored there as raw floats after the
// first load, and later loads read them back instead of parsing dlib's file. Returns true when
// the cache served the load. Throws dlib::serialization_error.
bool load_landmark_model(landmark_cascade &cascade, const char *path, int levels, const char *cache_folder);

#endif
