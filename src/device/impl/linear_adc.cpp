// `adc.kind: cco`, `sar`, `flash`, `ideal` — a uniform quantiser with saturation:
//   code = clamp(round_even(v·gain_c + offset_c), code_min, code_max),  v in LSB units.
//   signed (differential columns):  codes ±(2^(bits−1) − 1), symmetric (aihwkit out_res = 1/(2^bits − 2))
//   unsigned (charge-domain levels): codes 0 .. 2^bits − 1
// The architectures differ in timing and energy, not in this transfer curve.
// Optional static nonlinearity (`adc.inl_lsb`): before quantisation v gets the cubic bow
//   e(v) = k·(u³ − u),  u = v mapped linearly from [code_min, code_max] to [−1, 1],  k = inl·3√3/2,
// which is 0 at mid-scale and at both ends and peaks at |e| = inl LSB at u = ±1/√3 (a classic
// INL shape; no reference publishes the chips' curves, so the magnitude is the user's parameter).
#include <cmath>

#include "device/impl/device_impls.h"
#include "device/numeric.h"

namespace aimc::device {

namespace {

// The transfer curve over a rows × cols block, compiled per ISA level (run-time selection; no FMA
// contraction: the same codes on every CPU).
__attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4"))) void quantise(float* v, size_t rows, int64_t cols,
                                                                                            const float* __restrict gain,
                                                                                            const float* __restrict offset,
                                                                                            float lo, float hi) {
  for (size_t r = 0; r < rows; ++r) {
    float* __restrict row = v + r * static_cast<size_t>(cols);
    for (int64_t c = 0; c < cols; ++c) row[c] = round_even(clampf(row[c] * gain[c] + offset[c], lo, hi));
  }
}

class LinearAdc final : public IAdc {
 public:
  LinearAdc(std::string name, int64_t bits, AdcPolarity polarity, double inl_lsb)
      : m_name(std::move(name)),
        m_bits(bits),
        m_bow(static_cast<float>(inl_lsb * 1.5 * std::sqrt(3.0))),
        m_min(polarity == AdcPolarity::Signed ? -static_cast<float>(symmetric_code_max(bits)) : 0.0f),
        m_max(polarity == AdcPolarity::Signed ? static_cast<float>(symmetric_code_max(bits))
                                              : static_cast<float>((int64_t{1} << bits) - 1)) {}

  std::string_view name() const override { return m_name; }
  int64_t bits() const override { return m_bits; }
  float code_min() const override { return m_min; }
  float code_max() const override { return m_max; }
  bool linear() const override { return m_bow == 0.0f; }

  void convert(std::span<float> v, int64_t cols, const AdcColumns& columns) const override {
    if (m_bow != 0.0f) {
      const float mid = 0.5f * (m_min + m_max), half = 0.5f * (m_max - m_min);
      for (float& x : v) {
        const float u = clampf((x - mid) / half, -1.0f, 1.0f);
        x += m_bow * (u * u * u - u);
      }
    }
    quantise(v.data(), v.size() / static_cast<size_t>(cols), cols, columns.gain.data(), columns.offset.data(), m_min, m_max);
  }

 private:
  std::string m_name;
  int64_t m_bits;
  float m_bow;  // k of the INL bow (LSB); 0 = linear
  float m_min, m_max;
};

}  // namespace

std::unique_ptr<IAdc> make_linear_adc(const chip::AdcSpec& adc, AdcPolarity polarity) {
  return std::make_unique<LinearAdc>(chip::to_string(adc.kind), adc.bits, polarity, adc.inl_lsb);
}

}  // namespace aimc::device
