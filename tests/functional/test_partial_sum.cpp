// accumulate_partial_sums: round to the LSB (ties to even), add, saturate in the digital width after
// every addition — exact integer results.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "sim/functional/partial_sum.h"

namespace aimc::functional {
namespace {

TEST(PartialSum, RoundsToTheLsbWithTiesToEven) {
  std::vector<int32_t> acc(6, 0);
  const std::vector<float> partial = {0.25f, 0.5f, 0.75f, 1.5f, 2.5f, -2.5f};  // in units of lsb 0.5: .5 1 1.5 3 5 -5
  accumulate_partial_sums(acc, partial, 0.5f, 16);
  EXPECT_EQ(acc, (std::vector<int32_t>{0, 1, 2, 3, 5, -5}));  // 0.5 → 0, 1.5 → 2 (ties to even)
}

TEST(PartialSum, SaturatesAfterEveryAddition) {
  // 8 bits: ±127. 100 + 50 saturates at 127, then −50 gives 77 (not 100: the order matters).
  std::vector<int32_t> acc = {100, -100, 0};
  accumulate_partial_sums(acc, std::vector<float>{50, -50, 1000}, 1.0f, 8);
  EXPECT_EQ(acc, (std::vector<int32_t>{127, -127, 127}));
  accumulate_partial_sums(acc, std::vector<float>{-50, 50, -1e9f}, 1.0f, 8);
  EXPECT_EQ(acc, (std::vector<int32_t>{77, -77, -127}));
}

TEST(PartialSum, ValuesAreCountsTimesTheLsb) {
  const std::vector<int32_t> acc = {-32767, -3, 0, 5, 32767};
  std::vector<float> values(acc.size());
  partial_sums_to_values(acc, 0.125f, values);
  EXPECT_EQ(values, (std::vector<float>{-4095.875f, -0.375f, 0.0f, 0.625f, 4095.875f}));
}

TEST(PartialSum, MatchesAStepwiseReference) {
  const int64_t width = 12;
  const int64_t hi = (1 << (width - 1)) - 1;
  std::vector<int32_t> acc(500, 0);
  std::vector<int64_t> ref(500, 0);
  for (int step = 0; step < 8; ++step) {
    std::vector<float> partial(500);
    for (size_t i = 0; i < partial.size(); ++i) {
      const int64_t v = static_cast<int64_t>((i * 31 + static_cast<size_t>(step) * 977) % 1601) - 800;
      partial[i] = static_cast<float>(v);
      ref[i] = std::clamp<int64_t>(ref[i] + v, -hi, hi);
    }
    accumulate_partial_sums(acc, partial, 1.0f, width);
  }
  for (size_t i = 0; i < acc.size(); ++i) EXPECT_EQ(acc[i], ref[i]) << i;
}

TEST(PartialSum, EqualsNearbyintRoundingForAnyMagnitude) {
  // The vectorised rounding against the library's, over fractions, ties and values far beyond the
  // accumulator's range (up to 1e30 LSBs), in three widths.
  for (const int64_t width : {8, 16, 32}) {
    const double hi = static_cast<double>((int64_t{1} << (width - 1)) - 1);
    std::vector<float> partial;
    for (int i = -300; i <= 300; ++i) partial.push_back(0.25f * static_cast<float>(i));
    for (float big : {1e6f, 3e9f, 1e30f}) {
      partial.push_back(big);
      partial.push_back(-big);
    }
    std::vector<int32_t> acc(partial.size(), 3), ref(partial.size(), 3);
    for (int pass = 0; pass < 3; ++pass) {
      accumulate_partial_sums(acc, partial, 0.5f, width);
      for (size_t i = 0; i < partial.size(); ++i) {
        const double q = std::clamp(std::nearbyint(static_cast<double>(partial[i]) / 0.5), -2 * hi, 2 * hi);
        ref[i] = static_cast<int32_t>(std::clamp(static_cast<double>(ref[i]) + q, -hi, hi));
      }
    }
    EXPECT_EQ(acc, ref) << width << " bits";
  }
}

// The rounding against the library's division and nearbyint for random LSBs: at ties (k + ½ LSBs
// exactly), one ulp beside them, and for random values of every magnitude (every 16 has a tie, so
// the AVX-512 path sends them all to the division; the next test runs its fast path).
TEST(PartialSum, EqualsTheDivisionForAnyLsbAndAtTies) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int trial = 0; trial < 200; ++trial) {
    const auto lsb = static_cast<float>(std::ldexp(1.0 + unit(rng), static_cast<int>(unit(rng) * 40) - 30));
    std::vector<float> partial;
    for (int i = 0; i < 600; ++i) {
      const double k = std::floor((unit(rng) - 0.5) * 4000.0);
      const auto tie = static_cast<float>((k + 0.5) * lsb);  // often exactly k + ½ lsbs
      partial.push_back(tie);
      partial.push_back(std::nextafter(tie, 1e30f));
      partial.push_back(std::nextafter(tie, -1e30f));
      partial.push_back(static_cast<float>((unit(rng) - 0.5) * std::ldexp(1.0, static_cast<int>(unit(rng) * 60) - 20) * lsb));
    }
    for (const int64_t width : {16, 32}) {
      const double hi = static_cast<double>((int64_t{1} << (width - 1)) - 1);
      std::vector<int32_t> acc(partial.size(), -5), ref(partial.size(), -5);
      accumulate_partial_sums(acc, partial, lsb, width);
      for (size_t i = 0; i < partial.size(); ++i) {
        const double x = std::clamp(static_cast<double>(partial[i]) / static_cast<double>(lsb), -8589934592.0, 8589934592.0);
        const double q = std::clamp(std::nearbyint(x), -2 * hi, 2 * hi);
        ref[i] = static_cast<int32_t>(std::clamp(static_cast<double>(ref[i]) + q, -hi, hi));
      }
      ASSERT_EQ(acc, ref) << "lsb " << lsb << ", " << width << " bits";
    }
  }
}

