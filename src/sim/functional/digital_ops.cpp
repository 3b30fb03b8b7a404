#include "sim/functional/digital_ops.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace aimc::functional {

namespace {
// The float form of the loop below, vectorised: for width ≤ 23 bits and |frac| ≤ 100 every step is
// exact in float (x·2^f and q·2^−f are power-of-two scalings inside float's range, |q| < 2^22), and
// (y + 1.5·2^23) − 1.5·2^23 rounds y to the nearest integer, ties to even, as nearbyint does for
// |y| < 2^22; copysign restores the sign of a zero (−0.3 → −0). NaN stays NaN. Bit-identical to the
// double loop (tests/functional/test_digital_ops.cpp).
__attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4"))) void to_fixed_point_float(const float* in,
                                                                                                        float* out, size_t n,
                                                                                                        float scale, float lsb,
                                                                                                        float top) {
  constexpr float kMagic = 12582912.0f;  // 1.5 · 2^23
  for (size_t i = 0; i < n; ++i) {
    float y = in[i] * scale;
    y = y < -top ? -top : y;
    y = y > top ? top : y;
    out[i] = std::copysign((y + kMagic) - kMagic, y) * lsb;
  }
}
}  // namespace

void to_fixed_point(std::span<const float> in, std::span<float> out, FixedPoint format) {
  AIMC_ASSERT(format.width_bits >= 2 && format.width_bits <= 32, "fixed-point width must be 2..32 bits");
  AIMC_ASSERT(in.size() == out.size(), "to_fixed_point: in and out differ in size");
  if (format.width_bits <= 23 && format.frac_bits >= -100 && format.frac_bits <= 100) {
    to_fixed_point_float(in.data(), out.data(), in.size(), std::ldexp(1.0f, format.frac_bits),
                         std::ldexp(1.0f, -format.frac_bits), std::ldexp(1.0f, static_cast<int>(format.width_bits) - 1) - 1.0f);
    return;
  }
  const double scale = std::ldexp(1.0, format.frac_bits), lsb = std::ldexp(1.0, -format.frac_bits);
  const double top = std::ldexp(1.0, static_cast<int>(format.width_bits) - 1) - 1.0;
  for (size_t i = 0; i < in.size(); ++i) {
    const float x = in[i];
    if (std::isnan(x)) {
      out[i] = x;
      continue;
    }
    // Exact in double: |x·2^f| is an fp32 value times a power of two; nearbyint rounds ties to even.
    const double q = std::nearbyint(std::clamp(static_cast<double>(x) * scale, -top, top));
    out[i] = static_cast<float>(q * lsb);
  }
}

}  // namespace aimc::functional
