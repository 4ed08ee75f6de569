// Prepared copies of what dlib is slow to derive at start-up, kept in a cache folder (see
// docs/detectors.md, "Start-up and the model cache"). Internal to the shim.
#ifndef PROCTOR_MODEL_CACHE_H
#define PROCTOR_MODEL_CACHE_H

#include <cstdint>
#include <string>

namespace model_cache {

// One cache entry: a file holding a magic, the payload's length and an FNV-1a checksum, then
// the payload. `read` returns false (and leaves `payload` empty) for a missing, short,
// damaged or foreign file, so a caller falls back to the slow path and writes a fresh entry.
bool read(const std::string &path, std::string &payload);

// Writes the entry under a temporary name and renames it into place, so a reader never sees a
// half-written file. Failures (read-only home, full disk) are ignored: the cache only saves time.
void write(const std::string &path, const std::string &payload);

// 64-bit FNV-1a: the entries' checksum, and a short stable name for a path.
uint64_t fnv1a(const std::string &bytes);

// `folder` + "/" + `name`, or "" when there is no cache folder.
std::string entry(const char *folder, const std::string &name);

}  // namespace model_cache

#endif
