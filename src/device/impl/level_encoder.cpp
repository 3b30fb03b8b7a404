// `input.kind: pwm` and `dac` — one pulse length (PWM, HERMES: 1 ns per LSB) or one word-line level
// (Zhang & Verma's WLDAC) per input, applied in a single array evaluation. Numerically the two are
// the same quantiser; they differ in timing and energy (chip/read_mode_spec.h).
//   unsigned: codes 0 .. 2^bits − 1
//   bipolar:  codes −(2^(bits−1) − 1) .. 2^(bits−1) − 1, the sign driving V_cm ± V_read (HERMES-Core);
//             symmetric like aihwkit's inp_res = 1/(2^(bits−1) − 1) per side (8 bits: ±127).
#include <fmt/format.h>

#include "core/error.h"
#include "device/impl/device_impls.h"
#include "device/numeric.h"

namespace aimc::device {

namespace {

class LevelEncoder final : public IInputEncoder {
 public:
  LevelEncoder(std::string_view name, int64_t bits, bool is_signed) : m_name(name), m_bits(bits), m_signed(is_signed) {}

  std::string_view name() const override { return m_name; }
  int64_t bits() const override { return m_bits; }
  int64_t code_min() const override { return m_signed ? -symmetric_code_max(m_bits) : 0; }
  int64_t code_max() const override { return m_signed ? symmetric_code_max(m_bits) : (int64_t{1} << m_bits) - 1; }
  bool bit_serial() const override { return false; }
  int64_t plane_weight(int64_t) const override { return 1; }

 private:
  std::string_view m_name;
  int64_t m_bits;
  bool m_signed;
};

}  // namespace

std::unique_ptr<IInputEncoder> make_level_encoder(const chip::InputEncoderSpec& input, int64_t bits) {
  if (input.sign == chip::InputSign::TwosComplement) {
    throw Error("two's-complement inputs need a bit-serial encoder, not " + chip::to_string(input.kind),
                ErrorContext{.field = "cores.input.sign"});
  }
  if (bits < chip::min_level_bits(input)) {  // the chip file and quantize refuse it first
    throw Error(fmt::format("a bipolar input needs at least {} bits", chip::min_level_bits(input)),
                ErrorContext{.field = "cores.input.bits"});
  }
  return std::make_unique<LevelEncoder>(input.kind == chip::InputKind::Pwm ? "pwm" : "dac", bits,
                                        input.sign == chip::InputSign::Bipolar);
}

}  // namespace aimc::device
