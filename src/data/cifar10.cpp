// CIFAR-10 binary batches: records of one label byte (0..9) and 3072 pixel bytes, the R, G and B
// 32x32 planes in turn (so a record is already CHW).
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <system_error>

#include "data/gzip.h"
#include "data/readers.h"

namespace aimc {

namespace {
constexpr int64_t kPixels = 3 * 32 * 32;
constexpr int64_t kRecord = 1 + kPixels;

// DIR -> DIR/test_batch.bin[.gz]; FILE -> FILE (or FILE.gz).
std::string resolve(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) return plain_or_gz((fs::path(path) / "test_batch.bin").string());
  if (fs::exists(path, ec) || fs::exists(path + ".gz", ec)) return plain_or_gz(path);
  throw Error("no such file or directory (cifar10: expects a directory holding test_batch.bin[.gz] or a .bin[.gz] file)",
              ErrorContext{.file = path});
}
}  // namespace

Dataset load_cifar10(const std::string& path, int64_t limit) {
  const std::string file = resolve(path);
  const ErrorContext at{.file = file};
  GzReader in(file);
  std::vector<uint8_t> bytes = in.read_all();
  const int64_t size = static_cast<int64_t>(bytes.size());
  const char* unpacked = in.compressed() ? " uncompressed" : "";
  if (size == 0) throw Error("empty file: expected 3073-byte CIFAR-10 records", at);
  if (size % kRecord != 0) {
    throw Error(fmt::format("size {} bytes{} is not a multiple of the 3073-byte CIFAR-10 record "
                            "(1 label byte + 3x32x32 pixels)",
                            size, unpacked),
                at);
  }
  const int64_t n = size / kRecord;
  for (int64_t i = 0; i < n; ++i) {
    uint8_t label = bytes[static_cast<size_t>(i * kRecord)];
    if (label > 9) {
      throw Error(fmt::format("record {}: label {} is not a class 0..9 (CIFAR-100 or not CIFAR?)", i, label), at);
    }
  }
  const int64_t count = limit >= 0 ? std::min(n, limit) : n;
  Dataset d{
      .kind = "cifar10", .path = file, .inputs = Tensor(DType::f32, {count, 3, 32, 32}), .labels = Tensor(DType::i64, {count})};
  std::array<float, 256> scale{};
  for (int v = 0; v < 256; ++v) scale[static_cast<size_t>(v)] = static_cast<float>(v) / 255.0f;
  float* x = d.inputs.data<float>();
  int64_t* y = d.labels.data<int64_t>();
  for (int64_t i = 0; i < count; ++i) {
    const uint8_t* rec = bytes.data() + i * kRecord;
    y[i] = rec[0];
    float* out = x + i * kPixels;
    for (int64_t j = 0; j < kPixels; ++j) out[j] = scale[rec[1 + j]];
  }
  return d;
}

}  // namespace aimc
