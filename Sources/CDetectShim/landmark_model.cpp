#include "landmark_model.h"

#include "model_cache.h"

#include <dlib/revision.h>
#include <dlib/serialize.h>

#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

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
// most of the ~65 MB of leaf vectors. dlib deserialises the predictor from a stream chaining a
// rewritten header, the kept byte range of the file, and the kept anchor/delta tables, so memory
// never holds more than the kept levels. Where that range ends, and the tables at the very end
// of the file, are found by skimming the whole file (model_skipper): that "cut" is what the
// cache remembers.
struct predictor_cut {
    uint64_t first = 0, kept_end = 0;
    std::string head, tail;

    std::string encoded() const {
        std::ostringstream out;
        dlib::serialize(first, out);
        dlib::serialize(kept_end, out);
        dlib::serialize(head, out);
        dlib::serialize(tail, out);
        return out.str();
    }
    static bool decode(const std::string &bytes, predictor_cut &cut) {
        try {
            std::istringstream in(bytes);
            dlib::deserialize(cut.first, in);
            dlib::deserialize(cut.kept_end, in);
            dlib::deserialize(cut.head, in);
            dlib::deserialize(cut.tail, in);
            return cut.first > 0 && cut.kept_end > cut.first && in.peek() == std::char_traits<char>::eof();
        } catch (const dlib::serialization_error &) {
            return false;
        }
    }
};

// Returns false when the model is to be loaded whole (levels out of range).
bool find_cut(const char *path, int levels, predictor_cut &cut) {
    std::ifstream scan(path, std::ios::binary);
    if (!scan) throw dlib::serialization_error(std::string("cannot open ") + path);
    int version = 0;
    dlib::matrix<float, 0, 1> initial_shape;
    dlib::deserialize(version, scan);
    if (version != 1) throw dlib::serialization_error("unexpected shape_predictor version");
    dlib::deserialize(initial_shape, scan);
    unsigned long count = 0;
    dlib::deserialize(count, scan);
    if (levels <= 0 || (unsigned long)levels >= count) return false;
    cut.first = uint64_t(scan.tellg());
    model_skipper skip(*scan.rdbuf());
    for (unsigned long i = 0; i < count; ++i) {
        if (i == (unsigned long)levels) cut.kept_end = uint64_t(scan.tellg());
        skip.level();
    }
    std::vector<std::vector<unsigned long>> anchor_idx;
    std::vector<std::vector<dlib::vector<float, 2>>> deltas;
    dlib::deserialize(anchor_idx, scan);
    dlib::deserialize(deltas, scan);
    anchor_idx.resize(levels);
    deltas.resize(levels);

    std::ostringstream head, tail;
    dlib::serialize(version, head);
    dlib::serialize(initial_shape, head);
    dlib::serialize((unsigned long)levels, head);
    dlib::serialize(anchor_idx, tail);
    dlib::serialize(deltas, tail);
    cut.head = head.str();
    cut.tail = tail.str();
    return true;
}

void load_cut(dlib::shape_predictor &predictor, const char *path, const predictor_cut &cut) {
    std::ifstream file(path, std::ios::binary);
    if (!file) throw dlib::serialization_error(std::string("cannot open ") + path);
    file.seekg(std::streamoff(cut.first));
    std::istringstream head(cut.head), tail(cut.tail);
    chained_buffer chain({{&head, std::streamoff(cut.head.size())},
                          {&file, std::streamoff(cut.kept_end - cut.first)},
                          {&tail, std::streamoff(cut.tail.size())}});
    std::istream joined(&chain);
    dlib::deserialize(predictor, joined);
}

// Names the cut of this model file as it is now: another file, or this one replaced, is
// another entry, so a stale cut is never applied.
std::string cut_entry(const char *cache_folder, const char *path, int levels) {
    struct stat info;
    if (stat(path, &info) != 0) return std::string();
    std::ostringstream name;
    name << "landmarks-dlib" << DLIB_MAJOR_VERSION << "." << DLIB_MINOR_VERSION << "-" << std::hex << model_cache::fnv1a(path) << std::dec
         << "-" << info.st_size << "-" << info.st_mtim.tv_sec << "." << info.st_mtim.tv_nsec << "-L" << levels << ".cut";
    return model_cache::entry(cache_folder, name.str());
}

}  // namespace

bool load_landmark_model(dlib::shape_predictor &predictor, const char *path, int levels, const char *cache_folder) {
    const std::string entry = cut_entry(cache_folder, path, levels);
    predictor_cut cut;
    std::string cached;
    if (model_cache::read(entry, cached) && predictor_cut::decode(cached, cut)) {
        try {
            load_cut(predictor, path, cut);
            return true;
        } catch (const dlib::serialization_error &) {
            // A cut that does not fit the file is damage: find it again below.
            cut = predictor_cut();
        }
    }
    if (!find_cut(path, levels, cut)) {
        dlib::deserialize(path) >> predictor;
        return false;
    }
    load_cut(predictor, path, cut);
    model_cache::write(entry, cut.encoded());
    return false;
}
