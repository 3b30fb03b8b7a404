// Reading files that may be gzip-compressed (zlib's gzread reads raw files unchanged), and the
// overflow-checked size arithmetic every reader uses before trusting a header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace aimc {

// A file opened for reading through zlib: gzip data is decompressed, anything else is read as is.
// Contract: the constructor throws Error{.file = path} if the file is missing or unreadable;
// read() throws Error if the gzip stream is corrupt. Not copyable.
class GzReader {
 public:
  explicit GzReader(const std::string& path);
  ~GzReader();
  GzReader(const GzReader&) = delete;
  GzReader& operator=(const GzReader&) = delete;

  // Appends up to `n` bytes to `out` and returns how many were appended (fewer only at the end
  // of the file). Grows `out` as data arrives, so a huge `n` from a lying header costs nothing.
  size_t read(std::vector<uint8_t>& out, size_t n);
  // The rest of the file.
  std::vector<uint8_t> read_all();

  const std::string& path() const { return m_path; }
  // True when the file is gzip-compressed (so sizes in messages are uncompressed sizes).
  bool compressed() const;

 private:
  std::string m_path;
  void* m_file = nullptr;  // gzFile
  size_t m_size_hint = 0;  // on-disk size, to reserve memory
};

// The whole file, decompressed if it is gzip. Throws Error{.file = path}.
std::vector<uint8_t> read_file_bytes(const std::string& path);

// `path` if it exists, else `path + ".gz"` if that exists; otherwise throws
// Error{.file = path, "no such file (nor <name>.gz)"}. The raw file wins when both exist.
std::string plain_or_gz(const std::string& path);

// a * b and a + b, or false on uint64 overflow.
inline bool checked_mul(uint64_t a, uint64_t b, uint64_t& out) { return !__builtin_mul_overflow(a, b, &out); }
inline bool checked_add(uint64_t a, uint64_t b, uint64_t& out) { return !__builtin_add_overflow(a, b, &out); }

}  // namespace aimc
