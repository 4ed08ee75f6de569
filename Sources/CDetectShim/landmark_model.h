// dlib's 68-point shape predictor, loaded pruned to its first levels. Internal to the shim.
#ifndef PROCTOR_LANDMARK_MODEL_H
#define PROCTOR_LANDMARK_MODEL_H

#include <dlib/image_processing.h>

// Loads the first `levels` cascade levels of the model at `path` (0 or too many: all of
// them). `cache_folder` may be NULL; with it, where the kept levels end in the file is
// remembered, so later loads skip skimming the whole file. Returns true when the cache
// served the load. Throws dlib::serialization_error.
bool load_landmark_model(dlib::shape_predictor &predictor, const char *path, int levels, const char *cache_folder);

#endif
