// dlib face detection and landmarks behind a plain C API (see detect_shim.h).
#include "detect_shim.h"

#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/serialize.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <fstream>
#include <memory>
#include <sstream>
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

// Reads several streams one after another, so a model can be assembled from a few rewritten
// bytes and an unchanged byte range of the file without holding that range in memory twice.
class chained_buffer : public std::streambuf {
  public:
    struct part { std::istream *in; std::streamoff length; };
    explicit chained_buffer(std::vector<part> parts) : parts_(std::move(parts)) {}

  protected:
    int_type underflow() override {
        while (index_ < parts_.size()) {
            part &current = parts_[index_];
            std::streamsize want = std::streamsize(std::min<std::streamoff>(current.length, std::streamoff(buffer_.size())));
            if (want > 0) {
                current.in->read(buffer_.data(), want);
                std::streamsize got = current.in->gcount();
                if (got > 0) {
                    current.length -= got;
                    setg(buffer_.data(), buffer_.data(), buffer_.data() + got);
                    return traits_type::to_int_type(buffer_[0]);
                }
            }
            ++index_;
        }
        return traits_type::eof();
    }

  private:
    std::vector<part> parts_;
    size_t index_ = 0;
    std::vector<char> buffer_ = std::vector<char>(1 << 16);
};

// Walks dlib's serialisation without building objects, to find where a cascade level ends at
// a fraction of the cost of deserialising it. Every number in the model is written by dlib as
// a control byte (size in the low 4 bits, 0x80 = negative) and that many little-endian bytes;
// a float is two of those (mantissa, exponent), or in dlib's old format ASCII text ending in ' '.
class model_skipper {
  public:
    explicit model_skipper(std::streambuf &in) : in_(in) {}

    unsigned long long integer() {
        int control = next();
        unsigned long long value = 0;
        for (int i = 0; i < (control & 0x0F); ++i) value |= (unsigned long long)next() << (8 * i);
        return value;
    }
    void real() {
        if ((in_.sgetc() & 0x70) != 0) {
            while (next() != ' ') {}
        } else {
            integer();
            integer();
        }
    }
    // One std::vector<regression_tree>: trees of splits (idx1, idx2, thresh) and leaf matrices.
    void level() {
        for (unsigned long long trees = integer(); trees > 0; --trees) {
            for (unsigned long long splits = integer(); splits > 0; --splits) {
                integer();
                integer();
                real();
            }
            for (unsigned long long leaves = integer(); leaves > 0; --leaves) {
                unsigned long long values = integer() * integer();
                for (; values > 0; --values) real();
            }
        }
    }

  private:
    int next() {
        int c = in_.sbumpc();
        if (c == std::char_traits<char>::eof()) throw dlib::serialization_error("the landmark model file is truncated");
        return c;
    }
    std::streambuf &in_;
};

// dlib's shape_predictor is a cascade whose later levels only refine the points by fractions of a
// pixel. Loading the first `levels` of them (see docs/detectors.md) keeps the head pose and drops
// most of the ~65 MB of leaf vectors. The file is read twice: first skimmed (model_skipper) to
// find where level `levels` starts and to read the small anchor/delta tables at its end; then
// dlib deserialises the predictor from a stream chaining a rewritten header, the kept byte range
// of the file, and the kept tables, so memory never holds more than the kept levels.
static void load_predictor(dlib::shape_predictor &predictor, const char *path, int levels) {
    std::ifstream scan(path, std::ios::binary);
    if (!scan) throw dlib::serialization_error(std::string("cannot open ") + path);
    int version = 0;
    dlib::matrix<float, 0, 1> initial_shape;
    dlib::deserialize(version, scan);
    if (version != 1) throw dlib::serialization_error("unexpected shape_predictor version");
    dlib::deserialize(initial_shape, scan);
    unsigned long count = 0;
    dlib::deserialize(count, scan);
    if (levels <= 0 || (unsigned long)levels >= count) {
        scan.close();
        dlib::deserialize(path) >> predictor;
        return;
    }
    const std::streamoff first = scan.tellg();
    std::streamoff kept_end = first;
    model_skipper skip(*scan.rdbuf());
    for (unsigned long i = 0; i < count; ++i) {
        if (i == (unsigned long)levels) kept_end = scan.tellg();
        skip.level();
    }
    std::vector<std::vector<unsigned long>> anchor_idx;
    std::vector<std::vector<dlib::vector<float, 2>>> deltas;
    dlib::deserialize(anchor_idx, scan);
    dlib::deserialize(deltas, scan);
    anchor_idx.resize(levels);
    deltas.resize(levels);

    std::stringstream head, tail;
    dlib::serialize(version, head);
    dlib::serialize(initial_shape, head);
    dlib::serialize((unsigned long)levels, head);
    dlib::serialize(anchor_idx, tail);
    dlib::serialize(deltas, tail);
    scan.clear();
    scan.seekg(first);
    const std::streamoff head_length = head.str().size(), tail_length = tail.str().size();
    chained_buffer chain({{&head, head_length}, {&scan, kept_end - first}, {&tail, tail_length}});
    std::istream joined(&chain);
    dlib::deserialize(predictor, joined);
}

proctor_faces *proctor_faces_create(const char *landmark_model_path, int landmark_levels, char *error, size_t error_size) {
    try {
        auto faces = std::make_unique<proctor_faces>();
        if (landmark_model_path != nullptr) {
            faces->predictor = std::make_unique<dlib::shape_predictor>();
            load_predictor(*faces->predictor, landmark_model_path, landmark_levels);
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
