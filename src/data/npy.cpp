// NumPy .npy: "\x93NUMPY", major and minor version bytes, the header length (uint16 LE in 1.0,
// uint32 LE in 2.0 and 3.0), a Python dict literal {'descr': ..., 'fortran_order': ...,
// 'shape': (...)} padded with spaces and '\n', then the data in C order.
#include "data/npy.h"

#include <fmt/format.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <string_view>
#include <system_error>
#include <vector>

#include "core/input_file.h"
#include "core/text_file.h"
#include "data/gzip.h"

namespace aimc {

static_assert(std::endian::native == std::endian::little, "the .npy reader assumes a little-endian host");

namespace {

constexpr std::string_view kMagic{"\x93NUMPY", 6};
constexpr const char* kSupported = "<f4, <f8 (read as f32), <i4, <i8, |i1, |u1, |b1 (read as u8)";

struct Header {
  std::string descr;
  bool fortran_order = false;
  std::vector<uint64_t> shape;
};

// "()", "(5,)", "(2, 3)": the shape as Python writes a tuple.
template <class Dims>
std::string py_shape(const Dims& dims) {
  if (dims.size() == 1) return fmt::format("({},)", dims[0]);
  return fmt::format("({})", fmt::join(dims, ", "));
}

// The header dict, parsed strictly: the three keys numpy writes, each once, nothing else.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& path) : m_text(text), m_path(path) {}

  Header parse() {
    Header h;
    bool seen_descr = false, seen_order = false, seen_shape = false;
    skip_ws();
    expect('{');
    while (true) {
      skip_ws();
      if (eat('}')) break;
      size_t key_at = m_pos;
      std::string key = string_literal();
      skip_ws();
      expect(':');
      skip_ws();
      auto once = [&](bool& seen) {
        if (seen) fail(fmt::format("duplicate key '{}'", key), key_at);
        seen = true;
      };
      if (key == "descr") {
        once(seen_descr);
        if (peek() == '[') {
          throw Error(fmt::format("unsupported dtype: a structured array (descr is a list of fields); supported: {}", kSupported),
                      ErrorContext{.file = m_path});
        }
        h.descr = string_literal();
      } else if (key == "fortran_order") {
        once(seen_order);
        h.fortran_order = boolean();
      } else if (key == "shape") {
        once(seen_shape);
        h.shape = tuple();
      } else {
        fail(fmt::format("unknown key '{}' (expected 'descr', 'fortran_order', 'shape')", key), key_at);
      }
      skip_ws();
      if (eat(',')) continue;
      if (!eat('}')) fail("expected ',' or '}'", m_pos);
      break;
    }
    skip_ws();
    if (m_pos != m_text.size()) fail("unexpected text after the dict", m_pos);
    if (!seen_descr) fail("missing key 'descr'", m_pos);
    if (!seen_order) fail("missing key 'fortran_order'", m_pos);
    if (!seen_shape) fail("missing key 'shape'", m_pos);
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& what, size_t at) const {
    std::string shown;
    for (char c : m_text.substr(0, 200)) shown += (c >= 0x20 && c < 0x7f) ? c : '?';
    while (!shown.empty() && (shown.back() == ' ' || shown.back() == '?')) shown.pop_back();
    throw Error(fmt::format("bad .npy header: {} at offset {} in \"{}\"", what, at, shown), ErrorContext{.file = m_path});
  }
  char peek() const { return m_pos < m_text.size() ? m_text[m_pos] : '\0'; }
  void skip_ws() {
    while (m_pos < m_text.size() &&
           (m_text[m_pos] == ' ' || m_text[m_pos] == '\n' || m_text[m_pos] == '\t' || m_text[m_pos] == '\r')) {
      ++m_pos;
    }
  }
  bool eat(char c) {
    if (peek() != c || m_pos >= m_text.size()) return false;
    ++m_pos;
    return true;
  }
  void expect(char c) {
    if (!eat(c)) fail(fmt::format("expected '{}'", c), m_pos);
  }
  std::string string_literal() {
    char quote = peek();
    if (quote != '\'' && quote != '"') fail("expected a quoted string", m_pos);
    size_t start = ++m_pos;
    while (m_pos < m_text.size() && m_text[m_pos] != quote) ++m_pos;
    if (m_pos >= m_text.size()) fail("unterminated string", start - 1);
    return std::string(m_text.substr(start, m_pos++ - start));
  }
  bool boolean() {
    for (auto [word, value] : {std::pair{std::string_view("True"), true}, std::pair{std::string_view("False"), false}}) {
      if (m_text.substr(m_pos, word.size()) == word) {
        m_pos += word.size();
        return value;
      }
    }
    fail("expected True or False", m_pos);
  }
  uint64_t dimension() {
    if (peek() < '0' || peek() > '9') fail("expected a non-negative integer dimension", m_pos);
    uint64_t v = 0;
    size_t start = m_pos;
    while (peek() >= '0' && peek() <= '9') {
      if (!checked_mul(v, 10, v) || !checked_add(v, static_cast<uint64_t>(peek() - '0'), v) ||
          v > uint64_t{std::numeric_limits<int64_t>::max()}) {
        fail("dimension too large", start);
      }
      ++m_pos;
    }
    eat('L');  // Python 2 long literal
    return v;
  }
  std::vector<uint64_t> tuple() {
    std::vector<uint64_t> dims;
    expect('(');
    skip_ws();
    if (eat(')')) return dims;
    while (true) {
      skip_ws();
      dims.push_back(dimension());
      skip_ws();
      if (eat(',')) {
        skip_ws();
        if (eat(')')) break;
        continue;
      }
      expect(')');
      break;
    }
    return dims;
  }

