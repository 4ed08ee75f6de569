#include "landmark_model.h"

#include "model_cache.h"

#include <dlib/revision.h>
#include <dlib/serialize.h>

#include <sys/stat.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

// Walks dlib's serialisation without building objects, to pass over the levels that are not kept
// at a fraction of the cost of deserialising them. Every number in the model is written by dlib
// as a control byte (size in the low 4 bits, 0x80 = negative) and that many little-endian bytes;
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

// Reads dlib's file: the first `levels` levels are deserialised, the rest skimmed (they only
// refine the points by fractions of a pixel; docs/detectors.md), and the anchor/delta tables at
// the end of the file cut to the kept levels. Memory never holds a dropped level.
void parse_model_file(landmark_cascade &cascade, const char *path, int levels) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw dlib::serialization_error(std::string("cannot open ") + path);
    int version = 0;
    dlib::deserialize(version, in);
    if (version != 1) throw dlib::serialization_error("unexpected shape_predictor version");
    dlib::deserialize(cascade.initial_shape, in);
    unsigned long count = 0;
    dlib::deserialize(count, in);
    const unsigned long kept = (levels <= 0 || (unsigned long)levels >= count) ? count : (unsigned long)levels;
    cascade.forests.resize(kept);
    for (auto &level : cascade.forests) dlib::deserialize(level, in);
    model_skipper skip(*in.rdbuf());
    for (unsigned long i = kept; i < count; ++i) skip.level();
    dlib::deserialize(cascade.anchor_idx, in);
    dlib::deserialize(cascade.deltas, in);
    if (cascade.anchor_idx.size() != count || cascade.deltas.size() != count) {
        throw dlib::serialization_error("the landmark model's tables do not match its levels");
    }
    cascade.anchor_idx.resize(kept);
    cascade.deltas.resize(kept);
}

// The cache entry: the kept cascade as raw native numbers, in the order of the members. Format 1:
//   u64 format, u64 shape size S, S floats (initial shape), u64 levels, per level: u64 trees,
//   per tree: u64 splits, per split u64 idx1, u64 idx2, f32 thresh; u64 leaves, leaves x S
//   floats; then per level: u64 pixels P, P x u64 anchor, P x 2 floats delta.
constexpr uint64_t packed_format = 1;

template <typename T> void put(model_cache::writer &out, T value) { out.write(&value, sizeof value); }

uint64_t packed_size(const landmark_cascade &cascade) {
    const uint64_t size = cascade.initial_shape.size();
    uint64_t bytes = 8 + 8 + 4 * size + 8;
    for (size_t i = 0; i < cascade.forests.size(); ++i) {
        bytes += 8 + 8 + cascade.anchor_idx[i].size() * (8 + 2 * 4);
        for (const auto &tree : cascade.forests[i]) bytes += 8 + tree.splits.size() * 20 + 8 + tree.leaf_values.size() * 4 * size;
    }
    return bytes;
}

void write_packed(const landmark_cascade &cascade, const std::string &entry) {
    model_cache::writer out(entry, packed_size(cascade));
    const long size = cascade.initial_shape.size();
    put<uint64_t>(out, packed_format);
    put<uint64_t>(out, uint64_t(size));
    out.write(&cascade.initial_shape(0), sizeof(float) * size);
    put<uint64_t>(out, cascade.forests.size());
    for (const auto &level : cascade.forests) {
        put<uint64_t>(out, level.size());
        for (const auto &tree : level) {
            put<uint64_t>(out, tree.splits.size());
            for (const auto &split : tree.splits) {
                put<uint64_t>(out, split.idx1);
                put<uint64_t>(out, split.idx2);
                put<float>(out, split.thresh);
            }
            put<uint64_t>(out, tree.leaf_values.size());
            for (const auto &leaf : tree.leaf_values) out.write(&leaf(0), sizeof(float) * size);
        }
    }
    for (size_t i = 0; i < cascade.forests.size(); ++i) {
        put<uint64_t>(out, cascade.anchor_idx[i].size());
        for (unsigned long anchor : cascade.anchor_idx[i]) put<uint64_t>(out, anchor);
        for (const auto &delta : cascade.deltas[i]) {
            put<float>(out, delta.x());
            put<float>(out, delta.y());
        }
    }
    out.commit();
}

