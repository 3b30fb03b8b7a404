#include "data/gzip.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "core/error.h"
#include "core/input_file.h"

namespace aimc {

namespace fs = std::filesystem;

namespace {
gzFile as_gz(void* p) { return static_cast<gzFile>(p); }

}  // namespace

GzReader::GzReader(const std::string& path) : m_path(path) {
  require_regular_file(path);
  std::error_code ec;
  uintmax_t size = fs::file_size(path, ec);
  if (!ec) m_size_hint = static_cast<size_t>(size);
  errno = 0;
  m_file = gzopen(path.c_str(), "rb");
  if (!m_file) {
    throw Error(fmt::format("cannot open: {}", errno ? std::strerror(errno) : "out of memory"), ErrorContext{.file = path});
  }
  gzbuffer(as_gz(m_file), 1u << 18);
}

GzReader::~GzReader() {
  if (m_file) gzclose_r(as_gz(m_file));
}

bool GzReader::compressed() const { return gzdirect(as_gz(m_file)) == 0; }

size_t GzReader::read(std::vector<uint8_t>& out, size_t n) {
  constexpr size_t kChunk = size_t{1} << 22;
  if (!compressed() && m_size_hint > 0) out.reserve(out.size() + std::min(n, m_size_hint));
  size_t got = 0;
  while (got < n) {
    size_t want = std::min(n - got, kChunk);
    size_t old = out.size();
    out.resize(old + want);
    int r = gzread(as_gz(m_file), out.data() + old, static_cast<unsigned>(want));
    int err = Z_OK;
    const char* msg = gzerror(as_gz(m_file), &err);
    if (r < 0 || (err != Z_OK && err != Z_STREAM_END)) {
      out.resize(old);
      throw Error(fmt::format("corrupt or truncated gzip data: {}", msg ? msg : "read error"), ErrorContext{.file = m_path});
    }
    out.resize(old + static_cast<size_t>(r));
    got += static_cast<size_t>(r);
    if (static_cast<size_t>(r) < want) break;  // end of file
  }
  return got;
}

std::vector<uint8_t> GzReader::read_all() {
  std::vector<uint8_t> out;
  read(out, SIZE_MAX);
  return out;
}

std::vector<uint8_t> read_file_bytes(const std::string& path) { return GzReader(path).read_all(); }

std::string plain_or_gz(const std::string& path) {
  std::error_code ec;
  if (fs::exists(path, ec)) return path;
  if (fs::exists(path + ".gz", ec)) return path + ".gz";
  throw Error(fmt::format("no such file (nor {}.gz)", fs::path(path).filename().string()), ErrorContext{.file = path});
}

}  // namespace aimc
