#include "sim/functional/partial_sum.h"

#include "core/error.h"

namespace aimc::functional {

// Vectorised (target clones, no library rounding call): std::nearbyint's ties-to-even rounding as
// (x + 1.5·2^52) − 1.5·2^52, exact for |x| < 2^51, so x is first clamped to ±2^33 (beyond ±2·hi,
// where the result saturates anyway).
__attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4"))) void accumulate_partial_sums(
    std::span<int32_t> acc, std::span<const float> partial, float lsb, int64_t width_bits) {
  AIMC_ASSERT(acc.size() == partial.size() && lsb > 0 && width_bits >= 2 && width_bits <= 32,
              "accumulate_partial_sums: bad arguments");
  const auto hi = static_cast<double>((int64_t{1} << (width_bits - 1)) - 1);
  constexpr double kRange = 8589934592.0;        // 2^33
  constexpr double kMagic = 6755399441055744.0;  // 1.5 · 2^52
  const double step = lsb;
  int32_t* __restrict a = acc.data();
  const float* __restrict p = partial.data();
  for (size_t i = 0; i < acc.size(); ++i) {
    double x = static_cast<double>(p[i]) / step;
    x = x < -kRange ? -kRange : (x > kRange ? kRange : x);
    double q = (x + kMagic) - kMagic;
    q = q < -2.0 * hi ? -2.0 * hi : (q > 2.0 * hi ? 2.0 * hi : q);
    const double sum = static_cast<double>(a[i]) + q;
    a[i] = static_cast<int32_t>(sum < -hi ? -hi : (sum > hi ? hi : sum));
  }
}

void partial_sums_to_values(std::span<const int32_t> acc, float lsb, std::span<float> out) {
  for (size_t i = 0; i < acc.size(); ++i) out[i] = static_cast<float>(acc[i]) * lsb;
}

}  // namespace aimc::functional
