#include "core/input_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>

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