// Reads what write_packed wrote. Counts are bounded before anything is allocated for them; the
// checksum is only known at the end, so the result counts only if `finish` and valid() agree.
bool read_packed(landmark_cascade &cascade, const std::string &entry) {
    model_cache::reader in(entry);
    auto get = [&in](auto &value) { return in.read(&value, sizeof value); };
    uint64_t format = 0, size = 0, levels = 0;
    if (!get(format) || format != packed_format || !get(size) || size == 0 || size > 4096) return false;
    cascade.initial_shape.set_size(long(size));
    if (!in.read(&cascade.initial_shape(0), sizeof(float) * size) || !get(levels) || levels > 64) return false;
    cascade.forests.resize(levels);
    for (auto &level : cascade.forests) {
        uint64_t trees = 0;
        if (!get(trees) || trees > 100000) return false;
        level.resize(trees);
        for (auto &tree : level) {
            uint64_t splits = 0, leaves = 0;
            if (!get(splits) || splits > 4096) return false;
            tree.splits.resize(splits);
            for (auto &split : tree.splits) {
                uint64_t idx1 = 0, idx2 = 0;
                if (!get(idx1) || !get(idx2) || !get(split.thresh)) return false;
                split.idx1 = idx1;
                split.idx2 = idx2;
            }
            if (!get(leaves) || leaves != splits + 1) return false;
            tree.leaf_values.resize(leaves);
            for (auto &leaf : tree.leaf_values) {
                leaf.set_size(long(size));
                if (!in.read(&leaf(0), sizeof(float) * size)) return false;
            }
        }
    }
    cascade.anchor_idx.resize(levels);
    cascade.deltas.resize(levels);
    for (size_t i = 0; i < levels; ++i) {
        uint64_t pixels = 0;
        if (!get(pixels) || pixels > (1u << 20)) return false;
        cascade.anchor_idx[i].resize(pixels);
        cascade.deltas[i].resize(pixels);
        for (auto &anchor : cascade.anchor_idx[i]) {
            uint64_t value = 0;
            if (!get(value)) return false;
            anchor = value;
        }
        for (auto &delta : cascade.deltas[i]) {
            float x = 0, y = 0;
            if (!get(x) || !get(y)) return false;
            delta = dlib::vector<float, 2>(x, y);
        }
    }
    return in.finish() && cascade.valid();
}

// Names the kept levels of this model file as it is now: another file, or this one replaced,
// is another entry, so a stale cascade is never applied.
std::string cascade_entry(const char *cache_folder, const char *path, int levels) {
    struct stat info;
    if (stat(path, &info) != 0) return std::string();
    std::ostringstream name;
    name << "landmarks-dlib" << DLIB_MAJOR_VERSION << "." << DLIB_MINOR_VERSION << "-" << std::hex << model_cache::fnv1a(path) << std::dec
         << "-" << info.st_size << "-" << info.st_mtim.tv_sec << "." << info.st_mtim.tv_nsec << "-L" << levels << ".cascade";
    return model_cache::entry(cache_folder, name.str());
}

}  // namespace

std::vector<dlib::point> landmark_cascade::operator()(const dlib::array2d<unsigned char> &image, const dlib::rectangle &rect) const {
    dlib::matrix<float, 0, 1> shape = initial_shape;
    std::vector<float> pixels;
    unsigned long leaf = 0;
    for (size_t level = 0; level < forests.size(); ++level) {
        dlib::impl::extract_feature_pixel_values(image, rect, shape, initial_shape, anchor_idx[level], deltas[level], pixels);
        for (const auto &tree : forests[level]) shape += tree(pixels, leaf);
    }
    const dlib::point_transform_affine to_image = dlib::impl::unnormalizing_tform(rect);
    std::vector<dlib::point> points(parts());
    for (unsigned long i = 0; i < points.size(); ++i) points[i] = to_image(dlib::impl::location(shape, i));
    return points;
}

bool landmark_cascade::valid() const {
    const long size = initial_shape.size();
    if (size == 0 || size % 2 != 0 || anchor_idx.size() != forests.size() || deltas.size() != forests.size()) return false;
    for (size_t level = 0; level < forests.size(); ++level) {
        const size_t pixels = anchor_idx[level].size();
        if (deltas[level].size() != pixels) return false;
        for (unsigned long anchor : anchor_idx[level]) {
            if (anchor >= parts()) return false;
        }
        for (const auto &tree : forests[level]) {
            const size_t leaves = tree.leaf_values.size();
            if (leaves != tree.splits.size() + 1 || (leaves & (leaves - 1)) != 0) return false;
            for (const auto &split : tree.splits) {
                if (split.idx1 >= pixels || split.idx2 >= pixels) return false;
            }
            for (const auto &leaf : tree.leaf_values) {
                if (leaf.size() != size) return false;
            }
        }
    }
    return true;
}

bool load_landmark_model(landmark_cascade &cascade, const char *path, int levels, const char *cache_folder) {
    const std::string entry = cascade_entry(cache_folder, path, levels);
    if (read_packed(cascade, entry)) return true;
    cascade = landmark_cascade();
    parse_model_file(cascade, path, levels);
    if (!cascade.valid()) throw dlib::serialization_error(std::string("the landmark model is damaged: ") + path);
    write_packed(cascade, entry);
    return false;
}
