#include "chip/schema/site.h"

#include <fmt/format.h>

#include "core/error.h"

namespace aimc::chip {

namespace {
int line_of(const YAML::Node& node, int fallback) {
  if (!node.IsDefined()) return fallback;
  const YAML::Mark mark = node.Mark();
  return mark.is_null() ? fallback : mark.line + 1;
}
}  // namespace

std::string join_path(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return std::string(parent) + "." + std::string(key);
}

Site::Site(std::string file, YAML::Node node) : Site(std::move(file), node, "", -1) { m_line = line_of(m_node, -1); }

Site::Site(std::string file, YAML::Node node, std::string path, int line)
    : m_file(std::move(file)), m_node(node), m_path(std::move(path)), m_line(line) {}

Site Site::detached(std::string path) { return Site("", YAML::Node(YAML::NodeType::Undefined), std::move(path), -1); }

Site Site::child(std::string_view key) const {
  YAML::Node value(YAML::NodeType::Undefined);
  if (m_node.IsDefined() && m_node.IsMap()) {
    for (auto it = m_node.begin(); it != m_node.end(); ++it) {
      if (it->first.IsScalar() && it->first.Scalar() == key) {
        value = it->second;
        break;
      }
    }
  }
  return Site(m_file, value, join_path(m_path, key), line_of(value, m_line));
}

Site Site::child_at(std::string_view key, const YAML::Node& value) const {
  return Site(m_file, value, join_path(m_path, key), line_of(value, m_line));
}

Site Site::element(std::size_t index) const {
  YAML::Node value(YAML::NodeType::Undefined);
  if (m_node.IsDefined() && m_node.IsSequence() && index < m_node.size()) value = m_node[index];
  return Site(m_file, value, fmt::format("{}[{}]", m_path, index), line_of(value, m_line));
}

void Site::fail(const std::string& message) const {
  // fmt rather than operator+: GCC 12 reports a false -Wrestrict on ":" + std::to_string().
  const std::string where = !m_file.empty() && m_line > 0 ? fmt::format("{}:{}", m_file, m_line) : m_file;
  throw Error(message, ErrorContext{.file = where, .field = m_path});
}

void Site::fail_key(std::string_view key, const std::string& message) const { child(key).fail(message); }

}  // namespace aimc::chip
