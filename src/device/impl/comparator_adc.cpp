// `adc.kind: comparator` — a per-column sense amplifier deciding the sign of the column's
// differential signal (Zhang & Verma: BL vs BLB): code = +1 when v·gain_c + offset_c ≥ 0, else −1.
// Here v is in units of one unit product (input code × weight unit) and offset_lsb_std is read in
// those units.
#include "device/impl/device_impls.h"

namespace aimc::device {

namespace {

class ComparatorAdc final : public IAdc {
 public:
  std::string_view name() const override { return "comparator"; }
  int64_t bits() const override { return 1; }
  float code_min() const override { return -1.0f; }
  float code_max() const override { return 1.0f; }

  void convert(std::span<float> v, int64_t cols, const AdcColumns& columns) const override {
    const size_t rows = v.size() / static_cast<size_t>(cols);
    for (size_t r = 0; r < rows; ++r) {
      float* row = v.data() + r * static_cast<size_t>(cols);
      for (int64_t c = 0; c < cols; ++c) row[c] = row[c] * columns.gain[c] + columns.offset[c] >= 0.0f ? 1.0f : -1.0f;
    }
  }
};

}  // namespace

std::unique_ptr<IAdc> make_comparator_adc(const chip::AdcSpec&, AdcPolarity) { return std::make_unique<ComparatorAdc>(); }

}  // namespace aimc::device
