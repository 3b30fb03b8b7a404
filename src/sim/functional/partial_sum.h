// Partial sums of a layer split over several tiles by rows (each tile a block of the inputs),
// accumulated as the chip's digital unit does (HERMES LDPU, Jia's SIMD): each partial output is
// rounded to the accumulator's LSB and added in a `width_bits` two's-complement register that
// saturates at ±(2^(width_bits−1) − 1) after every addition. The executor owns the order of the
// additions (tile order) and the LSB (typically the finest tile output LSB).
#pragma once

#include <cstdint>
#include <span>

namespace aimc::functional {

// acc[i] = saturate(acc[i] + round_even(partial[i] / lsb)). Pre: equal sizes, lsb > 0, 2 ≤ width ≤ 32.
void accumulate_partial_sums(std::span<int32_t> acc, std::span<const float> partial, float lsb, int64_t width_bits);
// out[i] = acc[i]·lsb (the weight-domain value of the accumulated sums).
void partial_sums_to_values(std::span<const int32_t> acc, float lsb, std::span<float> out);

}  // namespace aimc::functional
