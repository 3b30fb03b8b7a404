// Checks against the real datasets in ../shared/data, skipped when they are absent.
#include <chrono>
#include <cstdio>
#include <numeric>

#include "data/dataset.h"
#include "data/tokens.h"
#include "fixtures.h"

namespace aimc {
namespace {

const std::string kShared = AIMC_SOURCE_DIR "/../shared/data";

#define REQUIRE_SHARED(path) \
  if (!std::filesystem::exists(path)) GTEST_SKIP() << (path) << " not present"

template <class F>
auto timed(const char* what, F&& f) {
  auto start = std::chrono::steady_clock::now();
  auto result = f();
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::printf("[   TIME   ] %s: %.1f ms\n", what, ms);
  ::testing::Test::RecordProperty(what, std::to_string(ms));
  return result;
}

std::vector<int64_t> label_counts(const Dataset& d, int classes) {
  std::vector<int64_t> counts(static_cast<size_t>(classes));
  for (int64_t y : d.labels.to_int64_vector()) ++counts.at(static_cast<size_t>(y));
  return counts;
}

TEST(RealData, MnistTestSet) {
  REQUIRE_SHARED(kShared + "/mnist");
  Dataset d = timed("mnist_test_ms", [] { return load_dataset("mnist:" + kShared + "/mnist"); });
  ASSERT_EQ(d.inputs.shape(), (Shape{10000, 1, 28, 28}));
  std::vector<int64_t> y = d.labels.to_int64_vector();
  EXPECT_EQ(std::vector<int64_t>(y.begin(), y.begin() + 10), (std::vector<int64_t>{7, 2, 1, 0, 4, 1, 4, 9, 5, 9}));
  EXPECT_EQ(label_counts(d, 10), (std::vector<int64_t>{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}));
  const float* x = d.inputs.data<float>();
  double mean = std::accumulate(x, x + d.inputs.numel(), 0.0) / static_cast<double>(d.inputs.numel());
  EXPECT_NEAR(mean, 0.1325, 5e-4);
}

TEST(RealData, MnistTrainSet) {
  REQUIRE_SHARED(kShared + "/mnist/train-images-idx3-ubyte.gz");
  Dataset d = timed("mnist_train_ms", [] { return load_dataset("mnist:" + kShared + "/mnist,split=train"); });
  EXPECT_EQ(d.inputs.shape(), (Shape{60000, 1, 28, 28}));
  EXPECT_EQ(label_counts(d, 10)[1], 6742);
}

TEST(RealData, Cifar10TestBatch) {
  REQUIRE_SHARED(kShared + "/cifar10/test_batch.bin");
  Dataset d = timed("cifar10_test_ms", [] { return load_dataset("cifar10:" + kShared + "/cifar10"); });
  ASSERT_EQ(d.inputs.shape(), (Shape{10000, 3, 32, 32}));
  EXPECT_EQ(label_counts(d, 10), std::vector<int64_t>(10, 1000));
  std::vector<int64_t> y = d.labels.to_int64_vector();
  EXPECT_EQ(std::vector<int64_t>(y.begin(), y.begin() + 5), (std::vector<int64_t>{3, 8, 8, 0, 6}));
}

TEST(RealData, Cifar10TrainBatchGz) {
  REQUIRE_SHARED(kShared + "/cifar10/train/data_batch_1.bin.gz");
  Dataset d = load_dataset("cifar10:" + kShared + "/cifar10/train/data_batch_1.bin.gz", 100);
  EXPECT_EQ(d.size(), 100);
}

TEST(RealData, PtbWordLevel) {
  REQUIRE_SHARED(kShared + "/ptb/ptb.test.txt");
  const TokenOptions opts{.text = kShared + "/ptb/ptb.test.txt"};
  Vocabulary vocab = timed("ptb_vocab_ms", [&] { return load_vocabulary(opts); });
  EXPECT_EQ(vocab.size(), 10000);
  EXPECT_TRUE(vocab.find("<unk>").has_value());
  const std::vector<uint8_t> text = test::read_bytes(opts.text);
  std::vector<int64_t> ids = encode_tokens(std::string_view(reinterpret_cast<const char*>(text.data()), text.size()), vocab,
                                           TokenLevel::word, opts.text);
  EXPECT_EQ(ids.size(), 82430u);
  Dataset d = timed("ptb_test_ms", [] { return load_dataset("tokens:" + kShared + "/ptb/ptb.test.txt"); });
  EXPECT_EQ(d.inputs.shape(), (Shape{(82430 - 1) / 35, 35}));
  EXPECT_EQ(d.inputs.data<int64_t>()[35], d.labels.data<int64_t>()[34]);
  Dataset v = load_dataset("tokens:" + kShared + "/ptb/ptb.valid.txt,seq=1");
  EXPECT_EQ(v.size(), 73760 - 1);
}

TEST(RealData, PtbCharacterLevel) {
  REQUIRE_SHARED(kShared + "/ptb/ptb.test.txt");
  Vocabulary vocab = load_vocabulary(TokenOptions{.text = kShared + "/ptb/ptb.test.txt", .level = TokenLevel::character});
  // 48 distinct characters in the words, '_' and <eos>.
  EXPECT_EQ(vocab.size(), 50);
  EXPECT_EQ(vocab.token(vocab.size() - 1), "<eos>");
  Dataset d = load_dataset("tokens:" + kShared + "/ptb/ptb.test.txt,level=char,seq=100");
  EXPECT_EQ(d.size(), (442423 - 1) / 100);
}

}  // namespace
}  // namespace aimc
