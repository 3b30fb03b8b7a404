// Shared by the fuzz targets: a loader may reject its input with aimc::Error (a user's mistake, exit 2
// in the CLI); anything else — another exception, a crash, a sanitizer report, a hang — is a finding.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

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

// This process's scratch directory, for the readers that take paths; removed when the process exits
// (libFuzzer ends a campaign with exit(), so thousands of runs leave nothing behind in /tmp).
class ScratchDir {
 public:
  ScratchDir() : path_(std::filesystem::temp_directory_path() / ("aimc-fuzz-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline const std::filesystem::path& scratch_dir() {
  static const ScratchDir dir;
  return dir.path();
}

// A file of the scratch directory holding the input (rewritten each run).
inline std::string write_input(const uint8_t* data, size_t size, const std::string& name) {
  const std::string path = (scratch_dir() / name).string();
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
