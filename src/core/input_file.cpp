#include "core/input_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace aimc {

namespace fs = std::filesystem;

void require_regular_file(const std::string& path, std::string_view expected) {
  const ErrorContext at{.file = path};
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (!fs::exists(st)) throw Error("no such file", at);
  if (fs::is_directory(st)) throw Error(fmt::format("is a folder; expected {}", expected), at);
  if (!fs::is_regular_file(st)) {
    throw Error(fmt::format("is not a regular file (a device, FIFO or socket); expected {}", expected), at);
  }
}

MappedFile::MappedFile(const std::string& path, std::string_view expected) {
  require_regular_file(path, expected);
  const ErrorContext at{.file = path};
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(fmt::format("cannot open: {}", std::strerror(errno)), at);
  const off_t size = ::lseek(fd, 0, SEEK_END);
  if (size > 0) m_data = ::mmap(nullptr, static_cast<size_t>(size), PROT_READ, MAP_PRIVATE, fd, 0);
  const int err = errno;
  ::close(fd);
  if (size < 0 || m_data == MAP_FAILED) {
    m_data = nullptr;
    throw Error(fmt::format("cannot read: {}", std::strerror(err)), at);
  }
  m_size = static_cast<size_t>(size);
}

MappedFile::~MappedFile() {
  if (m_data) ::munmap(m_data, m_size);
}

size_t utf8_prefix(std::string_view text) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  for (size_t i = 0; i < text.size();) {
    const unsigned char b = byte(i);
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (b < 0x80) len = 1;
    else if (b >= 0xC2 && b <= 0xDF) len = 2;
    else if (b >= 0xE0 && b <= 0xEF) len = 3, lo = b == 0xE0 ? 0xA0 : 0x80, hi = b == 0xED ? 0x9F : 0xBF;
    else if (b >= 0xF0 && b <= 0xF4) len = 4, lo = b == 0xF0 ? 0x90 : 0x80, hi = b == 0xF4 ? 0x8F : 0xBF;
    bool valid = len > 0 && i + len <= text.size();
    for (size_t k = 1; valid && k < len; ++k) {
      const unsigned char c = byte(i + k);
      valid = c >= (k == 1 ? lo : 0x80) && c <= (k == 1 ? hi : 0xBF);
    }
    if (!valid) return i;
    i += len;
  }
  return text.size();
}

void require_utf8(std::string_view text, const std::string& label) {
  const size_t at = utf8_prefix(text);
  if (at == text.size()) return;
  const std::string_view before = text.substr(0, at);
  const size_t line_start = before.rfind('\n') == std::string_view::npos ? 0 : before.rfind('\n') + 1;
  throw Error(fmt::format("byte 0x{:02X} at column {} starts no UTF-8 character; save the file as UTF-8 text",
                          static_cast<unsigned char>(text[at]), at - line_start + 1),
              ErrorContext{.file = fmt::format("{}:{}", label, std::count(before.begin(), before.end(), '\n') + 1)});
}

std::string read_whole_file(const std::string& path, uint64_t max_bytes, std::string_view expected) {
  require_regular_file(path, expected);
  const ErrorContext at{.file = path};
  std::error_code ec;
  const uint64_t size = fs::file_size(path, ec);
  if (ec) throw Error(fmt::format("cannot read: {}", ec.message()), at);
  if (size > max_bytes) {
    throw Error(fmt::format("is {} bytes; expected {} of at most {} bytes", size, expected, max_bytes), at);
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(fmt::format("cannot open: {}", std::strerror(errno)), at);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace aimc
