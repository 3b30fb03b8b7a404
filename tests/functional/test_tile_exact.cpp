// Bit-true checks: ideal analog tile without converters == fp32 GEMM; BPBS == integer MVM when the
// levels fit the ADC and exactly the ADC's rounding when not; binary SRAM == ±1 arithmetic.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "device/numeric.h"
#include "sim/functional/bit_kernels.h"
#include "sim/functional/tile.h"
#include "tile_test_util.h"

namespace aimc::functional {
namespace {

TEST(TileExact, IdealWithoutConvertersIsTheGemm) {
  Tile tile(test::ideal_core(256, 256), TileContext{.seed = 1}, TileOptions{.converters = false});
  const Tensor w = test::random_tensor(200, 96, 1), x = test::random_tensor(70, 200, 2);
  tile.program(w);
  const Tensor y = tile.mvm(x);
  for (int64_t b = 0; b < 70; ++b) {
    for (int64_t c = 0; c < 96; ++c) {
      double ref = 0, mag = 0;
      for (int64_t r = 0; r < 200; ++r) {
        ref += double(x.data<float>()[b * 200 + r]) * w.data<float>()[r * 96 + c];
        mag += std::fabs(double(x.data<float>()[b * 200 + r]) * w.data<float>()[r * 96 + c]);
      }
      EXPECT_NEAR(y.data<float>()[b * 96 + c], ref, 2e-6 * mag) << b << "," << c;
    }
  }
}

// Integer weights and inputs through the bit-sliced tile against the integer MVM: bx-bit two's-complement
// inputs and bw-bit weights, codes drawn over their whole range, an adc_bits ADC.
void check_bpbs(int64_t rows, double full_scale, bool sparse, int64_t bx = 4, int64_t bw = 4, int64_t adc_bits = 8) {
  const int64_t cols = 64, batch = 33;
  chip::CoreSpec core = test::charge_core(rows, full_scale);
  core.cols = std::max(core.cols, cols * bw);  // a bw-bit weight takes bw columns
  core.adc.bits = adc_bits;
  core.input.bits = std::max(core.input.bits, bx);
  core.weights.bits = std::max<int64_t>(core.weights.bits.value_or(0), bw);
  Tile tile(core, TileContext{.seed = 3}, TileOptions{.input_bits = bx, .weight_bits = bw, .weight_step = 1.0f});
  const int64_t x_half = int64_t{1} << (bx - 1), w_half = int64_t{1} << (bw - 1);
  const double code_max = static_cast<double>((int64_t{1} << adc_bits) - 1);
  Tensor w(DType::f32, {rows, cols}), x(DType::f32, {batch, rows});
  Rng rng(7, 0, RngPurpose::test);
  for (int64_t i = 0; i < w.numel(); ++i) {
    w.data<float>()[i] = static_cast<float>(static_cast<int64_t>(rng.bits(i) % static_cast<uint64_t>(2 * w_half)) - w_half);
  }
  for (int64_t i = 0; i < x.numel(); ++i) {
    const bool zero = sparse && rng.bits(1000000 + i) % 8 != 0;
    const auto code = static_cast<int64_t>(rng.bits(2000000 + i) % static_cast<uint64_t>(2 * x_half)) - x_half;
    x.data<float>()[i] = zero ? 0.0f : static_cast<float>(code);
  }
  tile.program(w);
  tile.calibrate(1.0f);  // input step 1: the codes are the values
  const float fs = tile.scaling().adc_full_scale.at(0);
  EXPECT_EQ(fs, static_cast<float>(std::max<double>(full_scale, double(rows))));
  const float lsb = fs / static_cast<float>(code_max);
  const Tensor y = tile.mvm(x);
  bool all_exact = true;
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t c = 0; c < cols; ++c) {
      double exact = 0, adc = 0;
      for (int64_t i = 0; i < bx; ++i) {
        for (int64_t j = 0; j < bw; ++j) {
          int64_t level = 0;
          for (int64_t r = 0; r < rows; ++r) {
            const auto xi = static_cast<uint64_t>(static_cast<int64_t>(x.data<float>()[b * rows + r]));
            const auto wj = static_cast<uint64_t>(static_cast<int64_t>(w.data<float>()[r * cols + c]));
            level += ((xi >> i) & 1) & ((wj >> j) & 1);
          }
          const double weight = (i == bx - 1 ? -1.0 : 1.0) * std::ldexp(1.0, static_cast<int>(i)) * (j == bw - 1 ? -1.0 : 1.0) *
                                std::ldexp(1.0, static_cast<int>(j));
          const float code =
              device::round_even(device::clampf(static_cast<float>(level) / lsb, 0.0f, static_cast<float>(code_max)));
          exact += weight * double(level);
          adc += weight * double(code) * lsb;
        }
      }
      const float got = y.data<float>()[b * cols + c];
      EXPECT_NEAR(got, static_cast<float>(adc), 1e-6 * std::fabs(adc)) << b << "," << c;
      all_exact = all_exact && got == static_cast<float>(exact);
    }
  }
  EXPECT_EQ(all_exact, rows <= code_max && lsb == 1.0f);
}

