// IInputEncoder: how an input value becomes what drives a crossbar row (STYLE P1; chosen by
// `cores.input.kind`): a PWM pulse or DAC level of n bits, or bit-planes applied one per
// conversion (bit-serial).
//
// Every encoder first maps a value x to an integer code q = clamp(round_even(x / step), code_min,
// code_max), `step` being the value of one input LSB (TileScaling::input_step).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace aimc::device {

class IInputEncoder {
 public:
  virtual ~IInputEncoder() = default;
  virtual std::string_view name() const = 0;
  virtual int64_t bits() const = 0;
  virtual int64_t code_min() const = 0;
  virtual int64_t code_max() const = 0;
  // True when the code is applied as bit-planes, one per conversion.
  virtual bool bit_serial() const = 0;
  // The weight of bit-plane p in the recombination (bit-serial; two's complement: −2^(bits−1) for
  // the MSB plane). Pre: 0 ≤ p < bits.
  virtual int64_t plane_weight(int64_t p) const = 0;

  // codes[i] = the code of x[i] (as a float holding an integer; never −0). Pre: step > 0, equal
  // sizes. Returns whether a code is negative (its sign bit set), found in the same pass: four-phase
  // reads skip their negative-input GEMM when none is.
  bool encode(std::span<const float> x, float step, std::span<float> codes) const;
  // The same codes as bytes (two's complement where code_min < 0), and the same return value, in one
  // pass (an int8 GEMM's operand). Pre: the codes fit a byte (code_min ≥ −128, code_max ≤ 127, or
  // 255 when code_min ≥ 0).
  bool encode_bytes(std::span<const float> x, float step, std::span<uint8_t> bytes) const;
};

}  // namespace aimc::device
