// The preset library: chip YAML files found by name in an ordered list of folders (the CLI passes
// $AIMC_PRESETS, the source tree's presets/ and the installed share/aimc/presets; no global state).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aimc::chip {

struct PresetEntry {
  std::string name;  // file stem: "hermes"
  std::filesystem::path path;
};

class PresetLibrary {
 public:
  explicit PresetLibrary(std::vector<std::filesystem::path> dirs = {});

  // <dir>/<name>.yaml in the first folder that has it.
  std::optional<std::filesystem::path> find(std::string_view name) const;
  // Every preset, by name; a name in an earlier folder hides the same name in later ones.
  std::vector<PresetEntry> list() const;
  std::vector<std::string> names() const;
  const std::vector<std::filesystem::path>& dirs() const { return m_dirs; }

 private:
  std::vector<std::filesystem::path> m_dirs;
};

// True when `ref` names a file rather than a preset: it has a '/' or ends in .yaml or .yml.
bool looks_like_path(std::string_view ref);

}  // namespace aimc::chip
