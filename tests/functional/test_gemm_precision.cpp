// The tile GEMM's bf16 operands (FixedGemm, GemmPrecision::bf16): integer input codes up to 256 are held
// exactly and B is rounded to 8 significant bits, so every output lies within 2^-8 · Σ|a|·|b| of the
// fp32 GEMM's; the results are as deterministic as fp32's (threads, batch splits).
#include <gtest/gtest.h>

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

// Whether oneDNN has a bf16 matmul on this CPU (AVX-512); without one, set_weights refuses bf16 with
// one line and these tests do not apply.
bool bf16_available() {
  const std::vector<float> b(16, 1.0f);
  try {
    FixedGemm().set_weights(b.data(), 4, 4, GemmPrecision::bf16);
    return true;
  } catch (const Error&) {
    return false;
  }
}

class Bf16Gemm : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!bf16_available()) GTEST_SKIP() << "no bf16 matmul in oneDNN on this CPU";
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

// Codes read where they lie are fp32 only (the bf16 operand is a converted copy): a bf16 tile encodes
// its own rows.
TEST_F(Bf16Gemm, Bf16TilesDoNotReadCodesInPlace) {
  Tile fp32(test::preset_core("hermes"), TileContext{.seed = 1});
  Tile bf16(test::preset_core("hermes"), TileContext{.seed = 1}, TileOptions{.gemm_precision = GemmPrecision::bf16});
  for (Tile* t : {&fp32, &bf16}) t->program(test::random_tensor(32, 16, 3, 0.1f));
  EXPECT_TRUE(fp32.reads_codes());
  EXPECT_FALSE(bf16.reads_codes());
}

}  // namespace
}  // namespace aimc::functional
