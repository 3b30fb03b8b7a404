// Shared by the fuzz targets: a loader may reject its input with aimc::Error (a user's mistake, exit 2
// in the CLI); anything else — another exception, a crash, a sanitizer report, a hang — is a finding.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <string>

#include "core/error.h"
#include "core/tensor.h"

namespace aimc::fuzz {

// Runs `f`; aimc::Error is the expected refusal, any other exception aborts (a finding).
template <class F>
void expect_clean(F&& f) {
  try {
    f();
  } catch (const aimc::Error&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "not an aimc::Error: %s\n", e.what());
    std::abort();
  }
}

// A file holding the input, for the readers that take paths (one per process, rewritten each run).
inline std::string write_input(const uint8_t* data, size_t size, const std::string& suffix) {
  const std::string path = "/tmp/aimc-fuzz-" + std::to_string(::getpid()) + suffix;
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

// Tensors above 1 GiB are refused (aimc::Error) rather than allocated: a fuzzer's process has a few GiB.
struct SmallTensors {
  SmallTensors() { aimc::set_tensor_byte_limit(size_t{1} << 30); }
};
inline const SmallTensors small_tensors;

}  // namespace aimc::fuzz