TEST(TileExact, BpbsIsTheIntegerMvmWhenLevelsFitTheAdc) { check_bpbs(255, 255, false); }
TEST(TileExact, BpbsRoundsAsTheAdcWhenLevelsExceedIt) { check_bpbs(1152, 255, false); }
TEST(TileExact, BpbsRoundsEvenForSparseInputsOnATallColumn) { check_bpbs(1152, 255, true); }
// Wide codes: a bit-plane pair's weight 2^(i+j) times an ADC code passes 2^31 (the shift-and-add
// multiplied them in 32 bits until 2026-12-07: a random network on such a chip was off by 100 %).
TEST(TileExact, BpbsTwelveBitCodesIsTheIntegerMvmThroughASixteenBitAdc) { check_bpbs(255, 65535, false, 12, 12, 16); }
TEST(TileExact, BpbsTwelveBitCodesRoundAsASixteenBitAdcOnATallColumn) { check_bpbs(1152, 1152, false, 12, 12, 16); }
TEST(TileExact, BpbsSixteenBitCodesAreTheIntegerMvmThroughASixteenBitAdc) { check_bpbs(1152, 65535, true, 16, 16, 16); }

TEST(TileExact, BinarySramComparatorIsTheSignOfTheIntegerSum) {
  const chip::CoreSpec core = test::preset_core("zhang-bnn-sram");
  Tile tile(core, TileContext{.seed = 5});
  const int64_t rows = 128, cols = 128, batch = 50;
  const Tensor w = test::random_tensor(rows, cols, 11);
  Tensor x(DType::f32, {batch, rows});
  Rng rng(12, 0, RngPurpose::test);
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = static_cast<float>(rng.bits(i) % 32);
  tile.program(w);
  tile.calibrate(1.0f);
  const Tensor y = tile.mvm(x);
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t c = 0; c < cols; ++c) {
      int64_t s = 0;
      for (int64_t r = 0; r < rows; ++r)
        s += int64_t(x.data<float>()[b * rows + r]) * (w.data<float>()[r * cols + c] >= 0 ? 1 : -1);
      EXPECT_EQ(y.data<float>()[b * cols + c], s >= 0 ? 1.0f : -1.0f);
    }
  }
}

TEST(TileExact, BinarySramWithAnAdcIsExactPlusMinusOneArithmetic) {
  chip::CoreSpec core = test::preset_core("zhang-bnn-sram");
  core.adc = chip::AdcSpec{.kind = chip::AdcKind::Ideal, .bits = 13, .full_scale = 128};
  Tile tile(core, TileContext{.seed = 5}, TileOptions{.weight_step = 1.0f});
  const int64_t rows = 128, cols = 40, batch = 20;
  const Tensor w = test::random_tensor(rows, cols, 13);
  Tensor x(DType::f32, {batch, rows});
  Rng rng(14, 0, RngPurpose::test);
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = static_cast<float>(rng.bits(i) % 32);
  tile.program(w);
  // 13-bit ADC over 128·31 unit products: LSB = 3968/4095 < 1, so integers survive exactly; set the
  // full scale to 4095 for an LSB of exactly 1.
  tile.set_scaling(TileScaling{.input_step = 1.0f, .adc_full_scale = {4095.0f}});
  const Tensor y = tile.mvm(x);
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t c = 0; c < cols; ++c) {
      int64_t s = 0;
      for (int64_t r = 0; r < rows; ++r)
        s += int64_t(x.data<float>()[b * rows + r]) * (w.data<float>()[r * cols + c] >= 0 ? 1 : -1);
      EXPECT_EQ(y.data<float>()[b * cols + c], static_cast<float>(s));
    }
  }
}

// The AVX-512 (VPOPCNTDQ) bit kernels, where the CPU has them, and the portable ones give the same
// tile outputs bit for bit (BPBS and binary SRAM, odd row and column counts for the tails).
TEST(TileExact, PortableBitKernelsGiveTheSameOutputs) {
  const auto run = [](const chip::CoreSpec& core, TileOptions options, int64_t rows, int64_t cols, bool portable) {
    force_portable_bit_kernels(portable);
    Tile tile(core, TileContext{.seed = 4}, options);
    tile.program(test::random_tensor(rows, cols, 17));
    const Tensor x = test::random_tensor(37, rows, 18);
    tile.calibrate(x);
    Tensor y = tile.mvm(x);
    force_portable_bit_kernels(false);
    return y;
  };
  const chip::CoreSpec bpbs = test::charge_core(1000, 255), sram = test::preset_core("zhang-bnn-sram");
  for (int k = 0; k < 2; ++k) {
    const chip::CoreSpec& core = k == 0 ? bpbs : sram;
    const TileOptions o = k == 0 ? TileOptions{.input_bits = 5, .weight_bits = 3} : TileOptions{};
    const int64_t rows = k == 0 ? 1000 : 100, cols = k == 0 ? 45 : 77;
    const Tensor fast = run(core, o, rows, cols, false), portable = run(core, o, rows, cols, true);
    EXPECT_EQ(std::memcmp(fast.raw(), portable.raw(), fast.nbytes()), 0) << k << " " << bit_kernels_isa();
  }
}

}  // namespace
}  // namespace aimc::functional
