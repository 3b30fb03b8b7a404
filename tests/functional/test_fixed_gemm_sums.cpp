// What the tile GEMM's sums are (docs/tile-model.md §7): on a CPU with AVX-512, oneDNN's fp32 brgemm
// computes each output of FixedGemm as one fused multiply-add chain over the rows in order, starting
// from +0, for up to 512 rows (a tile of every preset). So the results do not depend on which AVX-512
// CPU runs them, and this test fails if a oneDNN update changes the order. Other CPUs get other
// kernels (the test does not apply there).
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "core/threads.h"
#include "sim/functional/fixed_gemm.h"

namespace aimc::functional {
namespace {

TEST(FixedGemm, SumsEachOutputAsOneFmaChainInRowOrder) {
  if (!__builtin_cpu_supports("avx512f")) GTEST_SKIP() << "no AVX-512: oneDNN runs another kernel";
  ThreadScope one(1);
  for (const int64_t k : {27, 144, 256, 300, 512}) {
    for (const int64_t n : {16, 48, 128}) {
      const int64_t m = 100;  // a full chunk and a partial one
      std::vector<float> a(static_cast<size_t>(m * k)), b(static_cast<size_t>(k * n));
      Rng(21, static_cast<uint64_t>(k), RngPurpose::test).fill_normal(0, a);
      Rng(22, static_cast<uint64_t>(n), RngPurpose::test).fill_normal(0, b);
      for (float& v : a) v = std::fabs(v) < 0.4f ? 0.0f : std::nearbyint(40.0f * v) + 0.0f;  // codes, a third of them 0
      for (float& v : b) v = 8.0f * v;  // signed, as one-phase [G⁺ − G⁻]
      FixedGemm g;
      g.set_weights(b.data(), k, n);
      std::vector<float> y(static_cast<size_t>(m * n));
      g.run(a.data(), m, 3, y.data());
      int64_t differ = 0;
      for (int64_t i = 0; i < m; ++i) {
        for (int64_t j = 0; j < n; ++j) {
          float acc = 0.0f;
          for (int64_t r = 0; r < k; ++r)
            acc = std::fma(a[static_cast<size_t>(i * k + r)], b[static_cast<size_t>(r * n + j)], acc);
          differ += std::bit_cast<uint32_t>(acc) != std::bit_cast<uint32_t>(y[static_cast<size_t>(i * n + j)]) ? 1 : 0;
        }
      }
      EXPECT_EQ(differ, 0) << "k " << k << ", n " << n;
    }
  }
}

}  // namespace
}  // namespace aimc::functional
