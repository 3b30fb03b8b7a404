#include "chip/overrides.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>

#include "chip/loader.h"
#include "chip/resolved.h"
#include "core/error.h"

namespace aimc::chip {

namespace {
std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> keys;
  for (size_t start = 0; start <= path.size();) {
    const size_t end = std::min(path.find('.', start), path.size());
    keys.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return keys;
}

// The index a key names in a list, or -1.
long list_index(const std::string& key, size_t size) {
  char* end = nullptr;
  const long i = std::strtol(key.c_str(), &end, 10);
  return !key.empty() && *end == '\0' && i >= 0 && static_cast<size_t>(i) < size ? i : -1;
}

void set_path(YAML::Node root, const ChipOverride& o, const std::string& label) {
  const std::vector<std::string> keys = split_path(o.path);
  const ErrorContext where{.file = label, .field = o.path};
  for (const std::string& k : keys) {
    if (k.empty()) throw Error("empty key in the path; expected keys joined by '.'", where);
  }
  YAML::Node value;
  try {
    value = YAML::Load(o.value);
  } catch (const YAML::Exception& e) {
    throw Error(fmt::format("the value '{}' is not YAML ({})", o.value, e.msg), where);
  }
  YAML::Node node = root;
  for (size_t i = 0; i < keys.size(); ++i) {
    const bool last = i + 1 == keys.size();
    const std::string& k = keys[i];
    if (node.IsSequence()) {
      const long at = list_index(k, node.size());
      if (at < 0) throw Error(fmt::format("'{}' is not an index of a list of {}", k, node.size()), where);
      if (last) {
        node[static_cast<size_t>(at)] = value;
        return;
      }
      node.reset(node[static_cast<size_t>(at)]);
    } else if (node.IsMap()) {
      if (last) {
        node[k] = value;  // a key the schema lacks is reported by the validation, with suggestions
        return;
      }
      if (!node[k]) node[k] = YAML::Node(YAML::NodeType::Map);
      YAML::Node next = node[k];
      node.reset(next);
    } else {
      throw Error(fmt::format("'{}' is a value, not a section; expected a path to a parameter", keys[i - 1]), where);
    }
  }
}
}  // namespace

ChipSpec with_overrides(const ChipSpec& chip, const std::vector<ChipOverride>& overrides, const PresetLibrary& presets) {
  if (overrides.empty()) return chip;
  const std::string label = chip.name + " with overrides";
  YAML::Node root = YAML::Load(resolved_yaml(chip));
  for (const ChipOverride& o : overrides) set_path(root, o, label);
  YAML::Emitter out;
  out << root;
  return parse_chip(out.c_str(), label, presets);
}

}  // namespace aimc::chip
