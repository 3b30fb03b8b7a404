// Exact reductions of float arrays, vectorised (target clones for AVX2 and AVX-512).
#pragma once

#include <cstdint>

namespace aimc {

// max(init, max |x[i]|) over x[0..n).
float max_abs(const float* x, int64_t n, float init = 0.0f);
// lo = min(lo, x[i]) and hi = max(hi, x[i]) over x[0..n).
void extend_hull(const float* x, int64_t n, float& lo, float& hi);
// The index of the first NaN or infinity in x[0..n), or -1: inputs a chip's encoders cannot take.
int64_t first_non_finite(const float* x, int64_t n);

}  // namespace aimc
