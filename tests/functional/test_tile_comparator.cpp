// The comparator ADC of binary SRAM tiles (zhang-bnn-sram): per-column thresholds (the comparator's
// per-column reference) and the multi-level read-out (successive approximation against that
// reference, cores.adc.readout_bits), checked against integer sums.
#include <gtest/gtest.h>

#include "core/error.h"
#include "sim/functional/tile.h"
#include "tile_test_util.h"

namespace aimc::functional {
namespace {

// S[b, c] = Σ_r code[b, r]·sign(W[r, c]) with codes = x / step.
std::vector<int64_t> integer_sums(const Tensor& x, const Tensor& w, float step) {
  const int64_t batch = x.dim(0), rows = x.dim(1), cols = w.dim(1);
  std::vector<int64_t> s(static_cast<size_t>(batch * cols), 0);
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t c = 0; c < cols; ++c) {
      for (int64_t r = 0; r < rows; ++r) {
        const auto code = static_cast<int64_t>(x.data<float>()[b * rows + r] / step);
        s[static_cast<size_t>(b * cols + c)] += code * (w.data<float>()[r * cols + c] >= 0 ? 1 : -1);
      }
    }
  }
  return s;
}

Tensor random_codes(int64_t batch, int64_t rows, int64_t levels, float step, uint64_t seed) {
  Tensor x(DType::f32, {batch, rows});
  Rng rng(seed, 0, RngPurpose::test);
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = static_cast<float>(rng.bits(i) % levels) * step;
  return x;
}

TEST(TileComparator, DecidesAgainstEachColumnsThreshold) {
  const chip::CoreSpec core = test::preset_core("zhang-bnn-sram");
  Tile tile(core, TileContext{.seed = 5}, TileOptions{.weight_step = 2.0f});
  const int64_t rows = 121, cols = 128, batch = 40;
  const float step = 0.25f, unit = step * 2.0f;  // one unit product in the weight domain
  const Tensor w = test::random_tensor(rows, cols, 21);
  const Tensor x = random_codes(batch, rows, 32, step, 22);
  const std::vector<int64_t> s = integer_sums(x, w, step);
  // Integer thresholds around the sums; column c of vector 0 sits exactly on its threshold when
  // c is even (a tie decides +1).
  std::vector<int64_t> theta(static_cast<size_t>(cols));
  std::vector<float> threshold(static_cast<size_t>(cols));
  for (int64_t c = 0; c < cols; ++c) {
    theta[static_cast<size_t>(c)] = c % 2 == 0 ? s[static_cast<size_t>(c)] : (c - 64) * 7;
    threshold[static_cast<size_t>(c)] = static_cast<float>(theta[static_cast<size_t>(c)]) * unit;
  }
  tile.program(w);
  tile.calibrate(step);
  tile.set_thresholds(threshold);
  const Tensor y = tile.mvm(x);
  int64_t plus = 0;
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t c = 0; c < cols; ++c) {
      const int64_t k = b * cols + c;
      const float want = s[static_cast<size_t>(k)] >= theta[static_cast<size_t>(c)] ? 1.0f : -1.0f;
      EXPECT_EQ(y.data<float>()[k], want) << b << "," << c;
      plus += want > 0;
    }
  }
  EXPECT_GT(plus, batch * cols / 10);  // the thresholds split the decisions both ways
  EXPECT_LT(plus, batch * cols * 9 / 10);
}

TEST(TileComparator, ReadOutGivesTheIntegerSumWithinItsCodes) {
  const chip::CoreSpec core = test::preset_core("zhang-bnn-sram");
  const int64_t rows = 128, cols = 10, batch = 64;
  const float step = 2.0f;  // 1-bit word lines: a ±1 activation x + 1 ∈ {0, 2} is code 0 or 1
  const Tensor w = test::random_tensor(rows, cols, 31);
  // Code 1 on most rows of some vectors, so sums reach beyond ±7 and saturate at 4 bits.
  const Tensor x = random_codes(batch, rows, 2, step, 32);
  const std::vector<int64_t> s = integer_sums(x, w, step);
  for (const int64_t bits : {9, 4}) {
    Tile tile(core, TileContext{.seed = 6},
              TileOptions{.input_bits = 1, .weight_bits = 1, .weight_step = 1.0f, .adc_bits = bits});
    tile.program(w);
    tile.calibrate(step);
    const Tensor y = tile.mvm(x);
    const int64_t code_max = (int64_t{1} << (bits - 1)) - 1;
    int64_t saturated = 0;
    for (int64_t k = 0; k < batch * cols; ++k) {
      const int64_t code = std::clamp<int64_t>(s[static_cast<size_t>(k)], -code_max, code_max);
      saturated += code != s[static_cast<size_t>(k)];
      EXPECT_EQ(y.data<float>()[k], static_cast<float>(code) * step) << bits << " bits, " << k;
    }
    EXPECT_EQ(saturated > 0, bits == 4);
    const MvmActions a = tile.actions(batch);
    EXPECT_EQ(a.array_evaluations, batch * bits);
    EXPECT_EQ(a.adc_conversions, batch * cols * bits);
  }
}

TEST(TileComparator, ThresholdsNeedTheOneBitDecision) {
  chip::CoreSpec core = test::preset_core("zhang-bnn-sram");
  Tile readout(core, TileContext{.seed = 1}, TileOptions{.adc_bits = 9});
  readout.program(test::random_tensor(8, 4, 1));
  readout.calibrate(1.0f);
  EXPECT_THROW(readout.set_thresholds(std::vector<float>(4, 0.0f)), Error);
  Tile decide(core, TileContext{.seed = 1});
  decide.program(test::random_tensor(8, 4, 1));
  decide.calibrate(1.0f);
  EXPECT_THROW(decide.set_thresholds(std::vector<float>(3, 0.0f)), Error);
  core.adc = chip::AdcSpec{.kind = chip::AdcKind::Ideal, .bits = 8, .full_scale = 8};
  Tile linear(core, TileContext{.seed = 1});
  linear.program(test::random_tensor(8, 4, 1));
  linear.calibrate(1.0f);
  EXPECT_THROW(linear.set_thresholds(std::vector<float>(4, 0.0f)), Error);
}

}  // namespace
}  // namespace aimc::functional
