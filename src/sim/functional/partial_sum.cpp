#include "sim/functional/partial_sum.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace aimc::functional {

void accumulate_partial_sums(std::span<int32_t> acc, std::span<const float> partial, float lsb, int64_t width_bits) {
  AIMC_ASSERT(acc.size() == partial.size() && lsb > 0 && width_bits >= 2 && width_bits <= 32,
              "accumulate_partial_sums: bad arguments");
  const int64_t hi = (int64_t{1} << (width_bits - 1)) - 1;
  for (size_t i = 0; i < acc.size(); ++i) {
    const double q = std::nearbyint(static_cast<double>(partial[i]) / lsb);
    const double sum = static_cast<double>(acc[i]) + std::clamp(q, -2.0 * hi, 2.0 * hi);
    acc[i] = static_cast<int32_t>(std::clamp(sum, -static_cast<double>(hi), static_cast<double>(hi)));
  }
}

void partial_sums_to_values(std::span<const int32_t> acc, float lsb, std::span<float> out) {
  for (size_t i = 0; i < acc.size(); ++i) out[i] = static_cast<float>(acc[i]) * lsb;
}

}  // namespace aimc::functional
