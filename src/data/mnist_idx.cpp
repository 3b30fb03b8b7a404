// MNIST in the idx format: a big-endian header (magic 0x00000800 + rank, then one uint32 per
// dimension) followed by the unsigned bytes in C order.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <limits>
#include <system_error>
#include <vector>

#include "data/gzip.h"
#include "data/readers.h"

namespace aimc {

namespace {

struct Idx {
  std::vector<uint64_t> dims;
  std::vector<uint8_t> bytes;  // header and data
  size_t data_offset = 0;
  const uint8_t* data() const { return bytes.data() + data_offset; }
};

uint32_t big_endian_u32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// "10000 images of 28x28", "10000 labels", or "dims [2, 3, 4]".
std::string describe(const std::vector<uint64_t>& dims) {
  if (dims.size() == 3) return fmt::format("{} images of {}x{}", dims[0], dims[1], dims[2]);
  if (dims.size() == 1) return fmt::format("{} labels", dims[0]);
  return fmt::format("dims [{}]", fmt::join(dims, ", "));
}

const char* what_of(int rank) { return rank == 3 ? "images" : rank == 1 ? "labels" : "array"; }

Idx read_idx_file(const std::string& path, int rank) {
  AIMC_ASSERT(rank >= 1 && rank <= 255, "read_idx: bad rank");
  const ErrorContext at{.file = path};
  GzReader in(path);
  const char* unpacked = in.compressed() ? " uncompressed" : "";
  Idx idx;
  const size_t header = 4 + 4 * static_cast<size_t>(rank);
  in.read(idx.bytes, header);
  if (idx.bytes.size() >= 4) {
    uint32_t magic = big_endian_u32(idx.bytes.data());
    uint32_t want = 0x00000800u | static_cast<uint32_t>(rank);
    if (magic != want) {
      throw Error(fmt::format("bad magic 0x{:08x}: expected 0x{:08x} (idx{}-ubyte {})", magic, want, rank, what_of(rank)), at);
    }
  }
  if (idx.bytes.size() < header) {
    throw Error(
        fmt::format("truncated: an idx{}-ubyte header needs {} bytes, file has {}{}", rank, header, idx.bytes.size(), unpacked),
        at);
  }
  uint64_t total = header;
  bool overflow = false;
  uint64_t items = 1;
  for (int i = 0; i < rank; ++i) {
    uint64_t d = big_endian_u32(idx.bytes.data() + 4 + 4 * i);
    idx.dims.push_back(d);
    overflow |= !checked_mul(items, d, items);
  }
  overflow |= !checked_add(items, header, total) || total > uint64_t{std::numeric_limits<int64_t>::max()};
  if (overflow) throw Error(fmt::format("header says {}: too large to be real", describe(idx.dims)), at);
  // Read one byte more than the header promises, to notice trailing data without reading it all.
  in.read(idx.bytes, static_cast<size_t>(total - header + 1));
  if (idx.bytes.size() < total) {
    throw Error(fmt::format("truncated: header says {} ({} bytes), file has {} bytes{}", describe(idx.dims), total,
                            idx.bytes.size(), unpacked),
                at);
  }
  if (idx.bytes.size() > total) {
    throw Error(fmt::format("size mismatch: header says {} ({} bytes), file is longer", describe(idx.dims), total), at);
  }
  idx.data_offset = header;
  return idx;
}

int64_t kept(uint64_t n, int64_t limit) {
  return limit >= 0 ? std::min(static_cast<int64_t>(n), limit) : static_cast<int64_t>(n);
}

}  // namespace

Tensor read_idx(const std::string& path, int rank) {
  Idx idx = read_idx_file(path, rank);
  Shape shape(idx.dims.begin(), idx.dims.end());
  Tensor t(DType::u8, shape);
  if (t.numel() > 0) std::memcpy(t.raw(), idx.data(), t.nbytes());
  return t;
}

Dataset load_mnist(const std::string& dir, const std::string& split, int64_t limit) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const char* expect = "mnist:DIR expects a directory holding t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz]";
  if (!fs::exists(dir, ec)) throw Error(fmt::format("no such directory ({})", expect), ErrorContext{.file = dir});
  if (!fs::is_directory(dir, ec)) throw Error(fmt::format("not a directory ({})", expect), ErrorContext{.file = dir});
  if (split != "test" && split != "train") {
    throw Error(fmt::format("split={}: expected split=test or split=train", split), ErrorContext{.field = "data"});
  }
  const std::string prefix = split == "test" ? "t10k" : "train";
  const std::string images_path = plain_or_gz((fs::path(dir) / (prefix + "-images-idx3-ubyte")).string());
  const std::string labels_path = plain_or_gz((fs::path(dir) / (prefix + "-labels-idx1-ubyte")).string());

  Idx images = read_idx_file(images_path, 3);
  const uint64_t n = images.dims[0], rows = images.dims[1], cols = images.dims[2];
  if (rows == 0 || cols == 0) {
    throw Error(fmt::format("header says images of {}x{}: expected a positive size", rows, cols),
                ErrorContext{.file = images_path});
  }
  Idx labels = read_idx_file(labels_path, 1);
  if (labels.dims[0] != n) {
    throw Error(fmt::format("{} labels, but {} has {} images", labels.dims[0], images_path, n),
                ErrorContext{.file = labels_path});
  }
  for (uint64_t i = 0; i < n; ++i) {
    if (labels.data()[i] > 9) {
      throw Error(fmt::format("label {} at index {} is not a digit 0..9", labels.data()[i], i),
                  ErrorContext{.file = labels_path});
    }
  }

  const int64_t count = kept(n, limit);
  const int64_t h = static_cast<int64_t>(rows), w = static_cast<int64_t>(cols);
  Dataset d{.kind = "mnist", .path = dir, .inputs = Tensor(DType::f32, {count, 1, h, w}), .labels = Tensor(DType::i64, {count})};
  std::array<float, 256> scale{};
  for (int v = 0; v < 256; ++v) scale[static_cast<size_t>(v)] = static_cast<float>(v) / 255.0f;
  float* x = d.inputs.data<float>();
  const uint8_t* px = images.data();
  for (int64_t i = 0, e = d.inputs.numel(); i < e; ++i) x[i] = scale[px[i]];
  int64_t* y = d.labels.data<int64_t>();
  for (int64_t i = 0; i < count; ++i) y[i] = labels.data()[i];
  return d;
}

}  // namespace aimc
