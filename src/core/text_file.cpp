#include "core/text_file.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "core/error.h"

namespace aimc {

namespace fs = std::filesystem;

void write_file_atomic(const std::string& path, std::string_view bytes) {
  if (path == "-") {
    std::cout.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    std::cout.flush();
    return;
  }
  const ErrorContext at{.file = path};
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw Error("is a folder; expected a file name", at);
  static std::atomic<int> serial{0};
  const fs::path target(path);
  const fs::path tmp = target.parent_path() / fmt::format(".{}.tmp-{}-{}", target.filename().string(), ::getpid(), serial++);
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw Error(fmt::format("cannot open for writing: {}", std::strerror(errno)), at);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    f.flush();
    if (!f) {
      const std::string why = std::strerror(errno);
      f.close();
      fs::remove(tmp, ec);
      throw Error("write failed: " + why + " (the old file, if any, is unchanged)", at);
    }
  }
  if (std::rename(tmp.c_str(), target.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    fs::remove(tmp, ec);
    throw Error("cannot replace: " + why + " (the old file, if any, is unchanged)", at);
  }
}

void write_text_file(const std::string& path, const std::string& text) { write_file_atomic(path, text); }

bool same_path(const std::string& a, const std::string& b) {
  std::error_code ec;
  if (fs::exists(a, ec) && fs::exists(b, ec)) {
    const bool eq = fs::equivalent(a, b, ec);
    if (!ec) return eq;
  }
  return fs::weakly_canonical(fs::absolute(a, ec), ec) == fs::weakly_canonical(fs::absolute(b, ec), ec);
}

void check_outputs(const std::vector<OutputPath>& outputs, const std::vector<std::string>& inputs, bool force) {
  for (size_t i = 0; i < outputs.size(); ++i) {
    const OutputPath& o = outputs[i];
    if (o.path.empty() || o.path == "-") continue;
    const ErrorContext at{.field = o.option};
    for (const std::string& in : inputs) {
      if (!in.empty() && same_path(o.path, in)) {
        throw Error(fmt::format("{} is also an input of this command; expected another file (nothing was written)", o.path), at);
      }
    }
    for (size_t k = 0; k < i; ++k) {
      if (!outputs[k].path.empty() && outputs[k].path != "-" && same_path(o.path, outputs[k].path)) {
        throw Error(fmt::format("{} is also the output of {}; expected another file", o.path, outputs[k].option), at);
      }
    }
    std::error_code ec;
    if (fs::is_directory(o.path, ec)) throw Error(fmt::format("{} is a folder; expected a file name", o.path), at);
    if (!force && fs::exists(o.path, ec)) {
      throw Error(fmt::format("{} exists; pass `force` to replace it (nothing was written)", o.path), at);
    }
  }
}

}  // namespace aimc
