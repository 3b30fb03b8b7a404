// Shared helpers of the chip tests: the repository's presets and test files.
#pragma once

#include <string>

#include "chip/loader.h"
#include "test_presets.h"

namespace aimc::chip::test {

using ::aimc::test::preset;
using ::aimc::test::presets;
using ::aimc::test::source_path;

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
