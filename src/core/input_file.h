// Reading the files users give aimc: every one is checked first. It must exist and be a regular
// file — a folder means a wrong path, and a device (/dev/zero), FIFO or socket would be read forever.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace aimc {

// Throws Error naming the file and `expected` ("a chip .yaml file") unless `path` is a regular file.
void require_regular_file(const std::string& path, std::string_view expected = "a file");

// A regular file (checked as above) mapped read-only into memory: its bytes are read from the page
// cache as they are touched, with no copy into a buffer of our own (a VGG model is 550 MB).
class MappedFile {
 public:
  explicit MappedFile(const std::string& path, std::string_view expected = "a file");
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  std::string_view bytes() const { return {static_cast<const char*>(m_data), m_size}; }

 private:
  void* m_data = nullptr;
  size_t m_size = 0;
};

// The whole file (checked as above), refused when larger than `max_bytes`.
std::string read_whole_file(const std::string& path, uint64_t max_bytes, std::string_view expected = "a file");

// The length of `text`'s longest prefix that is valid UTF-8 (RFC 3629: no overlong forms, surrogates or
// code points past U+10FFFF): text.size() when all of it is.
size_t utf8_prefix(std::string_view text);

// Throws Error naming `label` and the line and column (1-based, in bytes) of the first byte that does not
// start a UTF-8 character (utf8_prefix). The YAML a user writes (chips, sweeps) is checked before it is
// parsed: its strings reach JSON, which is UTF-8.
void require_utf8(std::string_view text, const std::string& label);

}  // namespace aimc
