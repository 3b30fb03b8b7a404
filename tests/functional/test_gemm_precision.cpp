// The tile GEMM's bf16 operands (FixedGemm, GemmPrecision::bf16): integer input codes up to 256 are held
// exactly and B is rounded to 8 significant bits, so every output lies within 2^-8 · Σ|a|·|b| of the
// fp32 GEMM's; the results are as deterministic as fp32's (threads, batch splits). int8: B on each
// column's 8-bit grid, integer sums: equal to an integer reference bit for bit.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "core/rng.h"
#include "core/threads.h"
#include "sim/functional/fixed_gemm.h"
#include "sim/functional/tile.h"
#include "tile_test_util.h"

namespace aimc::functional {
namespace {

constexpr int64_t kRows = 150, kK = 200, kN = 48;

std::vector<float> codes() {  // 8-bit signed input codes, as an encoder gives them
  std::vector<float> a(static_cast<size_t>(kRows * kK));
  Rng(11, 0, RngPurpose::test).fill_normal(0, a);
  for (float& v : a) v = std::nearbyint(std::fmax(-127.0f, std::fmin(127.0f, 40.0f * v))) + 0.0f;  // +0, as encoders give
  return a;
}

std::vector<float> conductances() {  // positive, about 0–25 µS, with all 24 bits of mantissa in use
  std::vector<float> b(static_cast<size_t>(kK * kN));
  Rng(12, 0, RngPurpose::test).fill_normal(0, b);
  for (float& v : b) v = std::fabs(8.0f * v) + 0.01f;
  return b;
}

std::vector<float> gemm(GemmPrecision p, int threads, int64_t split, uint64_t first = 5) {
  ThreadScope scope(threads);
  FixedGemm g;
  const std::vector<float> a = codes(), b = conductances();
  g.set_weights(b.data(), kK, kN, p);
  std::vector<float> y(static_cast<size_t>(kRows * kN));
  if (split == 0) {
    g.run(a.data(), kRows, first, y.data());
  } else {
    g.run(a.data(), split, first, y.data());
    g.run(a.data() + split * kK, kRows - split, first + static_cast<uint64_t>(split), y.data() + split * kN);
  }
  return y;
}

class Bf16Gemm : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!FixedGemm::available(GemmPrecision::bf16)) GTEST_SKIP() << "no bf16 matmul in oneDNN on this CPU";
  }
};

TEST_F(Bf16Gemm, Bf16StaysWithinItsRoundingBoundOfFp32) {
  const std::vector<float> a = codes(), b = conductances();
  const std::vector<float> exact = gemm(GemmPrecision::fp32, 1, 0), fast = gemm(GemmPrecision::bf16, 1, 0);
  int64_t differ = 0;
  for (int64_t i = 0; i < kRows; ++i) {
    for (int64_t j = 0; j < kN; ++j) {
      double mag = 0;
      for (int64_t k = 0; k < kK; ++k) mag += std::fabs(a[i * kK + k]) * std::fabs(b[k * kN + j]);
      const float d = std::fabs(fast[i * kN + j] - exact[i * kN + j]);
      ASSERT_LE(d, std::ldexp(mag, -8)) << "row " << i << " column " << j;
      differ += d > 0 ? 1 : 0;
    }
  }
  EXPECT_GT(differ, kRows * kN / 2);  // the weights were rounded: not the fp32 GEMM under another name
}

TEST_F(Bf16Gemm, Bf16IsDeterministicOverThreadsAndBatchSplits) {
  const std::vector<float> ref = gemm(GemmPrecision::bf16, 1, 0);
  for (const auto& [threads, split] : std::vector<std::pair<int, int64_t>>{{2, 0}, {2, 37}, {1, 64}, {2, 100}}) {
    const std::vector<float> y = gemm(GemmPrecision::bf16, threads, split);
    EXPECT_EQ(0, std::memcmp(ref.data(), y.data(), ref.size() * sizeof(float))) << threads << " threads, split " << split;
  }
}

TEST_F(Bf16Gemm, Bf16HoldsInputCodesExactly) {
  // B = the identity: each output is one input code times 1 (exact in bf16), so the GEMM returns A.
  FixedGemm g;
  const std::vector<float> a = codes();
  std::vector<float> eye(static_cast<size_t>(kK * kK), 0.0f);
  for (int64_t k = 0; k < kK; ++k) eye[static_cast<size_t>(k * kK + k)] = 1.0f;
  g.set_weights(eye.data(), kK, kK, GemmPrecision::bf16);
  std::vector<float> y(a.size());
  g.run(a.data(), kRows, 0, y.data());
  EXPECT_EQ(0, std::memcmp(a.data(), y.data(), a.size() * sizeof(float)));
  // A NaN input stays NaN (its bf16 rounding must not carry into the sign bit, giving −0): as in
  // fp32, every output it enters (NaN × 0 included) is NaN.
  std::vector<float> nan_row(static_cast<size_t>(kK), 1.0f);
  nan_row[7] = std::bit_cast<float>(0x7FFFFFFFu);
  std::vector<float> out(static_cast<size_t>(kK));
  g.run(nan_row.data(), 1, 0, out.data());
  for (float v : out) EXPECT_TRUE(std::isnan(v));
}

class Int8Gemm : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!FixedGemm::available(GemmPrecision::int8)) GTEST_SKIP() << "no int8 (VNNI) matmul in oneDNN on this CPU";
  }
};

