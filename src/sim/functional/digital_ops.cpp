#include "sim/functional/digital_ops.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace aimc::functional {

void to_fixed_point(std::span<float> v, FixedPoint format) {
  AIMC_ASSERT(format.width_bits >= 2 && format.width_bits <= 32, "fixed-point width must be 2..32 bits");
  const double scale = std::ldexp(1.0, format.frac_bits), lsb = std::ldexp(1.0, -format.frac_bits);
  const double top = std::ldexp(1.0, static_cast<int>(format.width_bits) - 1) - 1.0;
  for (float& x : v) {
    if (std::isnan(x)) continue;
    // Exact in double: |x·2^f| is an fp32 value times a power of two; nearbyint rounds ties to even.
    const double q = std::nearbyint(std::clamp(static_cast<double>(x) * scale, -top, top));
    x = static_cast<float>(q * lsb);
  }
}

}  // namespace aimc::functional
