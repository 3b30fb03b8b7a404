// How input activations reach the crossbar rows (`cores.input`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace aimc::chip {

template <class S>
class Schema;

enum class InputKind {
  Pwm,        // time-encoded: one pulse whose length is the value (HERMES, 1 ns/LSB)
  Dac,        // amplitude-encoded by a DAC (Zhang & Verma's word-line DAC)
  BitSerial,  // one bit-plane per array evaluation, recombined by shift-and-add (Jia et al. BPBS)
};

enum class InputSign {
  Unsigned,        // inputs are non-negative
  Bipolar,         // a signed value drives the row with its sign in one step (V_cm ± V_read)
  TwosComplement,  // bit-serial two's complement: the MSB plane is weighted negatively
};

struct InputEncoderSpec {
  InputKind kind = InputKind::Pwm;
  int64_t bits = 0;  // largest input precision, sign included
  InputSign sign = InputSign::Unsigned;
  std::optional<double> t_lsb_ns;  // pwm only: pulse time per LSB
  // bit-serial only: a bit-plane whose bits are all 0 on an array's driven rows is neither evaluated nor
  // converted (its time and conversions are saved; priced from the measured InputActivity).
  bool skip_zero_planes = false;
};

const Schema<InputEncoderSpec>& input_schema();
std::string to_string(InputKind kind);
std::string to_string(InputSign sign);

// The fewest bits an input can be applied with: a bipolar PWM or DAC encoder's codes are
// ±(2^(bits−1) − 1), so at 1 bit it has only 0; bit-serial and unsigned encoders work at 1 bit.
int64_t min_level_bits(const InputEncoderSpec& input);

// The input precisions peak figures are given at: bit-serial encoders at 1, 2, 4, 8... up to
// `bits` and at `bits`; PWM and DAC encoders at `bits`.
std::vector<int64_t> peak_input_bits(const InputEncoderSpec& input);

// The longest PWM pulse (ns) at `bits` of input: magnitude levels × t_lsb_ns (signed inputs carry
// their sign separately, so 2^(bits−1) levels; unsigned 2^bits − 1).
double pwm_pulse_ns(const InputEncoderSpec& input, int64_t bits);

}  // namespace aimc::chip
