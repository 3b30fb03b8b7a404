#include "data/dataset.h"
#include "data/readers.h"
#include "fixtures.h"

namespace aimc {
namespace {

using test::Bytes;
using test::TempDir;

void expect_cifar(const Dataset& d, const std::vector<uint8_t>& labels) {
  const auto n = static_cast<int64_t>(labels.size());
  EXPECT_EQ(d.kind, "cifar10");
  ASSERT_EQ(d.inputs.dtype(), DType::f32);
  ASSERT_EQ(d.inputs.shape(), (Shape{n, 3, 32, 32}));
  ASSERT_EQ(d.labels.dtype(), DType::i64);
  ASSERT_EQ(d.labels.shape(), (Shape{n}));
  const float* x = d.inputs.data<float>();
  for (int64_t i = 0; i < n; ++i) {
    EXPECT_EQ(d.labels.data<int64_t>()[i], labels[static_cast<size_t>(i)]);
    // Record byte 1 + c*1024 + h*32 + w is channel c, row h, column w.
    for (int64_t c = 0; c < 3; ++c) {
      for (int64_t h = 0; h < 32; h += 5) {
        for (int64_t w = 0; w < 32; w += 3) {
          int64_t j = c * 1024 + h * 32 + w;
          EXPECT_FLOAT_EQ(x[((i * 3 + c) * 32 + h) * 32 + w], static_cast<float>((3 * i + j) % 256) / 255.0f);
        }
      }
    }
  }
}

TEST(Cifar10, ReadsTestBatchFromDirectory) {
  TempDir dir;
  test::write_file(dir / "test_batch.bin", test::cifar_records({3, 8, 0}));
  Dataset d = load_dataset("cifar10:" + dir.str());
  expect_cifar(d, {3, 8, 0});
  EXPECT_EQ(d.path, dir / "test_batch.bin");
}

TEST(Cifar10, ReadsFilesAndGzip) {
  TempDir dir;
  test::write_file(dir / "data_batch_1.bin", test::cifar_records({1, 2}));
  expect_cifar(load_dataset("cifar10:" + (dir / "data_batch_1.bin")), {1, 2});
  test::write_gz(dir / "data_batch_2.bin.gz", test::cifar_records({9, 9, 4}));
  expect_cifar(load_dataset("cifar10:" + (dir / "data_batch_2.bin.gz")), {9, 9, 4});
  // Naming the .bin of a .bin.gz finds the .gz; a directory finds test_batch.bin.gz.
  expect_cifar(load_dataset("cifar10:" + (dir / "data_batch_2.bin")), {9, 9, 4});
  test::write_gz(dir / "test_batch.bin.gz", test::cifar_records({5}));
  expect_cifar(load_dataset("cifar10:" + dir.str()), {5});
}

TEST(Cifar10, Limit) {
  TempDir dir;
  test::write_file(dir / "test_batch.bin", test::cifar_records({0, 1, 2, 3, 4}));
  expect_cifar(load_dataset("cifar10:" + dir.str(), 2), {0, 1});
  expect_cifar(load_dataset("cifar10:" + dir.str(), 99), {0, 1, 2, 3, 4});
}

TEST(Cifar10, SizeNotAMultipleOfTheRecord) {
  TempDir dir;
  Bytes b = test::cifar_records({1, 2});
  b.resize(b.size() + 5);
  test::write_file(dir / "test_batch.bin", b);
  EXPECT_DATA_ERROR(load_dataset("cifar10:" + dir.str()), dir / "test_batch.bin",
                    "size 6151 bytes is not a multiple of the 3073-byte CIFAR-10 record");
  b.resize(3000);
  test::write_gz(dir / "short.bin.gz", b);
  EXPECT_DATA_ERROR(load_dataset("cifar10:" + (dir / "short.bin.gz")), dir / "short.bin.gz",
                    "size 3000 bytes uncompressed is not a multiple");
}

TEST(Cifar10, EmptyFile) {
  TempDir dir;
  test::write_file(dir / "test_batch.bin", {});
  EXPECT_DATA_ERROR(load_dataset("cifar10:" + dir.str()), dir / "test_batch.bin", "empty file");
}

TEST(Cifar10, LabelOutOfRange) {
  TempDir dir;
  test::write_file(dir / "test_batch.bin", test::cifar_records({1, 10}));
  EXPECT_DATA_ERROR(load_dataset("cifar10:" + dir.str()), dir / "test_batch.bin", "record 1: label 10 is not a class 0..9");
}

TEST(Cifar10, MissingPaths) {
  TempDir dir;
  EXPECT_DATA_ERROR(load_dataset("cifar10:" + (dir / "nope")), dir / "nope", "no such file or directory");
  EXPECT_DATA_ERROR(load_dataset("cifar10:" + dir.str()), dir / "test_batch.bin", "no such file (nor test_batch.bin.gz)");
}

TEST(Cifar10, CommittedSubset) {
  const std::string dir = AIMC_SOURCE_DIR "/data/cifar10-test-500";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << dir << " not present";
  Dataset d = load_cifar10(dir, -1);
  EXPECT_EQ(d.size(), 500);
  // The CIFAR-10 test set starts cat, ship, ship, airplane, frog.
  std::vector<int64_t> first(d.labels.data<int64_t>(), d.labels.data<int64_t>() + 5);
  EXPECT_EQ(first, (std::vector<int64_t>{3, 8, 8, 0, 6}));
}

}  // namespace
}  // namespace aimc
