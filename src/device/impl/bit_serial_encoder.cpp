// `input.kind: bit-serial` — the integer code is applied one bit-plane per array evaluation and
// the plane results are recombined by shift-and-add (Jia et al. BPBS).
//   two's complement: codes −2^(bits−1) .. 2^(bits−1) − 1, plane p weighs 2^p, the MSB −2^(bits−1)
//   unsigned:         codes 0 .. 2^bits − 1, plane p weighs 2^p
// Bipolar (sign-magnitude) bit-serial inputs are not modelled (no chip uses them).
#include "core/error.h"
#include "device/impl/device_impls.h"

namespace aimc::device {

namespace {

class BitSerialEncoder final : public IInputEncoder {
 public:
  BitSerialEncoder(int64_t bits, bool twos_complement) : m_bits(bits), m_twos(twos_complement) {}

  std::string_view name() const override { return "bit-serial"; }
  int64_t bits() const override { return m_bits; }
  int64_t code_min() const override { return m_twos ? -(int64_t{1} << (m_bits - 1)) : 0; }
  int64_t code_max() const override { return m_twos ? (int64_t{1} << (m_bits - 1)) - 1 : (int64_t{1} << m_bits) - 1; }
  bool bit_serial() const override { return true; }
  int64_t plane_weight(int64_t p) const override {
    const int64_t w = int64_t{1} << p;
    return m_twos && p == m_bits - 1 ? -w : w;
  }

 private:
  int64_t m_bits;
  bool m_twos;
};

}  // namespace

std::unique_ptr<IInputEncoder> make_bit_serial_encoder(const chip::InputEncoderSpec& input, int64_t bits) {
  if (input.sign == chip::InputSign::Bipolar) {
    throw Error("bipolar bit-serial inputs are not modelled; use twos-complement or unsigned",
                ErrorContext{.field = "cores.input.sign"});
  }
  if (input.sign == chip::InputSign::TwosComplement && bits < 2) {
    throw Error("a two's-complement input needs at least 2 bits", ErrorContext{.field = "cores.input.bits"});
  }
  return std::make_unique<BitSerialEncoder>(bits, input.sign == chip::InputSign::TwosComplement);
}

}  // namespace aimc::device
