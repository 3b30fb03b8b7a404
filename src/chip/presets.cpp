#include "chip/presets.h"

#include <algorithm>
#include <map>
#include <system_error>

namespace aimc::chip {

namespace fs = std::filesystem;

PresetLibrary::PresetLibrary(std::vector<fs::path> dirs) : m_dirs(std::move(dirs)) {}

std::optional<fs::path> PresetLibrary::find(std::string_view name) const {
  if (name.empty() || looks_like_path(name)) return std::nullopt;
  for (const fs::path& dir : m_dirs) {
    fs::path candidate = dir / (std::string(name) + ".yaml");
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec)) return candidate;
  }
  return std::nullopt;
}

std::vector<PresetEntry> PresetLibrary::list() const {
  std::map<std::string, fs::path> found;
  for (const fs::path& dir : m_dirs) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().extension() == ".yaml" && it->is_regular_file(ec)) found.emplace(it->path().stem().string(), it->path());
    }
  }
  std::vector<PresetEntry> entries;
  for (auto& [name, path] : found) entries.push_back(PresetEntry{name, path});
  return entries;
}

std::vector<std::string> PresetLibrary::names() const {
  std::vector<std::string> n;
  for (const PresetEntry& e : list()) n.push_back(e.name);
  return n;
}

bool looks_like_path(std::string_view ref) {
  const auto ends_with = [&](std::string_view suffix) {
    return ref.size() >= suffix.size() && ref.substr(ref.size() - suffix.size()) == suffix;
  };
  return ref.find('/') != std::string_view::npos || ends_with(".yaml") || ends_with(".yml");
}

}  // namespace aimc::chip
