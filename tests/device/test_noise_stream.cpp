// NoiseStream: Rng's Philox counters, vectorised normals with the right moments, keyed draws.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/rng.h"
#include "device/noise_stream.h"

namespace aimc::device {
namespace {

TEST(NoiseStream, UsesTheRngCounters) {
  const NoiseStream s(0x1234567890ull, 7, RngPurpose::read_noise);
  const Rng r(0x1234567890ull, 7, RngPurpose::read_noise);
  for (uint64_t b : {0ull, 1ull, 12345ull, (1ull << 40) + 3}) {
    uint32_t a[4], e[4];
    s.block(b, a);
    r.block(b, e);
    for (int k = 0; k < 4; ++k) EXPECT_EQ(a[k], e[k]);
  }
}

TEST(NoiseStream, StandardNormalMoments) {
  const NoiseStream s(1, 2, RngPurpose::output_noise);
  std::vector<float> v(1 << 20);
  s.fill_normal(3, v);
  double m1 = 0, m2 = 0, m4 = 0, tail = 0;
  for (float x : v) {
    m1 += x;
    m2 += x * x;
    m4 += double(x) * x * x * x;
    tail += std::fabs(x) > 3 ? 1 : 0;
  }
  const double n = static_cast<double>(v.size());
  EXPECT_NEAR(m1 / n, 0.0, 0.005);
  EXPECT_NEAR(m2 / n, 1.0, 0.005);
  EXPECT_NEAR(m4 / n, 3.0, 0.03);
  EXPECT_NEAR(tail / n, 0.0027, 0.0003);  // P(|N| > 3) = 0.0027
}

TEST(NoiseStream, ValuesDependOnlyOnTheIndex) {
  const NoiseStream s(9, 1, RngPurpose::programming_noise);
  std::vector<float> all(1000), part(333), added(333, 1.0f);
  s.fill_normal(100, all);
  s.fill_normal(100 + 501, part);
  s.add_normal(100 + 501, 2.0f, added);
  for (size_t i = 0; i < part.size(); ++i) {
    EXPECT_EQ(part[i], all[501 + i]);
    EXPECT_EQ(added[i], 1.0f + 2.0f * all[501 + i]);
  }
  std::vector<float> other(1000);
  NoiseStream(10, 1, RngPurpose::programming_noise).fill_normal(100, other);
  EXPECT_NE(other, all);
}

// The AVX-512 kernel (where the CPU has it) and the portable one give the same numbers bit for bit,
// including across a carry of the low counter word.
TEST(NoiseStream, AllKernelsGiveIdenticalNumbers) {
  for (uint64_t first : {0ull, 5ull, (1ull << 34) - 37, 12345678901ull}) {
    const NoiseStream s(0xABCDEF12345ull, 11, RngPurpose::output_noise);
    std::vector<float> fast(4099), portable(4099);
    s.fill_normal(first, fast);
    s.fill_normal_portable(first, portable);
    for (size_t i = 0; i < fast.size(); ++i) ASSERT_EQ(fast[i], portable[i]) << first << " + " << i;
  }
}

}  // namespace
}  // namespace aimc::device