// The AVX-512 path's multiplication by 1/lsb against the division, on runs of 16 without ties (its
// fast path) with a tie, a value one ulp from a tie, an infinity or a huge value dropped into some,
// at offsets that leave a scalar tail, in three widths; values like a tile's (code · column scale).
TEST(PartialSum, TheFastPathEqualsTheDivision) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const float inf = std::numeric_limits<float>::infinity();
  for (int trial = 0; trial < 100; ++trial) {
    const auto lsb = static_cast<float>(std::ldexp(1.0 + unit(rng), static_cast<int>(unit(rng) * 40) - 30));
    const size_t n = 1000 + static_cast<size_t>(trial);
    std::vector<float> partial(n);
    for (size_t i = 0; i < n; ++i) {
      const auto scale = static_cast<float>(lsb * (0.2 + 4.0 * unit(rng)));
      const double code = std::floor((unit(rng) - 0.5) * (trial % 2 == 0 ? 255.0 : 8e6));
      partial[i] = static_cast<float>(code) * scale;
    }
    for (size_t i = static_cast<size_t>(trial) % 7; i < n; i += 97) {
      const auto tie = static_cast<float>((std::floor((unit(rng) - 0.5) * 500.0) + 0.5) * lsb);
      const float odd[] = {tie, std::nextafter(tie, inf), inf, -inf, 3e9f * lsb};
      partial[i] = odd[(i / 97) % 5];
    }
    for (const int64_t width : {12, 24, 32}) {
      const double hi = static_cast<double>((int64_t{1} << (width - 1)) - 1);
      std::vector<int32_t> acc(n, 1), ref(n, 1);
      for (int pass = 0; pass < 2; ++pass) {
        accumulate_partial_sums(acc, partial, lsb, width);
        for (size_t i = 0; i < n; ++i) {
          const double x = std::clamp(static_cast<double>(partial[i]) / static_cast<double>(lsb), -8589934592.0, 8589934592.0);
          const double q = std::clamp(std::nearbyint(x), -2 * hi, 2 * hi);
          ref[i] = static_cast<int32_t>(std::clamp(static_cast<double>(ref[i]) + q, -hi, hi));
        }
      }
      ASSERT_EQ(acc, ref) << "lsb " << lsb << ", " << width << " bits";
    }
  }
}

}  // namespace
}  // namespace aimc::functional
