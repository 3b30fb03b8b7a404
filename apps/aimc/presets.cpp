#include "presets.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace aimc::cli {

chip::PresetLibrary preset_library() {
  std::vector<std::filesystem::path> dirs;
  if (const char* env = std::getenv("AIMC_PRESETS"); env != nullptr && *env != '\0') {
    std::string list = env;
    for (std::size_t start = 0; start <= list.size();) {
      const std::size_t end = std::min(list.find(':', start), list.size());
      if (end > start) dirs.emplace_back(list.substr(start, end - start));
      start = end + 1;
    }
  }
  dirs.emplace_back(AIMC_PRESET_DIR);
  dirs.emplace_back(AIMC_INSTALL_PRESET_DIR);
  return chip::PresetLibrary(std::move(dirs));
}

}  // namespace aimc::cli
