// Where a value sits in a YAML document, for error messages: file, line and YAML path.
//
// Contract: every user error raised while reading or validating a chip goes through Site::fail,
// so it is an aimc::Error reading `FILE:LINE: cores.adc.bits: MESSAGE` (parts omitted when
// unknown: a spec built in C++ has no file and no line).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>

namespace aimc::chip {

// "cores" + "adc" -> "cores.adc"; "" + "cores" -> "cores".
std::string join_path(std::string_view parent, std::string_view key);

class Site {
 public:
  // A document root: `file` is the name shown in messages (empty for specs built in C++).
  Site(std::string file, YAML::Node node);
  // A place with no YAML behind it (validation of a spec built in C++).
  static Site detached(std::string path = "");

  const std::string& file() const { return m_file; }
  const std::string& path() const { return m_path; }
  const YAML::Node& node() const { return m_node; }

  // The value under `key` of this map (an undefined node when absent; messages then use this
  // map's line). Never inserts into the document.
  Site child(std::string_view key) const;
  // The i-th element of this list.
  Site element(std::size_t index) const;
  // A specific value under `key` (for a duplicated key, whose first value child() would find).
  Site child_at(std::string_view key, const YAML::Node& value) const;

  [[noreturn]] void fail(const std::string& message) const;
  // Shorthand for child(key).fail(message).
  [[noreturn]] void fail_key(std::string_view key, const std::string& message) const;

 private:
  Site(std::string file, YAML::Node node, std::string path, int line);
  std::string m_file;
  YAML::Node m_node;
  std::string m_path;
  int m_line = -1;  // 1-based line of this value, or of the nearest enclosing one; -1 unknown
};

}  // namespace aimc::chip
