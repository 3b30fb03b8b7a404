// The digital units' fixed-point arithmetic (cores.digital[*].width_bits, chip digital units): a
// graph node's output computed on such a unit is held as integer · 2^−frac_bits in a width_bits
// two's-complement register. ASSUMPTIONS (docs/functional-sim.md): the op computes exactly and rounds
// once at its output, to nearest with ties to even; saturation is symmetric at ±(2^(w−1) − 1) (as
// the partial-sum accumulator, partial_sum.h); the op's constants (BN scale and shift, biases) are
// held exactly; frac_bits comes from the compiler (Program DigitalOp::frac_bits).
#pragma once

#include <cstdint>
#include <span>

namespace aimc::functional {

struct FixedPoint {
  int64_t width_bits = 0;  // 2..32
  int32_t frac_bits = 0;   // may be negative (an LSB above 1)
};

// out[i] = clamp(round_even(in[i] · 2^f), ±(2^(w−1) − 1)) · 2^−f. NaN stays NaN. in and out have
// the same size and are the same buffer or do not overlap.
void to_fixed_point(std::span<const float> in, std::span<float> out, FixedPoint format);
inline void to_fixed_point(std::span<float> v, FixedPoint format) { to_fixed_point(v, v, format); }

}  // namespace aimc::functional
