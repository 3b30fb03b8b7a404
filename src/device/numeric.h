// Small numeric helpers of the converter models, written so loops over them vectorise.
#pragma once

#include <cstdint>

namespace aimc::device {

// Round to the nearest integer, ties to even, for |x| < 2^22 (the converters' code range): adding
// and subtracting 1.5·2^23 leaves the rounded value in IEEE single precision (default rounding).
inline float round_even(float x) {
  constexpr float kMagic = 12582912.0f;  // 1.5 · 2^23 (never folded: aimc builds without -ffast-math)
  return (x + kMagic) - kMagic;
}

inline float clampf(float x, float lo, float hi) { return x < lo ? lo : (x > hi ? hi : x); }

// The largest magnitude of a signed code of `bits` bits in a symmetric range (8 bits: 127).
inline int64_t symmetric_code_max(int64_t bits) { return (int64_t{1} << (bits - 1)) - 1; }

}  // namespace aimc::device
