// The digital units' fixed-point output format (digital_ops.h) against integer references.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "sim/functional/digital_ops.h"

namespace aimc::functional {
namespace {

TEST(FixedPoint, RoundsToTheLsbWithTiesToEven) {
  // 8 bits, 2 fractional bits: LSB 0.25, codes ±127 → ±31.75.
  std::vector<float> v = {0.125f, 0.375f, -0.125f, -0.375f, 1.1f, -1.1f, 0.0f, 2.625f};
  to_fixed_point(v, FixedPoint{.width_bits = 8, .frac_bits = 2});
  const std::vector<float> want = {0.0f, 0.5f, -0.0f, -0.5f, 1.0f, -1.0f, 0.0f, 2.5f};
  for (size_t i = 0; i < v.size(); ++i) EXPECT_EQ(v[i], want[i]) << i;
}

TEST(FixedPoint, SaturatesSymmetricallyAtTheWidth) {
  std::vector<float> v = {31.75f, 31.9f, 1000.0f, -31.75f, -31.9f, -1e30f, std::numeric_limits<float>::infinity()};
  to_fixed_point(v, FixedPoint{.width_bits = 8, .frac_bits = 2});
  const std::vector<float> want = {31.75f, 31.75f, 31.75f, -31.75f, -31.75f, -31.75f, 31.75f};
  for (size_t i = 0; i < v.size(); ++i) EXPECT_EQ(v[i], want[i]) << i;
}

TEST(FixedPoint, EqualsTheIntegerReferenceOverAGrid) {
  // Every value k/64 in [−40, 40] through 12 bits with 4 fractional bits: integer reference
  // q = round_half_even(k / 4) clamped to ±2047, value q / 16.
  for (const int32_t frac : {4, -1}) {
    std::vector<float> v;
    for (int64_t k = -40 * 64; k <= 40 * 64; ++k) v.push_back(static_cast<float>(k) / 64.0f);
    std::vector<float> got = v;
    to_fixed_point(got, FixedPoint{.width_bits = 12, .frac_bits = frac});
    for (size_t i = 0; i < v.size(); ++i) {
      const auto k = static_cast<int64_t>(std::lround(v[i] * 64.0f));
      // value·2^f = k·2^f / 64 = num / den
      const int64_t num = frac >= 0 ? k << frac : k, den = frac >= 0 ? 64 : 64 << -frac;
      const int64_t a = num < 0 ? -num : num;
      int64_t q = a / den;
      const int64_t r = a % den;
      if (2 * r > den || (2 * r == den && q % 2 != 0)) ++q;
      q = std::min<int64_t>(q, 2047) * (num < 0 ? -1 : 1);
      const float want = static_cast<float>(std::ldexp(static_cast<double>(q), -frac));
      ASSERT_EQ(got[i], want) << "frac " << frac << ", value " << v[i];
    }
  }
}

// The double-precision definition (digital_ops.h), which to_fixed_point's vectorised float path must
// equal bit for bit (zeros' signs included).
float reference_fixed(float x, int64_t w, int32_t f) {
  if (std::isnan(x)) return x;
  const double top = std::ldexp(1.0, static_cast<int>(w) - 1) - 1.0;
  const double q = std::nearbyint(std::clamp(static_cast<double>(x) * std::ldexp(1.0, f), -top, top));
  return static_cast<float>(q * std::ldexp(1.0, -f));
}

TEST(FixedPoint, VectorisedPathEqualsTheDefinitionBitForBit) {
  std::mt19937 rng(7);
  for (int64_t w : {2, 8, 12, 16, 23, 24, 32}) {
    for (int32_t f : {-100, -9, 0, 3, 8, 15, 31, 100, 120}) {
      std::vector<float> v(4099);  // not a multiple of any vector width
      for (size_t i = 0; i < v.size(); ++i) {
        const uint32_t u = rng();
        if (i % 5 == 0) {
          std::memcpy(&v[i], &u, sizeof(float));  // any bit pattern: huge, tiny, inf
        } else {
          v[i] = std::ldexp(static_cast<float>(static_cast<int32_t>(u % 200001) - 100000) / 64.0f,
                            static_cast<int>(rng() % 40) - 20 - f);
        }
        if (i % 97 == 0) v[i] = -0.0f;
        if (i % 101 == 0) v[i] = std::ldexp(i % 2 ? 2.5f : -0.5f, -f);  // ties
      }
      std::vector<float> got = v;
      to_fixed_point(got, FixedPoint{.width_bits = w, .frac_bits = f});
      for (size_t i = 0; i < v.size(); ++i) {
        const float want = reference_fixed(v[i], w, f);
        if (std::isnan(want)) {
          ASSERT_TRUE(std::isnan(got[i]));
          continue;
        }
        ASSERT_EQ(std::bit_cast<uint32_t>(got[i]), std::bit_cast<uint32_t>(want))
            << "width " << w << " frac " << f << " x " << v[i] << ": " << got[i] << " vs " << want;
      }
    }
  }
}

TEST(FixedPoint, KeepsNan) {
  std::vector<float> v = {std::numeric_limits<float>::quiet_NaN()};
  to_fixed_point(v, FixedPoint{.width_bits = 16, .frac_bits = 8});
  EXPECT_TRUE(std::isnan(v[0]));
}

// The out-of-place form (the executor rounds a node's output into a fresh buffer) gives the in-place
// result bit for bit, on both paths (width ≤ 23: float; 32: double), and leaves its input alone.
TEST(FixedPoint, OutOfPlaceEqualsInPlace) {
  std::mt19937 gen(11);
  std::normal_distribution<float> d(0.0f, 40.0f);
  std::vector<float> in(1000);
  for (float& x : in) x = d(gen);
  in[3] = std::numeric_limits<float>::quiet_NaN();
  in[4] = -0.0f;
  for (const FixedPoint f : {FixedPoint{.width_bits = 12, .frac_bits = 3}, FixedPoint{.width_bits = 32, .frac_bits = 20}}) {
    const std::vector<float> original = in;
    std::vector<float> inplace = in, out(in.size(), 7.0f);
    to_fixed_point(inplace, f);
    to_fixed_point(in, out, f);
    EXPECT_EQ(std::memcmp(in.data(), original.data(), in.size() * sizeof(float)), 0);
    EXPECT_EQ(std::memcmp(out.data(), inplace.data(), out.size() * sizeof(float)), 0) << f.width_bits;
  }
}

}  // namespace
}  // namespace aimc::functional
