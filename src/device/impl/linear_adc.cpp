// `adc.kind: cco`, `sar`, `flash`, `ideal` — a uniform quantiser with saturation:
//   code = clamp(round_even(v·gain_c + offset_c), code_min, code_max),  v in LSB units.
//   signed (differential columns):  codes ±(2^(bits−1) − 1), symmetric (aihwkit out_res = 1/(2^bits − 2))
//   unsigned (charge-domain levels): codes 0 .. 2^bits − 1
// The architectures differ in timing and energy, not in this transfer curve; a published
// nonlinearity would be one more implementation here.
#include "device/impl/device_impls.h"
#include "device/numeric.h"

namespace aimc::device {

namespace {

// The transfer curve over a rows × cols block, compiled per ISA level (run-time selection; no FMA
// contraction: the same codes on every CPU).
__attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4"))) void quantise(
    float* v, size_t rows, int64_t cols, const float* __restrict gain, const float* __restrict offset, float lo, float hi) {
  for (size_t r = 0; r < rows; ++r) {
    float* __restrict row = v + r * static_cast<size_t>(cols);
    for (int64_t c = 0; c < cols; ++c) row[c] = round_even(clampf(row[c] * gain[c] + offset[c], lo, hi));
  }
}

class LinearAdc final : public IAdc {
 public:
  LinearAdc(std::string name, int64_t bits, AdcPolarity polarity)
      : m_name(std::move(name)),
        m_bits(bits),
        m_min(polarity == AdcPolarity::Signed ? -static_cast<float>(symmetric_code_max(bits)) : 0.0f),
        m_max(polarity == AdcPolarity::Signed ? static_cast<float>(symmetric_code_max(bits))
                                              : static_cast<float>((int64_t{1} << bits) - 1)) {}

  std::string_view name() const override { return m_name; }
  int64_t bits() const override { return m_bits; }
  float code_min() const override { return m_min; }
  float code_max() const override { return m_max; }
  bool linear() const override { return true; }

  void convert(std::span<float> v, int64_t cols, const AdcColumns& columns) const override {
    quantise(v.data(), v.size() / static_cast<size_t>(cols), cols, columns.gain.data(), columns.offset.data(), m_min, m_max);
  }

 private:
  std::string m_name;
  int64_t m_bits;
  float m_min, m_max;
};

}  // namespace

std::unique_ptr<IAdc> make_linear_adc(const chip::AdcSpec& adc, AdcPolarity polarity) {
  return std::make_unique<LinearAdc>(chip::to_string(adc.kind), adc.bits, polarity);
}

}  // namespace aimc::device
