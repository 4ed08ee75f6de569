// Prepared copies of what dlib is slow to derive at start-up, kept in a cache folder (see
// docs/detectors.md, "Start-up and the model cache"). Internal to the shim.
#ifndef PROCTOR_MODEL_CACHE_H
#define PROCTOR_MODEL_CACHE_H

#include <cstdint>
#include <fstream>
#include <string>

namespace model_cache {

// The entries' checksum: FNV-1a over 64-bit words (the tail zero-padded, its length mixed in),
// fast enough for a 30 MB entry (~5 ms) and only meant to catch damage. Words are read in the
// machine's byte order, like the rest of an entry: the cache belongs to one machine.
class checksum {
  public:
    void add(const void *data, size_t size);
    uint64_t value() const;

  private:
    uint64_t hash_ = 14695981039346656037ULL;
    unsigned char pending_[8] = {};
    size_t pending_size_ = 0;
};

// One entry read in pieces. An entry is a file holding a magic, the payload's length and its
// checksum, then the payload. `read` fails on a missing, short or foreign file and beyond the
// stated length; what was read may only be used once `finish` confirms the whole payload was
// there, nothing followed it and the checksum matches.
class reader {
  public:
    explicit reader(const std::string &path);
    // The payload's length, checked against the file's size when it was opened (0 if not ok).
    size_t size() const { return ok_ ? size_t(remaining_) : 0; }
    bool read(void *data, size_t size);
    bool finish();

  private:
    std::ifstream in_;
    bool ok_ = false;
    uint64_t remaining_ = 0, expected_ = 0;
    checksum sum_;
};

// One entry of about `expected_size` bytes, written in pieces under a temporary name (unique to
// this writer) and renamed into place by `commit`, so a reader never sees a half-written file.
// Nothing is written when the file system would keep less than `reserve` bytes free afterwards:
// the space belongs to the recording, which may start right after (docs/detectors.md). Failures
// (read-only home, full disk) are silent: the cache only saves time. An entry not committed is
// removed.
class writer {
  public:
    static constexpr uint64_t reserve = uint64_t(1) << 30;
    writer(const std::string &path, uint64_t expected_size);
    ~writer();
    void write(const void *data, size_t size);
    void commit();

  private:
    std::string path_, temporary_;
    std::ofstream out_;
    uint64_t length_ = 0;
    checksum sum_;
};

// A whole small entry at once; `read` leaves `payload` empty when it returns false.
bool read(const std::string &path, std::string &payload);
void write(const std::string &path, const std::string &payload);

// 64-bit FNV-1a over bytes: a short stable name for a path.
uint64_t fnv1a(const std::string &bytes);

// `folder` + "/" + `name`, or "" when there is no cache folder.
std::string entry(const char *folder, const std::string &name);

}  // namespace model_cache

#endif