  std::string_view m_text;
  const std::string& m_path;
  size_t m_pos = 0;
};

struct Kind {
  DType dtype;
  size_t item;    // bytes per element in the file
  bool from_f64;  // converted to f32 on reading
};

std::optional<Kind> kind_of(const std::string& descr) {
  if (descr.size() != 3) return std::nullopt;
  const char order = descr[0];
  const std::string_view code = std::string_view(descr).substr(1);
  const bool any_order = order == '|' || order == '<' || order == '>' || order == '=';
  const bool little = order == '<' || order == '=';
  if (any_order) {
    if (code == "i1") return Kind{DType::i8, 1, false};
    if (code == "u1" || code == "b1") return Kind{DType::u8, 1, false};
  }
  if (little) {
    if (code == "f4") return Kind{DType::f32, 4, false};
    if (code == "f8") return Kind{DType::f32, 8, true};
    if (code == "i4") return Kind{DType::i32, 4, false};
    if (code == "i8") return Kind{DType::i64, 8, false};
  }
  return std::nullopt;
}

const char* descr_of(DType t) {
  switch (t) {
    case DType::f32:
      return "<f4";
    case DType::i32:
      return "<i4";
    case DType::i64:
      return "<i8";
    case DType::i8:
      return "|i1";
    case DType::u8:
      return "|u1";
  }
  throw InternalError("descr_of: bad dtype");
}

// An open .npy file whose header and size have been checked; `file` is positioned at the data.
struct NpyFile {
  std::ifstream file;
  Header header;
  Kind kind;
};

NpyFile open_npy(const std::string& path) {
  namespace fs = std::filesystem;
  const ErrorContext at{.file = path};
  std::error_code ec;
  require_regular_file(path, "a .npy file");
  const uint64_t size = fs::file_size(path, ec);
  if (ec) throw Error(fmt::format("cannot read: {}", ec.message()), at);
  NpyFile npy{.file = std::ifstream(path, std::ios::binary), .header = {}, .kind = {}};
  std::ifstream& f = npy.file;
  if (!f) throw Error(fmt::format("cannot open: {}", std::strerror(errno)), at);

  uint8_t pre[12] = {};
  f.read(reinterpret_cast<char*>(pre), static_cast<std::streamsize>(std::min<uint64_t>(size, sizeof pre)));
  if (size < kMagic.size() || std::memcmp(pre, kMagic.data(), kMagic.size()) != 0) {
    throw Error("not a .npy file: bad magic (expected \\x93NUMPY)", at);
  }
  if (size < 10) throw Error(fmt::format("truncated: {} bytes, shorter than the .npy preamble", size), at);
  const int major = pre[6], minor = pre[7];
  if (major < 1 || major > 3 || minor != 0) {
    throw Error(fmt::format("unsupported .npy format version {}.{} (supported: 1.0, 2.0, 3.0)", major, minor), at);
  }
  const uint64_t prefix = major == 1 ? 10 : 12;
  if (size < prefix) throw Error(fmt::format("truncated: {} bytes, shorter than the .npy preamble", size), at);
  const uint64_t header_len =
      major == 1 ? (uint64_t{pre[8]} | uint64_t{pre[9]} << 8)
                 : (uint64_t{pre[8]} | uint64_t{pre[9]} << 8 | uint64_t{pre[10]} << 16 | uint64_t{pre[11]} << 24);
  if (header_len > size - prefix) {
    throw Error(fmt::format("truncated: the preamble announces a {}-byte header, the file has {} bytes after it", header_len,
                            size - prefix),
                at);
  }
  std::string text(static_cast<size_t>(header_len), '\0');
  f.seekg(static_cast<std::streamoff>(prefix));
  f.read(text.data(), static_cast<std::streamsize>(header_len));
  if (!f) throw Error("cannot read the .npy header", at);
  npy.header = HeaderParser(text, path).parse();
  const Header& h = npy.header;

  const std::optional<Kind> kind = kind_of(h.descr);
  if (!kind) {
    throw Error(fmt::format("unsupported dtype '{}'{}; supported: {}", h.descr,
                            !h.descr.empty() && h.descr[0] == '>' ? " (big-endian)" : "", kSupported),
                at);
  }
  if (h.fortran_order) {
    throw Error("fortran_order is True: only C-order arrays are supported (save np.ascontiguousarray(a))", at);
  }
  uint64_t count = 1, bytes = 0;
  bool overflow = false;
  for (uint64_t d : h.shape) overflow |= !checked_mul(count, d, count);
  overflow |= !checked_mul(count, kind->item, bytes) || bytes > uint64_t{std::numeric_limits<int64_t>::max()};
  if (overflow) throw Error(fmt::format("shape {} of '{}' is too large to be real", py_shape(h.shape), h.descr), at);
  const uint64_t available = size - prefix - header_len;
  if (available != bytes) {
    throw Error(fmt::format("{}: shape {} of '{}' needs {} bytes of data, the file has {}",
                            available < bytes ? "truncated" : "size mismatch", py_shape(h.shape), h.descr, bytes, available),
                at);
  }

  npy.kind = *kind;
  return npy;
}

Tensor read_npy_impl(const std::string& path, int64_t max_rows) {
  NpyFile npy = open_npy(path);
  const Header& h = npy.header;
  const Kind* kind = &npy.kind;
  std::ifstream& f = npy.file;
  const ErrorContext at{.file = path};
  Shape shape(h.shape.begin(), h.shape.end());
  if (!shape.empty() && max_rows >= 0 && max_rows < shape[0]) shape[0] = max_rows;
  Tensor t(kind->dtype, shape);
  const size_t n = static_cast<size_t>(t.numel());
  if (kind->from_f64) {
    std::vector<double> buf(n);
    f.read(reinterpret_cast<char*>(buf.data()), static_cast<std::streamsize>(n * sizeof(double)));
    float* out = t.data<float>();
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<float>(buf[i]);
  } else {
    f.read(reinterpret_cast<char*>(t.raw()), static_cast<std::streamsize>(t.nbytes()));
  }
  if (!f) throw Error("read failed", at);
  return t;
}

}  // namespace

