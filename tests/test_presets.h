// The repository's files as every module's tests reach them: source paths and the preset chips.
#pragma once

#include <string>

#include "chip/loader.h"

namespace aimc::test {

inline std::string source_path(const std::string& relative) { return std::string(AIMC_SOURCE_DIR) + "/" + relative; }

inline const chip::PresetLibrary& presets() {
  static const chip::PresetLibrary library({source_path("presets")});
  return library;
}

inline chip::ChipSpec preset(const std::string& name) { return chip::load_chip(name, presets()); }

}  // namespace aimc::test
