#include "core/error.h"

#include <algorithm>

namespace aimc {

namespace {
// Keep what() one line whatever the message holds.
std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  std::replace(s.begin(), s.end(), '\r', ' ');
  return s;
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
  m_what = one_line(std::move(s));
}

}  // namespace aimc
