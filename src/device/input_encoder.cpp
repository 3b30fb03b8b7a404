#include <bit>
#include <cstdint>

#include "core/error.h"
#include "device/i_input_encoder.h"
#include "device/numeric.h"

namespace aimc::device {

namespace {
// Compiled per ISA level, selected at run time (the same codes on every CPU).
// Returns the OR of the codes' bits (its top bit: a code with its sign bit set).
__attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4"))) uint32_t quantise(const float* __restrict x,
                                                                                                size_t n, float inv, float lo,
                                                                                                float hi,
                                                                                                float* __restrict codes) {
  uint32_t bits = 0;
  for (size_t i = 0; i < n; ++i) {
    codes[i] = round_even(clampf(x[i] * inv, lo, hi));
    bits |= std::bit_cast<uint32_t>(codes[i]);
  }
  return bits;
}

__attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4"))) uint32_t quantise_to_bytes(
    const float* __restrict x, size_t n, float inv, float lo, float hi, uint8_t* __restrict bytes) {
  uint32_t bits = 0;
  for (size_t i = 0; i < n; ++i) {
    const float code = round_even(clampf(x[i] * inv, lo, hi));
    bits |= std::bit_cast<uint32_t>(code);
    bytes[i] = static_cast<uint8_t>(static_cast<int32_t>(code));
  }
  return bits;
}
}  // namespace

bool IInputEncoder::encode(std::span<const float> x, float step, std::span<float> codes) const {
  const uint32_t bits =
      quantise(x.data(), x.size(), 1.0f / step, static_cast<float>(code_min()), static_cast<float>(code_max()), codes.data());
  return (bits >> 31) != 0;  // some code's sign bit
}

bool IInputEncoder::encode_bytes(std::span<const float> x, float step, std::span<uint8_t> bytes) const {
  AIMC_ASSERT(x.size() == bytes.size() && code_min() >= -128 && code_max() <= (code_min() < 0 ? 127 : 255),
              "IInputEncoder::encode_bytes: sizes differ or the codes do not fit a byte");
  const uint32_t bits = quantise_to_bytes(x.data(), x.size(), 1.0f / step, static_cast<float>(code_min()),
                                          static_cast<float>(code_max()), bytes.data());
  return (bits >> 31) != 0;
}

}  // namespace aimc::device
