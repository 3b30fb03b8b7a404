// Shared helpers of the chip tests: the repository's presets and test files.
#pragma once

#include <string>

#include "chip/loader.h"
#include "test_errors.h"
#include "test_presets.h"

namespace aimc::chip::test {

using ::aimc::test::error_of;
using ::aimc::test::preset;
using ::aimc::test::presets;
using ::aimc::test::source_path;

}  // namespace aimc::chip::test