// The int8 GEMM is exactly what tile_types.h says: each column of B on its grid of max|b_col| / 127
// (rounded to nearest even), integer sums, float(sum) × step per output. Signed codes
// (s8) and unsigned codes up to 255 (u8).
TEST_F(Int8Gemm, Int8EqualsTheIntegerReference) {
  for (const bool signed_rows : {true, false}) {
    std::vector<float> a = codes(), b = conductances();
    if (!signed_rows) {
      for (float& v : a) v = std::fabs(v) * 2.0f;  // 0..254
    }
    b[5 * kN + 3] = 0.0f;                                     // a zero weight
    for (int64_t i = 0; i < kK; ++i) b[i * kN + 7] = 0.0f;    // an all-zero column
    for (int64_t i = 0; i < kK; ++i) b[i * kN + 9] *= -1.0f;  // a negative column (one-phase G⁺ − G⁻)
    FixedGemm g;
    g.set_weights(b.data(), kK, kN, GemmPrecision::int8, signed_rows);
    std::vector<float> y(static_cast<size_t>(kRows * kN));
    g.run(a.data(), kRows, 3, y.data());
    for (int64_t j = 0; j < kN; ++j) {
      float most = 0;
      for (int64_t k = 0; k < kK; ++k) most = std::max(most, std::fabs(b[k * kN + j]));
      const float step = most / 127.0f;
      for (int64_t i = 0; i < kRows; ++i) {
        int64_t sum = 0;
        for (int64_t k = 0; k < kK; ++k) {
          const auto w = static_cast<int64_t>(step > 0 ? std::nearbyint(static_cast<double>(b[k * kN + j]) / step) : 0.0);
          sum += static_cast<int64_t>(a[i * kK + k]) * w;
        }
        ASSERT_EQ(std::bit_cast<uint32_t>(static_cast<float>(sum) * step), std::bit_cast<uint32_t>(y[i * kN + j]))
            << "row " << i << " column " << j << (signed_rows ? ", s8" : ", u8");
      }
    }
  }
}

TEST_F(Int8Gemm, Int8StaysWithinHalfAGridStepOfFp32PerInput) {
  const std::vector<float> a = codes(), b = conductances();
  const std::vector<float> exact = gemm(GemmPrecision::fp32, 1, 0), fast = gemm(GemmPrecision::int8, 1, 0);
  int64_t differ = 0;
  for (int64_t j = 0; j < kN; ++j) {
    float most = 0;
    for (int64_t k = 0; k < kK; ++k) most = std::max(most, std::fabs(b[k * kN + j]));
    for (int64_t i = 0; i < kRows; ++i) {
      double mag = 0, l1 = 0;
      for (int64_t k = 0; k < kK; ++k) {
        mag += std::fabs(a[i * kK + k]) * std::fabs(b[k * kN + j]);
        l1 += std::fabs(a[i * kK + k]);
      }
      const double d = std::fabs(fast[i * kN + j] - exact[i * kN + j]);
      ASSERT_LE(d, l1 * most / 254.0 + std::ldexp(mag, -20)) << "row " << i << " column " << j;
      differ += d > 0 ? 1 : 0;
    }
  }
  EXPECT_GT(differ, kRows * kN / 2);  // the weights were put on the grid: not the fp32 GEMM under another name
}

TEST_F(Int8Gemm, Int8IsDeterministicOverThreadsAndBatchSplits) {
  const std::vector<float> ref = gemm(GemmPrecision::int8, 1, 0);
  for (const auto& [threads, split] : std::vector<std::pair<int, int64_t>>{{2, 0}, {2, 37}, {1, 64}, {2, 100}}) {
    const std::vector<float> y = gemm(GemmPrecision::int8, threads, split);
    EXPECT_EQ(0, std::memcmp(ref.data(), y.data(), ref.size() * sizeof(float))) << threads << " threads, split " << split;
  }
}

TEST_F(Int8Gemm, Int8HoldsInputCodesExactly) {
  // B = 127 × the identity: each column's step is 1 and its weight 127, so the GEMM returns 127 · A
  // exactly (s8 codes, and u8 up to 255: neither clipped nor wrapped).
  for (const bool signed_rows : {true, false}) {
    std::vector<float> a = codes();
    if (!signed_rows) {
      for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(i % 256);
    }
    std::vector<float> eye(static_cast<size_t>(kK * kK), 0.0f);
    for (int64_t k = 0; k < kK; ++k) eye[static_cast<size_t>(k * kK + k)] = 127.0f;
    FixedGemm g;
    g.set_weights(eye.data(), kK, kK, GemmPrecision::int8, signed_rows);
    std::vector<float> y(a.size());
    g.run(a.data(), kRows, 0, y.data());
    for (float& v : a) v *= 127.0f;
    EXPECT_EQ(0, std::memcmp(a.data(), y.data(), a.size() * sizeof(float))) << (signed_rows ? "s8" : "u8");
  }
}

// An int8 tile needs integer input codes: without converters it is refused in one line.
TEST_F(Int8Gemm, Int8TileWithoutConvertersIsRefused) {
  Tile tile(test::preset_core("hermes"), TileContext{.seed = 1},
            TileOptions{.converters = false, .gemm_precision = GemmPrecision::int8});
  EXPECT_THROW(tile.program(test::random_tensor(32, 16, 3, 0.1f)), Error);
}

}  // namespace
}  // namespace aimc::functional
