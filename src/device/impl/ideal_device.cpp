// `technology: ideal` — exact conductances: no programming error, drift or read noise. The range
// is a nominal [0, 1] µS per device; only the ratio of conductances reaches the outputs.
#include <algorithm>

#include "chip/devices/ideal.h"
#include "device/impl/device_impls.h"

namespace aimc::device {

namespace {

class IdealDevice final : public IDeviceModel {
 public:
  std::string_view name() const override { return "ideal"; }
  double g_min_us() const override { return 0.0; }
  double g_max_us() const override { return 1.0; }
  double prog_sigma_us(double) const override { return 0.0; }

  void program(std::span<const float> g_target, const DeviceDraw&, uint32_t, std::span<float> g_prog) const override {
    std::copy(g_target.begin(), g_target.end(), g_prog.begin());
  }
  void drift_exponents(std::span<const float>, const DeviceDraw&, std::span<float> nu) const override {
    std::fill(nu.begin(), nu.end(), 0.0f);
  }
  void read(std::span<const float> g_prog, std::span<const float>, double, const DeviceDraw&, uint64_t,
            std::span<float> g_out) const override {
    std::copy(g_prog.begin(), g_prog.end(), g_out.begin());
  }
};

}  // namespace

chip::DeviceTechnology ideal_technology() {
  chip::DeviceTechnology t = chip::make_device_technology("ideal", "exact weights, no noise", chip::ideal_schema(),
                                                          {.cell = chip::CellKind::AnalogPair});
  t.model = [](const chip::CoreSpec&) { return std::make_unique<IdealDevice>(); };
  return t;
}

}  // namespace aimc::device
