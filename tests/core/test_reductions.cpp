// core/reductions.h: max_abs and extend_hull's vectorised lanes against the serial loops, for every length around
// the 16 lanes (the tail included), with NaNs skipped as std::max skips them; first_non_finite on placed NaNs and
// infinities.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/reductions.h"
#include "core/rng.h"

namespace aimc {
namespace {

TEST(Reductions, EqualTheSerialLoopsAtEveryLength) {
  const Rng rng(3, 0, RngPurpose::test);
  for (int64_t n = 0; n <= 50; ++n) {
    std::vector<float> x(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i)
      x[static_cast<size_t>(i)] = static_cast<float>(rng.uniform(static_cast<uint64_t>(n * 64 + i)) * 8 - 4);
    if (n > 3) x[static_cast<size_t>(n / 2)] = std::numeric_limits<float>::quiet_NaN();
    float m = 0.5f, lo = 0.0f, hi = 0.0f;
    float want_lo = lo, want_hi = hi;
    for (float v : x) {
      m = std::max(m, std::fabs(v));
      want_lo = std::min(want_lo, v);
      want_hi = std::max(want_hi, v);
    }
    EXPECT_EQ(max_abs(x.data(), n, 0.5f), m) << n;
    extend_hull(x.data(), n, lo, hi);
    EXPECT_EQ(lo, want_lo) << n;
    EXPECT_EQ(hi, want_hi) << n;
  }
}

TEST(Reductions, FirstNonFiniteFindsTheFirstNanOrInfinity) {
  std::vector<float> x(37, 1.5f);
  EXPECT_EQ(first_non_finite(x.data(), 37), -1);
  EXPECT_EQ(first_non_finite(x.data(), 0), -1);
  x[30] = std::numeric_limits<float>::infinity();
  x[31] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(first_non_finite(x.data(), 37), 30);
  EXPECT_EQ(first_non_finite(x.data() + 31, 6), 0);
  x[2] = -std::numeric_limits<float>::infinity();
  EXPECT_EQ(first_non_finite(x.data(), 37), 2);
  x[2] = std::numeric_limits<float>::max();  // large, but a number
  EXPECT_EQ(first_non_finite(x.data(), 37), 30);
}

}  // namespace
}  // namespace aimc
