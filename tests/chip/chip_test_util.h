// Shared helpers of the chip tests: the repository's presets and test files.
#pragma once

#include <string>

#include "chip/loader.h"

namespace aimc::chip::test {

inline std::string source_path(const std::string& relative) { return std::string(AIMC_SOURCE_DIR) + "/" + relative; }

inline const PresetLibrary& presets() {
  static const PresetLibrary library({source_path("presets")});
  return library;
}

inline ChipSpec preset(const std::string& name) { return load_chip(name, presets()); }

// The message of the aimc::Error that `f` throws ("" when it throws none).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace aimc::chip::test
