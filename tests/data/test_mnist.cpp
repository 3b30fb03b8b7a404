#include "data/dataset.h"
#include "data/readers.h"
#include "fixtures.h"

namespace aimc {
namespace {

using test::Bytes;
using test::TempDir;

constexpr uint32_t kImages = 0x803, kLabels = 0x801;

void write_mnist(const TempDir& dir, const Bytes& labels, bool gz = false, const std::string& prefix = "t10k") {
  const auto n = static_cast<uint32_t>(labels.size());
  Bytes images = test::idx_bytes(kImages, {n, 28, 28}, test::image_pixels(n));
  Bytes lab = test::idx_bytes(kLabels, {n}, labels);
  const std::string ext = gz ? ".gz" : "";
  auto write = gz ? test::write_gz : test::write_file;
  write(dir / (prefix + "-images-idx3-ubyte" + ext), images);
  write(dir / (prefix + "-labels-idx1-ubyte" + ext), lab);
}

void expect_mnist(const Dataset& d, const Bytes& labels) {
  const auto n = static_cast<int64_t>(labels.size());
  EXPECT_EQ(d.kind, "mnist");
  ASSERT_EQ(d.inputs.dtype(), DType::f32);
  ASSERT_EQ(d.inputs.shape(), (Shape{n, 1, 28, 28}));
  ASSERT_EQ(d.labels.dtype(), DType::i64);
  ASSERT_EQ(d.labels.shape(), (Shape{n}));
  const float* x = d.inputs.data<float>();
  for (int64_t i = 0; i < n; ++i) {
    EXPECT_EQ(d.labels.data<int64_t>()[i], labels[static_cast<size_t>(i)]);
    for (int64_t k = 0; k < 784; k += 97) {
      EXPECT_FLOAT_EQ(x[i * 784 + k], static_cast<float>((7 * i + k) % 256) / 255.0f) << i << " " << k;
    }
  }
}

TEST(Mnist, ReadsRawFiles) {
  TempDir dir;
  write_mnist(dir, {7, 2, 1});
  Dataset d = load_dataset("mnist:" + dir.str());
  expect_mnist(d, {7, 2, 1});
  EXPECT_EQ(d.path, dir.str());
  EXPECT_TRUE(d.has_labels());
  EXPECT_EQ(d.size(), 3);
  // Pixel scaling: 255 -> exactly 1, 0 -> 0.
  EXPECT_FLOAT_EQ(d.inputs.data<float>()[255], 1.0f);
  EXPECT_FLOAT_EQ(d.inputs.data<float>()[0], 0.0f);
}

TEST(Mnist, ReadsGzipFiles) {
  TempDir dir;
  write_mnist(dir, {3, 1, 4, 1, 5}, /*gz=*/true);
  expect_mnist(load_dataset("mnist:" + dir.str()), {3, 1, 4, 1, 5});
}

TEST(Mnist, PrefersRawFileOverGzip) {
  TempDir dir;
  write_mnist(dir, {4, 5, 6}, /*gz=*/true);
  write_mnist(dir, {1, 2, 3}, /*gz=*/false);
  expect_mnist(load_dataset("mnist:" + dir.str()), {1, 2, 3});
}

TEST(Mnist, MixesRawAndGzip) {
  TempDir dir;
  test::write_gz(dir / "t10k-images-idx3-ubyte.gz", test::idx_bytes(kImages, {2, 28, 28}, test::image_pixels(2)));
  test::write_file(dir / "t10k-labels-idx1-ubyte", test::idx_bytes(kLabels, {2}, {9, 8}));
  expect_mnist(load_dataset("mnist:" + dir.str()), {9, 8});
}

TEST(Mnist, LimitKeepsTheFirstSamples) {
  TempDir dir;
  write_mnist(dir, {0, 1, 2, 3});
  expect_mnist(load_dataset("mnist:" + dir.str(), 2), {0, 1});
  expect_mnist(load_dataset("mnist:" + dir.str(), 10), {0, 1, 2, 3});
  EXPECT_EQ(load_dataset("mnist:" + dir.str(), 0).size(), 0);
}

TEST(Mnist, TrainSplitReadsTrainFiles) {
  TempDir dir;
  write_mnist(dir, {1}, false, "t10k");
  write_mnist(dir, {5, 6}, true, "train");
  expect_mnist(load_dataset("mnist:" + dir.str() + ",split=train"), {5, 6});
  expect_mnist(load_dataset("mnist:" + dir.str() + ",split=test"), {1});
}

TEST(Mnist, OtherImageSizesKeepTheirShape) {
  TempDir dir;
  test::write_file(dir / "t10k-images-idx3-ubyte", test::idx_bytes(kImages, {2, 3, 4}, test::image_pixels(2, 3, 4)));
  test::write_file(dir / "t10k-labels-idx1-ubyte", test::idx_bytes(kLabels, {2}, {0, 9}));
  Dataset d = load_mnist(dir.str(), "test", -1);
  EXPECT_EQ(d.inputs.shape(), (Shape{2, 1, 3, 4}));
  EXPECT_FLOAT_EQ(d.inputs.data<float>()[12], 7.0f / 255.0f);
}

TEST(Mnist, MissingDirectory) {
  TempDir dir;
  const std::string missing = dir / "nope";
  EXPECT_DATA_ERROR(load_dataset("mnist:" + missing), missing, "no such directory");
  test::write_file(dir / "plain", {1});
  EXPECT_DATA_ERROR(load_dataset("mnist:" + (dir / "plain")), dir / "plain", "not a directory");
}

TEST(Mnist, MissingFiles) {
  TempDir dir;
  EXPECT_DATA_ERROR(load_dataset("mnist:" + dir.str()), dir / "t10k-images-idx3-ubyte",
                    "no such file (nor t10k-images-idx3-ubyte.gz)");
  test::write_file(dir / "t10k-images-idx3-ubyte", test::idx_bytes(kImages, {1, 28, 28}, test::image_pixels(1)));
  EXPECT_DATA_ERROR(load_dataset("mnist:" + dir.str()), dir / "t10k-labels-idx1-ubyte", "no such file");
}

TEST(Mnist, WrongMagic) {
  TempDir dir;
  write_mnist(dir, {1, 2});
  // A labels file where the images should be.
  test::write_file(dir / "t10k-images-idx3-ubyte", test::idx_bytes(kLabels, {2}, {1, 2}));
  EXPECT_DATA_ERROR(load_dataset("mnist:" + dir.str()), dir / "t10k-images-idx3-ubyte",
                    "bad magic 0x00000801: expected 0x00000803 (idx3-ubyte images)");
  write_mnist(dir, {1, 2});
  test::write_file(dir / "t10k-labels-idx1-ubyte", test::idx_bytes(0x08030000, {2}, {1, 2}));
  EXPECT_DATA_ERROR(load_dataset("mnist:" + dir.str()), dir / "t10k-labels-idx1-ubyte",
                    "bad magic 0x08030000: expected 0x00000801 (idx1-ubyte labels)");
}

TEST(Mnist, TruncatedImages) {
  TempDir dir;
  write_mnist(dir, {1, 2, 3});
  Bytes short_images = test::idx_bytes(kImages, {3, 28, 28}, test::image_pixels(2));
  test::write_file(dir / "t10k-images-idx3-ubyte", short_images);
  EXPECT_DATA_ERROR(load_dataset("mnist:" + dir.str()), dir / "t10k-images-idx3-ubyte",
                    "truncated: header says 3 images of 28x28 (2368 bytes), file has 1584 bytes");
  std::filesystem::remove(dir / "t10k-images-idx3-ubyte");
  test::write_gz(dir / "t10k-images-idx3-ubyte.gz", short_images);
  EXPECT_DATA_ERROR(load_dataset("mnist:" + dir.str()), dir / "t10k-images-idx3-ubyte.gz",
                    "truncated: header says 3 images of 28x28 (2368 bytes), file has 1584 bytes uncompressed");
}

TEST(Mnist, TruncatedLabels) {
  TempDir dir;
  write_mnist(dir, {1, 2, 3});
  test::write_file(dir / "t10k-labels-idx1-ubyte", test::idx_bytes(kLabels, {3}, {1, 2}));
  EXPECT_DATA_ERROR(load_dataset("mnist:" + dir.str()), dir / "t10k-labels-idx1-ubyte",
                    "truncated: header says 3 labels (11 bytes), file has 10 bytes");
}

TEST(Mnist, TrailingData) {
  TempDir dir;
  write_mnist(dir, {1, 2, 3});
  test::write_file(dir / "t10k-labels-idx1-ubyte", test::idx_bytes(kLabels, {3}, {1, 2, 3, 4}));
  EXPECT_DATA_ERROR(load_dataset("mnist:" + dir.str()), dir / "t10k-labels-idx1-ubyte",
                    "size mismatch: header says 3 labels (11 bytes), file is longer");
}

TEST(Mnist, ShortHeader) {
  TempDir dir;
  write_mnist(dir, {1});
  const std::string images = dir / "t10k-images-idx3-ubyte";
  const Bytes full = test::idx_bytes(kImages, {1, 28, 28}, test::image_pixels(1));
  test::write_file(images, Bytes(full.begin(), full.begin() + 6));
  EXPECT_DATA_ERROR(load_dataset("mnist:" + dir.str()), images, "truncated: an idx3-ubyte header needs 16 bytes, file has 6");
  // Every prefix of a valid file is an error, never a crash.
  for (size_t n = 0; n < full.size(); n += (n < 40 ? 1 : 97)) {
    test::write_file(images, Bytes(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n)));
    EXPECT_DATA_ERROR(load_dataset("mnist:" + dir.str()), images, "truncated");
  }
}

TEST(Mnist, CountMismatch) {
  TempDir dir;
  write_mnist(dir, {1, 2, 3});
  test::write_file(dir / "t10k-labels-idx1-ubyte", test::idx_bytes(kLabels, {2}, {1, 2}));
  EXPECT_DATA_ERROR(load_dataset("mnist:" + dir.str()), dir / "t10k-labels-idx1-ubyte",
                    "2 labels, but " + (dir / "t10k-images-idx3-ubyte") + " has 3 images");
}

TEST(Mnist, HugeHeaderIsAnErrorNotAnAllocation) {
  TempDir dir;
  write_mnist(dir, {1});
  const std::string images = dir / "t10k-images-idx3-ubyte";
  test::write_file(images, test::idx_bytes(kImages, {0xffffffffu, 0xffffffffu, 0xffffffffu}, {1, 2, 3}));
  EXPECT_DATA_ERROR(load_dataset("mnist:" + dir.str()), images, "too large");
  // 2^30 images of 1024x1024 (2^50 bytes) does not overflow: only what the file holds is read.
  test::write_file(images, test::idx_bytes(kImages, {1u << 30, 1024, 1024}, {1, 2, 3}));
  EXPECT_DATA_ERROR(load_dataset("mnist:" + dir.str()), images, "truncated: header says 1073741824 images of 1024x1024");
  test::write_file(images, test::idx_bytes(kImages, {1, 0, 28}, {}));
  EXPECT_DATA_ERROR(load_dataset("mnist:" + dir.str()), images, "expected a positive size");
}

TEST(Mnist, LabelOutOfRange) {
  TempDir dir;
  write_mnist(dir, {1, 10});
  EXPECT_DATA_ERROR(load_dataset("mnist:" + dir.str()), dir / "t10k-labels-idx1-ubyte",
                    "label 10 at index 1 is not a digit 0..9");
}

TEST(Mnist, CorruptGzip) {
  TempDir dir;
  write_mnist(dir, {1, 2, 3}, /*gz=*/true);
  const std::string images = dir / "t10k-images-idx3-ubyte.gz";
  Bytes gz = test::read_bytes(images);
  test::write_file(images, Bytes(gz.begin(), gz.begin() + static_cast<std::ptrdiff_t>(gz.size() / 2)));
  EXPECT_DATA_ERROR(load_dataset("mnist:" + dir.str()), images, "corrupt or truncated gzip data");
}

TEST(Mnist, ReadIdxGivesTheRawBytes) {
  TempDir dir;
  test::write_gz(dir / "l.gz", test::idx_bytes(kLabels, {4}, {9, 0, 255, 3}));
  Tensor t = read_idx(dir / "l.gz", 1);
  EXPECT_EQ(t.dtype(), DType::u8);
  EXPECT_EQ(t.to_int64_vector(), (std::vector<int64_t>{9, 0, 255, 3}));
}

TEST(Mnist, CommittedSubset) {
  const std::string dir = AIMC_SOURCE_DIR "/data/mnist-test-1k";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << dir << " not present";
  Dataset d = load_dataset("mnist:" + dir);
  EXPECT_EQ(d.size(), 1000);
  std::vector<int64_t> first(d.labels.data<int64_t>(), d.labels.data<int64_t>() + 10);
  EXPECT_EQ(first, (std::vector<int64_t>{7, 2, 1, 0, 4, 1, 4, 9, 5, 9}));
}

}  // namespace
}  // namespace aimc
