#include "model_cache.h"

#include <atomic>
#include <cstdio>
#include <cstring>

#include <sys/statvfs.h>
#include <unistd.h>

namespace model_cache {
namespace {

// Version 2: the word-wise checksum. A version-1 entry reads as foreign and is rewritten.
const char magic[8] = {'P', 'R', 'C', 'T', 'M', 'C', '0', '2'};
constexpr uint64_t fnv_offset = 14695981039346656037ULL, fnv_prime = 1099511628211ULL;

void put_u64(char *out, uint64_t value) {
    for (int i = 0; i < 8; ++i) out[i] = char((value >> (8 * i)) & 0xFF);
}

uint64_t get_u64(const char *in) {
    uint64_t value = 0;
    for (int i = 0; i < 8; ++i) value |= uint64_t((unsigned char)in[i]) << (8 * i);
    return value;
}

// Free space for unprivileged writers on the file system that holds `path`'s folder.
bool has_room(const std::string &path, uint64_t bytes) {
    const std::string::size_type slash = path.rfind('/');
    const std::string folder = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
    struct statvfs stats;
    if (statvfs(folder.c_str(), &stats) != 0) return false;
    return uint64_t(stats.f_bavail) * stats.f_frsize >= bytes;
}

struct header {
    static constexpr size_t size = sizeof(magic) + 8 + 8;
    char bytes[size];
};

}  // namespace

void checksum::add(const void *data, size_t size) {
    const unsigned char *p = static_cast<const unsigned char *>(data);
    while (size > 0 && pending_size_ > 0) {
        pending_[pending_size_++] = *p++;
        --size;
        if (pending_size_ == 8) {
            uint64_t word;
            std::memcpy(&word, pending_, 8);
            hash_ = (hash_ ^ word) * fnv_prime;
            pending_size_ = 0;
        }
    }
    for (; size >= 8; p += 8, size -= 8) {
        uint64_t word;
        std::memcpy(&word, p, 8);
        hash_ = (hash_ ^ word) * fnv_prime;
    }
    std::memcpy(pending_, p, size);
    pending_size_ = size;
}

uint64_t checksum::value() const {
    unsigned char tail[8] = {};
    std::memcpy(tail, pending_, pending_size_);
    uint64_t word;
    std::memcpy(&word, tail, 8);
    return ((hash_ ^ word) * fnv_prime ^ uint64_t(pending_size_)) * fnv_prime;
}

reader::reader(const std::string &path) {
    if (path.empty()) return;
    in_.open(path, std::ios::binary);
    header h;
    if (!in_.read(h.bytes, header::size) || std::memcmp(h.bytes, magic, sizeof(magic)) != 0) return;
    remaining_ = get_u64(h.bytes + 8);
    expected_ = get_u64(h.bytes + 16);
    // The stated length must be what the file holds, so a damaged length cannot make a caller
    // allocate more than the file's size.
    const std::streamoff start = in_.tellg();
    in_.seekg(0, std::ios::end);
    ok_ = in_ && uint64_t(in_.tellg() - start) == remaining_;
    in_.seekg(start);
}

bool reader::read(void *data, size_t size) {
    if (!ok_ || size > remaining_ || !in_.read(static_cast<char *>(data), std::streamsize(size))) {
        ok_ = false;
        return false;
    }
    remaining_ -= size;
    sum_.add(data, size);
    return true;
}

bool reader::finish() {
    return ok_ && remaining_ == 0 && in_.peek() == std::char_traits<char>::eof() && sum_.value() == expected_;
}

writer::writer(const std::string &path, uint64_t expected_size) : path_(path) {
    if (path.empty() || !has_room(path, expected_size + reserve)) return;
    static std::atomic<unsigned> writers{0};
    temporary_ = path + ".tmp." + std::to_string(getpid()) + "." + std::to_string(writers++);
    out_.open(temporary_, std::ios::binary | std::ios::trunc);
    header placeholder{};
    out_.write(placeholder.bytes, header::size);
}

writer::~writer() {
    if (!temporary_.empty()) std::remove(temporary_.c_str());
}

void writer::write(const void *data, size_t size) {
    if (!out_.is_open() || !out_) return;
    out_.write(static_cast<const char *>(data), std::streamsize(size));
    length_ += size;
    sum_.add(data, size);
}

void writer::commit() {
    if (temporary_.empty() || !out_) return;
    header h;
    std::memcpy(h.bytes, magic, sizeof(magic));
    put_u64(h.bytes + 8, length_);
    put_u64(h.bytes + 16, sum_.value());
    out_.seekp(0);
    out_.write(h.bytes, header::size);
    out_.close();
    if (!out_.fail() && std::rename(temporary_.c_str(), path_.c_str()) == 0) temporary_.clear();
}

bool read(const std::string &path, std::string &payload) {
    payload.clear();
    reader in(path);
    std::string bytes(in.size(), '\0');
    if (!in.read(&bytes[0], bytes.size()) || !in.finish()) return false;
    payload = std::move(bytes);
    return true;
}

void write(const std::string &path, const std::string &payload) {
    writer out(path, payload.size());
    out.write(payload.data(), payload.size());
    out.commit();
}

uint64_t fnv1a(const std::string &bytes) {
    uint64_t hash = fnv_offset;
    for (unsigned char c : bytes) hash = (hash ^ c) * fnv_prime;
    return hash;
}

std::string entry(const char *folder, const std::string &name) {
    if (folder == nullptr || *folder == '\0') return std::string();
    return std::string(folder) + "/" + name;
}

}  // namespace model_cache