Tensor read_npy(const std::string& path) { return read_npy_impl(path, -1); }

Tensor read_npy_rows(const std::string& path, int64_t max_rows) { return read_npy_impl(path, max_rows); }

Shape read_npy_shape(const std::string& path) {
  const std::vector<uint64_t>& dims = open_npy(path).header.shape;
  return Shape(dims.begin(), dims.end());
}

void write_npy(const std::string& path, const Tensor& t) {
  const ErrorContext at{.file = path};
  if (t.rank() == 0 && t.numel() == 0) throw Error("cannot write an undefined tensor", at);
  std::string dict =
      fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", descr_of(t.dtype()), py_shape(t.shape()));
  size_t prefix = 10;
  auto padded = [&] {
    size_t unpadded = prefix + dict.size() + 1;  // + '\n'
    return dict + std::string((64 - unpadded % 64) % 64, ' ') + '\n';
  };
  std::string header = padded();
  if (header.size() > 0xffff) {
    prefix = 12;
    header = padded();
  }
  std::string pre(kMagic);
  pre += static_cast<char>(prefix == 10 ? 1 : 2);
  pre += '\0';
  for (size_t i = 0; i < prefix - 8; ++i) pre += static_cast<char>((header.size() >> (8 * i)) & 0xff);

  std::string bytes = pre + header;
  if (t.numel() > 0) bytes.append(reinterpret_cast<const char*>(t.raw()), t.nbytes());
  write_file_atomic(path, bytes);
}

}  // namespace aimc
