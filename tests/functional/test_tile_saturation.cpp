// ADC saturation counts: the kernels count end codes (both ends of a signed converter, the top of an
// unsigned one), and a tile counts exactly the conversions whose exact column value reaches the end
// code, from its last set_time on.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "sim/functional/epilogue.h"
#include "sim/functional/tile.h"
#include "tile_test_util.h"

namespace aimc::functional {
namespace {

TEST(Saturation, KernelsCountTheConvertersEndCodes) {
  const float signed_codes[] = {127, -127, 0, 126, 127, -126};
  EXPECT_EQ(count_saturated(signed_codes, 6, -127, 127), 3);
  const float unsigned_codes[] = {255, 0, 3, 255, 0};  // an unsigned 0 is an exact result, not counted
  EXPECT_EQ(count_saturated(unsigned_codes, 5, 0, 255), 2);

  // The fused kernel counts a live column's saturated code: column 0 at +127 and −127, not the dead
  // column 1, and column 2's code 3 not.
  ColumnEpilogue ep;
  ep.cols = 3;
  ep.lsb = {1, 1, 1};
  ep.scale = {0.5f, 0.25f, 1.0f};
  ep.dead = {0, 1, 0};
  ep.fused = true;
  ep.count = true;
  ep.code_lo = -127;
  ep.code_hi = 127;
  const float gain[] = {1, 1, 1}, offset[] = {0, 0, 0};
  ep.gain = gain;
  ep.offset = offset;
  const float g[] = {300, 500, 3, -200, 0, 2.6f};
  float out[6];
  EXPECT_EQ(column_sums_one_phase(ep, g, nullptr, 2, out), 2);
  EXPECT_EQ(out[0], 127 * 0.5f);
  EXPECT_EQ(out[1], 0.0f);
  EXPECT_EQ(out[2], 3.0f);
  EXPECT_EQ(out[3], -127 * 0.5f);
  EXPECT_EQ(out[5], 3.0f);
  ep.count = false;  // the same outputs, uncounted
  float plain[6];
  EXPECT_EQ(column_sums_one_phase(ep, g, nullptr, 2, plain), 0);
  EXPECT_EQ(std::memcmp(out, plain, sizeof out), 0);
}

// Four phases: a conversion counts when a phase reached the phase full scale even if the difference
// is in range (column 0: P++ 12 and P+− 11.5 both clip at 10, v = 0), not when none did (column 1).
TEST(Saturation, FourPhaseReadsCountAClippedPhase) {
  ColumnEpilogue ep;
  ep.cols = 2;
  ep.lsb = {1, 1};
  ep.full_scale = {10, 10};
  ep.scale = {1, 1};
  ep.dead = {0, 0};
  ep.zeros = {0, 0, 0, 0};
  ep.fused = true;
  ep.count = true;
  ep.code_lo = -127;
  ep.code_hi = 127;
  const float gain[] = {1, 1}, offset[] = {0, 0};
  ep.gain = gain;
  ep.offset = offset;
  const float p[] = {12, 3, 11.5f, 3};  // [P++ | P+−]; no negative inputs
  float out[2], plain[2];
  EXPECT_EQ(column_sums_four_phase(ep, p, nullptr, nullptr, 1, out), 1);
  EXPECT_EQ(out[0], 0.0f);
  ep.count = false;
  EXPECT_EQ(column_sums_four_phase(ep, p, nullptr, nullptr, 1, plain), 0);
  EXPECT_EQ(std::memcmp(out, plain, sizeof out), 0);
  // For a converter run after the kernel, the flags come out per output.
  ep.count = true;
  ep.fused = false;
  uint8_t clipped[2] = {9, 9};
  EXPECT_EQ(column_sums_four_phase(ep, p, nullptr, nullptr, 1, out, clipped), 0);
  EXPECT_EQ(clipped[0], 1);
  EXPECT_EQ(clipped[1], 0);
  const float codes[] = {0, 0};
  EXPECT_EQ(count_saturated(codes, 2, -127, 127, clipped), 1);
}

// An ideal one-phase tile with ±1 weights, integer inputs and the ADC's LSB set to one weight-domain
// unit: a column saturates exactly when |x·W| ≥ 127.
TEST(Saturation, TileCountsTheColumnsBeyondTheAdcRange) {
  const int64_t rows = 256, cols = 64, batch = 40;
  Tile tile(test::ideal_core(rows, cols), TileContext{.seed = 5}, TileOptions{.count_saturation = true});
  Tensor w(DType::f32, {rows, cols}), x(DType::f32, {batch, rows});
  const Rng rng(9, 0, RngPurpose::test);
  for (int64_t i = 0; i < w.numel(); ++i) w.data<float>()[i] = rng.bits(static_cast<uint64_t>(i)) % 2 == 0 ? 1.0f : -1.0f;
  for (int64_t i = 0; i < x.numel(); ++i) {
    x.data<float>()[i] = static_cast<float>(static_cast<int>(rng.bits(1000000 + static_cast<uint64_t>(i)) % 41) - 20);
  }
  tile.program(w);
  tile.calibrate(1.0f);  // FS = full_scale · 127 · s for max|W| = 1, so s = FS / (full_scale · 127)
  const float spec_fs = tile.scaling().adc_full_scale.at(0);
  const float full_scale = static_cast<float>(test::ideal_core(rows, cols).adc.full_scale.value());
  tile.set_scaling(TileScaling{.input_step = 1.0f, .adc_full_scale = {spec_fs / full_scale}});  // LSB = s
  tile.set_time(0);
  int64_t expected = 0;
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t c = 0; c < cols; ++c) {
      int64_t y = 0;
      for (int64_t r = 0; r < rows; ++r) {
        y += static_cast<int64_t>(x.data<float>()[b * rows + r]) * static_cast<int64_t>(w.data<float>()[r * cols + c]);
      }
      expected += std::llabs(y) >= 127 ? 1 : 0;
    }
  }
  ASSERT_GT(expected, batch * cols / 10);  // the case tests something
  ASSERT_LT(expected, batch * cols * 9 / 10);
  tile.mvm(x);
  EXPECT_EQ(tile.crossbar().conversions().conversions, batch * cols);
  EXPECT_EQ(tile.crossbar().conversions().saturated, expected);
  tile.mvm(x);  // counts add up over calls
  EXPECT_EQ(tile.crossbar().conversions().saturated, 2 * expected);
  tile.set_time(3600);  // and start again with each state (ideal devices do not drift)
  EXPECT_EQ(tile.crossbar().conversions().conversions, 0);
  tile.mvm(x);
  EXPECT_EQ(tile.crossbar().conversions().saturated, expected);

  // Without the option nothing is counted, and the outputs are the same bits.
  Tile plain(test::ideal_core(rows, cols), TileContext{.seed = 5}, TileOptions{});
  plain.program(w);
  plain.set_scaling(tile.scaling());
  plain.set_time(3600);
  const Tensor a = tile.mvm(x), b = plain.mvm(x);
  EXPECT_EQ(std::memcmp(a.data<float>(), b.data<float>(), a.numel() * sizeof(float)), 0);
  EXPECT_EQ(plain.crossbar().conversions().conversions, 0);
}

}  // namespace
}  // namespace aimc::functional
