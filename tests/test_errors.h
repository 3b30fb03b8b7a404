// Shared by the unit tests: the one-line message an aimc::Error carries.
#pragma once

#include <functional>
#include <string>

#include "core/error.h"

namespace aimc::test {

// The message of the aimc::Error that `f` throws ("(no error)" when it throws none).
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace aimc::test
