#include "model_cache.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>

#include <unistd.h>

namespace model_cache {
namespace {

const char magic[8] = {'P', 'R', 'C', 'T', 'M', 'C', '0', '1'};
constexpr size_t header_size = sizeof(magic) + 8 + 8;

void put_u64(std::string &out, uint64_t value) {
    for (int i = 0; i < 8; ++i) out.push_back(char((value >> (8 * i)) & 0xFF));
}

uint64_t get_u64(const char *in) {
    uint64_t value = 0;
    for (int i = 0; i < 8; ++i) value |= uint64_t((unsigned char)in[i]) << (8 * i);
    return value;
}

}  // namespace

uint64_t fnv1a(const std::string &bytes) {
    uint64_t hash = 14695981039346656037ULL;
    for (unsigned char c : bytes) hash = (hash ^ c) * 1099511628211ULL;
    return hash;
}

bool read(const std::string &path, std::string &payload) {
    payload.clear();
    if (path.empty()) return false;
    std::ifstream in(path, std::ios::binary);
    char header[header_size];
    if (!in.read(header, header_size) || std::memcmp(header, magic, sizeof(magic)) != 0) return false;
    const uint64_t length = get_u64(header + 8), checksum = get_u64(header + 16);
    // Entries are small (the largest is ~160 kB); a length beyond that is damage, not data.
    if (length > (64u << 20)) return false;
    payload.resize(length);
    if (!in.read(&payload[0], std::streamsize(length)) || in.peek() != std::char_traits<char>::eof() ||
        fnv1a(payload) != checksum) {
        payload.clear();
        return false;
    }
    return true;
}

void write(const std::string &path, const std::string &payload) {
    if (path.empty()) return;
    std::string bytes(magic, sizeof(magic));
    put_u64(bytes, payload.size());
    put_u64(bytes, fnv1a(payload));
    bytes += payload;
    const std::string temporary = path + ".tmp." + std::to_string(getpid());
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out.write(bytes.data(), std::streamsize(bytes.size())) || !out.flush()) {
            std::remove(temporary.c_str());
            return;
        }
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) std::remove(temporary.c_str());
}

std::string entry(const char *folder, const std::string &name) {
    if (folder == nullptr || *folder == '\0') return std::string();
    return std::string(folder) + "/" + name;
}

}  // namespace model_cache
