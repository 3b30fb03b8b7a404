// `technology: rram` — generic Gaussian RRAM (chip/devices/rram.h): targets snapped to `levels`
// evenly spaced conductances when given, programming error σ = prog_noise_rel_std·g_max, optional
// power-law drift g·((t + t0)/t0)^−ν, and read noise σ = read_noise_rel_std·g. The read noise is
// drawn once per read epoch (Tile::set_time), like the accumulated PCM read noise; per-MVM noise is
// the read mode's output noise.
#include <algorithm>
#include <cmath>

#include "chip/devices/rram.h"
#include "device/impl/device_impls.h"
#include "device/noise_stream.h"

namespace aimc::device {

namespace {

class RramDevice final : public IDeviceModel {
 public:
  explicit RramDevice(const chip::RramSpec& spec) : m_spec(spec) {}

  std::string_view name() const override { return "rram"; }
  double g_min_us() const override { return m_spec.g_min_us; }
  double g_max_us() const override { return m_spec.g_max_us; }
  double prog_sigma_us(double) const override { return m_spec.prog_noise_rel_std * m_spec.g_max_us; }

  void program(std::span<const float> g_target, const DeviceDraw& draw, uint32_t attempt,
               std::span<float> g_prog) const override {
    const NoiseStream noise(draw.seed, draw.stream, RngPurpose::programming_noise);
    noise.fill_normal((uint64_t{attempt} << kDeviceIndexBits) + draw.first, g_prog);
    const float sigma = static_cast<float>(prog_sigma_us(0));
    for (size_t i = 0; i < g_target.size(); ++i) g_prog[i] = std::max(snap(g_target[i]) + sigma * g_prog[i], 0.0f);
  }

  void drift_exponents(std::span<const float>, const DeviceDraw&, std::span<float> nu) const override {
    std::fill(nu.begin(), nu.end(), static_cast<float>(m_spec.drift_nu.value_or(0.0)));
  }

  void read(std::span<const float> g_prog, std::span<const float> nu, double t_s, const DeviceDraw& draw, uint64_t epoch,
            std::span<float> g_out) const override {
    const double t0 = m_spec.t0_s.value_or(1.0);
    const double log_ratio = std::log((t_s + t0) / t0);
    const NoiseStream noise(draw.seed, draw.stream, RngPurpose::read_noise);
    noise.fill_normal((epoch << kDeviceIndexBits) + draw.first, g_out);
    for (size_t i = 0; i < g_prog.size(); ++i) {
      const double g = g_prog[i] * std::exp(-static_cast<double>(nu[i]) * log_ratio);
      g_out[i] = static_cast<float>(std::max(g + m_spec.read_noise_rel_std * std::fabs(g) * g_out[i], 0.0));
    }
  }

 private:
  // The nearest of `levels` evenly spaced conductances in [g_min, g_max] (continuous when absent).
  float snap(float g) const {
    if (!m_spec.levels) return g;
    const double span = m_spec.g_max_us - m_spec.g_min_us;
    const double steps = static_cast<double>(*m_spec.levels - 1);
    const double k = std::clamp(std::nearbyint((g - m_spec.g_min_us) / span * steps), 0.0, steps);
    return static_cast<float>(m_spec.g_min_us + k * span / steps);
  }

  chip::RramSpec m_spec;
};

}  // namespace

chip::DeviceTechnology rram_technology() {
  chip::DeviceTechnology t = chip::make_device_technology("rram", "resistive RAM, Gaussian model", chip::rram_schema(),
                                                          {.cell = chip::CellKind::AnalogPair});
  t.model = [](const chip::CoreSpec& core) { return std::make_unique<RramDevice>(core.device.as<chip::RramSpec>()); };
  return t;
}

}  // namespace aimc::device
