#include "core/error.h"

#include <string>

namespace aimc {

namespace {
// Keep what() one line whatever the message holds: line breaks become spaces; other control characters (a name read from a
// damaged file may hold any byte) and Unicode's line separators (U+0085, U+2028, U+2029) are written as \xNN.
std::string one_line(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  const auto escape = [&out](unsigned char c) {
    constexpr char kHex[] = "0123456789abcdef";
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 15];
  };
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const auto next = [&](size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0; };
    if (c == '\n' || c == '\r' || c == '\t') {
      out += ' ';  // a message's own line breaks
    } else if (c < 0x20 || c == 0x7f) {
      escape(c);
    } else if (c == 0xc2 && next(1) == 0x85) {
      escape(c), escape(next(1)), i += 1;
    } else if (c == 0xe2 && next(1) == 0x80 && (next(2) == 0xa8 || next(2) == 0xa9)) {
      escape(c), escape(next(1)), escape(next(2)), i += 2;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}
}  // namespace

Error::Error(std::string message, ErrorContext context)
    : std::runtime_error(message), m_message(std::move(message)), m_context(std::move(context)) {
  rebuild();
}

Error& Error::with_file(const std::string& file) {
  if (m_context.file.empty()) m_context.file = file;
  rebuild();
  return *this;
}

Error& Error::with_node(const std::string& node, const std::string& op) {
  if (m_context.node.empty() && m_context.op.empty()) {
    m_context.node = node;
    m_context.op = op;
  }
  rebuild();
  return *this;
}

Error& Error::with_field(const std::string& field) {
  if (m_context.field.empty()) m_context.field = field;
  rebuild();
  return *this;
}

void Error::rebuild() {
  std::string s;
  if (!m_context.file.empty()) s += m_context.file + ": ";
  if (!m_context.node.empty() || !m_context.op.empty()) {
    s += "node '" + m_context.node + "'";
    if (!m_context.op.empty()) s += " (" + m_context.op + ")";
    s += ": ";
  }
  if (!m_context.field.empty()) s += m_context.field + ": ";
  s += m_message;
  m_what = one_line(s);
}

}  // namespace aimc
