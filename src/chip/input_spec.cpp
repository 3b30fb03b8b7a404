#include "chip/input_spec.h"

#include "chip/schema/schema.h"

namespace aimc::chip {

namespace {
const EnumCodec<InputKind>& input_kind_codec() {
  static const EnumCodec<InputKind> c{{{"pwm", InputKind::Pwm}, {"dac", InputKind::Dac}, {"bit-serial", InputKind::BitSerial}}};
  return c;
}
const EnumCodec<InputSign>& sign_codec() {
  static const EnumCodec<InputSign> c{
      {{"unsigned", InputSign::Unsigned}, {"bipolar", InputSign::Bipolar}, {"twos-complement", InputSign::TwosComplement}}};
  return c;
}
}  // namespace

std::string to_string(InputKind kind) { return input_kind_codec().name_of(kind); }
std::string to_string(InputSign sign) { return sign_codec().name_of(sign); }

const Schema<InputEncoderSpec>& input_schema() {
  static const Schema<InputEncoderSpec> s =
      Schema<InputEncoderSpec>("input", "How input activations are applied to the crossbar rows.")
          .required("kind", &InputEncoderSpec::kind, input_kind_codec(),
                    "`pwm` (pulse length), `dac` (amplitude) or `bit-serial` (one bit-plane per array evaluation)")
          .required("bits", &InputEncoderSpec::bits, IntCodec{1, 16}, "largest input precision, sign included")
          .required("sign", &InputEncoderSpec::sign, sign_codec(),
                    "`unsigned`, `bipolar` (sign applied in the same step) or `twos-complement` (bit-serial, "
                    "MSB plane weighted negatively)")
          .optional("t_lsb_ns", &InputEncoderSpec::t_lsb_ns, RealCodec{0, 1e6, true}, "pwm only: pulse duration per LSB (ns)")
          .defaulted("skip_zero_planes", &InputEncoderSpec::skip_zero_planes, BoolCodec{}, false,
                     "bit-serial only: a bit-plane whose bits are all 0 on an array's driven rows is skipped (neither "
                     "evaluated nor converted); perf prices it from the input activity measured on calibration data")
          .rule("`skip_zero_planes` needs kind bit-serial",
                [](const InputEncoderSpec& in, const Site& site) {
                  if (in.skip_zero_planes && in.kind != InputKind::BitSerial) {
                    site.fail_key("skip_zero_planes", "only for kind bit-serial; got kind " + to_string(in.kind));
                  }
                })
          .rule("`t_lsb_ns` is given exactly when kind is pwm",
                [](const InputEncoderSpec& in, const Site& site) {
                  if (in.kind == InputKind::Pwm && !in.t_lsb_ns) {
                    site.fail_key("t_lsb_ns", "missing; expected a number in (0, 1e+06] for kind pwm");
                  }
                  if (in.kind != InputKind::Pwm && in.t_lsb_ns) {
                    site.fail_key("t_lsb_ns", "only for kind pwm; remove it for kind " + to_string(in.kind));
                  }
                })
          .rule("sign twos-complement needs kind bit-serial",
                [](const InputEncoderSpec& in, const Site& site) {
                  if (in.sign == InputSign::TwosComplement && in.kind != InputKind::BitSerial) {
                    site.fail_key("sign", "twos-complement needs kind bit-serial; got kind " + to_string(in.kind));
                  }
                })
          .rule("a bipolar pwm or dac input has at least 2 bits", [](const InputEncoderSpec& in, const Site& site) {
            if (in.bits < min_level_bits(in)) {
              site.fail_key("bits", fmt::format("{} bit for a bipolar {} input, which has no code but 0; expected at least {}",
                                                in.bits, to_string(in.kind), min_level_bits(in)));
            }
          });
  return s;
}

int64_t min_level_bits(const InputEncoderSpec& input) {
  return input.sign == InputSign::Bipolar && input.kind != InputKind::BitSerial ? 2 : 1;
}

std::vector<int64_t> peak_input_bits(const InputEncoderSpec& input) {
  if (input.kind != InputKind::BitSerial) return {input.bits};
  std::vector<int64_t> bits;
  for (int64_t b = 1; b < input.bits; b *= 2) bits.push_back(b);
  bits.push_back(input.bits);
  return bits;
}

double pwm_pulse_ns(const InputEncoderSpec& input, int64_t bits) {
  const double levels = input.sign == InputSign::Unsigned ? static_cast<double>((int64_t{1} << bits) - 1)
                                                          : static_cast<double>(int64_t{1} << (bits - 1));
  return levels * input.t_lsb_ns.value_or(0.0);
}

}  // namespace aimc::chip
