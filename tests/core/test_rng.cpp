#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/rng.h"
#include "core/threads.h"

namespace aimc {

TEST(Rng, SameKeySameNumbersAnyOrder) {
  Rng a(1234, 7, RngPurpose::programming_noise);
  Rng b(1234, 7, RngPurpose::programming_noise);
  std::vector<float> forward(1000), backward(1000);
  for (size_t i = 0; i < 1000; ++i) forward[i] = a.normal(i);
  for (size_t i = 1000; i-- > 0;) backward[i] = b.normal(i);
  EXPECT_EQ(forward, backward);
}

TEST(Rng, FillMatchesPerIndexAtAnyOffset) {
  Rng r(99, 3, RngPurpose::read_noise);
  for (uint64_t first : {0u, 1u, 2u, 3u, 5u, 1001u}) {
    for (size_t n : {1u, 3u, 4u, 7u, 33u}) {
      std::vector<float> normals(n), uniforms(n);
      r.fill_normal(first, normals);
      r.fill_uniform(first, uniforms);
      for (size_t i = 0; i < n; ++i) {
        EXPECT_EQ(normals[i], r.normal(first + i)) << first << " " << i;
        EXPECT_EQ(uniforms[i], r.uniform(first + i)) << first << " " << i;
      }
    }
  }
}

TEST(Rng, SeedStreamAndPurposeAllChangeTheNumbers) {
  float base = Rng(1, 1, RngPurpose::programming_noise).normal(0);
  EXPECT_NE(base, Rng(2, 1, RngPurpose::programming_noise).normal(0));
  EXPECT_NE(base, Rng(1, 2, RngPurpose::programming_noise).normal(0));
  EXPECT_NE(base, Rng(1, 1, RngPurpose::read_noise).normal(0));
  EXPECT_NE(Rng(1ull << 40, 1, RngPurpose::test).bits(0), Rng(0, 1, RngPurpose::test).bits(0));
}

TEST(Rng, NormalMomentsMatchStandardNormal) {
  Rng r(42, 0, RngPurpose::test);
  const size_t n = 1'000'000;
  std::vector<float> x(n);
  r.fill_normal(0, x);
  double s1 = 0, s2 = 0, s4 = 0;
  for (float v : x) {
    s1 += v;
    s2 += double(v) * v;
    s4 += double(v) * v * v * v;
  }
  double mean = s1 / n, var = s2 / n - mean * mean, kurt = s4 / n;
  // Standard errors: mean 1e-3, variance ~1.4e-3, fourth moment ~1e-2 (5 sigma bounds).
  EXPECT_NEAR(mean, 0.0, 5e-3);
  EXPECT_NEAR(var, 1.0, 7e-3);
  EXPECT_NEAR(kurt, 3.0, 5e-2);
}

TEST(Rng, UniformMomentsAndRange) {
  Rng r(7, 0, RngPurpose::test);
  const size_t n = 1'000'000;
  std::vector<float> x(n);
  r.fill_uniform(0, x);
  double s1 = 0, s2 = 0;
  for (float v : x) {
    ASSERT_GT(v, 0.0f);
    ASSERT_LT(v, 1.0f);
    s1 += v;
    s2 += double(v) * v;
  }
  double mean = s1 / n, var = s2 / n - mean * mean;
  EXPECT_NEAR(mean, 0.5, 2e-3);
  EXPECT_NEAR(var, 1.0 / 12.0, 1e-3);
}

TEST(Rng, ParallelFillIsIdenticalToSerial) {
  Rng r(5, 11, RngPurpose::programming_noise);
  const size_t n = 100'003;
  std::vector<float> serial(n), parallel(n);
  r.fill_normal(0, serial);
  ThreadScope scope(2);
#pragma omp parallel for schedule(dynamic, 97)
  for (long i = 0; i < static_cast<long>(n); i += 1000) {
    size_t len = std::min<size_t>(1000, n - static_cast<size_t>(i));
    r.fill_normal(static_cast<uint64_t>(i), std::span<float>(parallel.data() + i, len));
  }
  EXPECT_EQ(serial, parallel);
}

}  // namespace aimc
