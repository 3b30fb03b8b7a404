// `technology: pcm` — IBM's statistical PCM models as implemented in aihwkit
// (src/aihwkit/inference/noise/pcm.py PCMLikeNoiseModel, hermes.py HermesNoiseModel; chips.md §1.6).
// The fitted constants live in chip/devices/pcm_constants.{h,cpp}, each with its source.
//
// aihwkit applies its statistics to one conductance per polarity, g ∈ [0, g_max]. A unit cell with
// n devices per polarity (HERMES TDP: n = 2) holds n devices, each targeted at g/n (both devices of
// a polarity share the target, as aihwkit's HERMES docstring assumes). The fitted σ is evaluated at
// the polarity's x = n·g_dev/g_max and each device gets independent noise of σ/√n, so the polarity
// total has exactly aihwkit's σ; likewise for the read noise. ν is drawn per device here; the
// crossbar gives the devices of one polarity device 0's ν (the ν statistics are fitted per polarity).
#include <algorithm>
#include <cmath>
#include <vector>

#include "chip/devices/pcm.h"
#include "device/impl/device_impls.h"
#include "device/noise_stream.h"

namespace aimc::device {

namespace {

class PcmDevice final : public IDeviceModel {
 public:
  PcmDevice(const chip::PcmSpec& spec, int64_t devices_per_polarity)
      : m_spec(spec),
        m_c(chip::pcm_constants(spec.model, devices_per_polarity)),
        m_n(static_cast<double>(devices_per_polarity)) {}

  std::string_view name() const override { return "pcm"; }
  double g_min_us() const override { return m_spec.g_min_us / m_n; }
  double g_max_us() const override { return m_spec.g_max_us / m_n; }

  double prog_sigma_us(double g_target_us) const override {
    // aihwkit: σ_prog = poly(x)·(g_max / g_max_reference)·prog_noise_scale on the polarity.
    const double polarity_sigma = chip::prog_noise_sigma_us(m_c, m_n * g_target_us, m_spec.g_max_us);
    return std::max(polarity_sigma, 0.0) * m_spec.prog_noise_scale / std::sqrt(m_n);
  }

  void program(std::span<const float> g_target, const DeviceDraw& draw, uint32_t attempt,
               std::span<float> g_prog) const override {
    const NoiseStream noise(draw.seed, draw.stream, RngPurpose::programming_noise);
    noise.fill_normal((uint64_t{attempt} << kDeviceIndexBits) + draw.first, g_prog);
    for (size_t i = 0; i < g_target.size(); ++i) {
      const float sigma = static_cast<float>(prog_sigma_us(g_target[i]));
      g_prog[i] = std::max(g_target[i] + sigma * g_prog[i], 0.0f);  // aihwkit clamps at 0
    }
  }

  void drift_exponents(std::span<const float> g_target, const DeviceDraw& draw, std::span<float> nu) const override {
    const NoiseStream noise(draw.seed, draw.stream, RngPurpose::drift_exponent);
    noise.fill_normal(draw.first, nu);
    for (size_t i = 0; i < g_target.size(); ++i) {
      // aihwkit: ν = |μ_ν + σ_ν·N|·drift_scale with x = max(|g_T|/g_max, 1e-7) of the polarity.
      const double g = m_n * g_target[i];
      const double mu = chip::drift_nu_mean(m_c, g, m_spec.g_max_us);
      const double sd = chip::drift_nu_std(m_c, g, m_spec.g_max_us);
      nu[i] = static_cast<float>(std::fabs(mu + sd * nu[i]) * m_spec.drift_scale);
    }
  }

  void read(std::span<const float> g_prog, std::span<const float> nu, double t_s, const DeviceDraw& draw, uint64_t epoch,
            std::span<float> g_out) const override {
    // aihwkit: t = t_inference + t0; g_drift = g_prog·(t/t0)^−ν for t > t0;
    // σ_read = |g_drift|·Q_s(|g_prog|/g_max)·sqrt(ln((t + t_read)/(2 t_read))).
    const double t = t_s + m_spec.t0_s;
    const double log_ratio = std::log(t / m_spec.t0_s);
    const double growth = std::sqrt(std::log((t + m_spec.t_read_s) / (2.0 * m_spec.t_read_s)));
    const NoiseStream noise(draw.seed, draw.stream, RngPurpose::read_noise);
    noise.fill_normal((epoch << kDeviceIndexBits) + draw.first, g_out);
    const double device_share = std::sqrt(m_n);  // n independent devices sum to the polarity's σ
    for (size_t i = 0; i < g_prog.size(); ++i) {
      if (g_prog[i] == 0) {  // stays +0 (drift and read noise scale with g): the result below, without its exp and log
        g_out[i] = 0.0f;
        continue;
      }
      const double drift = t > m_spec.t0_s ? std::exp(-static_cast<double>(nu[i]) * log_ratio) : 1.0;
      const double g_drift = g_prog[i] * drift;
      const double qs = chip::read_noise_qs(m_c, m_n * g_prog[i], m_spec.g_max_us) * m_spec.read_noise_scale;
      const double sigma = std::fabs(g_drift) * qs * growth * device_share;
      g_out[i] = static_cast<float>(std::max(g_drift + sigma * g_out[i], 0.0));
    }
  }

 private:
  chip::PcmSpec m_spec;
  const chip::PcmConstants& m_c;
  double m_n;
};

// The HERMES model was fitted for 1 or 2 devices per polarity and up to 10.35 µS per device.
void check_hermes_limits(const std::any& params, const chip::CoreSpec& core, const chip::Site& site) {
  const auto& pcm = *std::any_cast<chip::PcmSpec>(&params);
  if (pcm.model != chip::PcmModel::Hermes) return;
  const int64_t devices = core.weights.devices_per_polarity.value_or(0);
  if (devices != 1 && devices != 2) {
    site.child("weights").fail_key("devices_per_polarity",
                                   fmt::format("{} is not characterised by the hermes PCM model; expected 1 or 2", devices));
  }
  if (pcm.g_max_us > chip::hermes_g_max_limit_us(devices) + 1e-12) {
    site.child("device").fail_key(
        "g_max_us",
        fmt::format("{} exceeds the {} µS the hermes model was characterised at with {} device(s) per polarity",
                    chip::format_real(pcm.g_max_us), chip::format_real(chip::hermes_g_max_limit_us(devices)), devices));
  }
}

}  // namespace

chip::DeviceTechnology pcm_technology() {
  chip::DeviceTechnology t = chip::make_device_technology("pcm", "phase-change memory, IBM statistical model", chip::pcm_schema(),
                                                          {.cell = chip::CellKind::AnalogPair});
  t.check_core = check_hermes_limits;
  t.model = [](const chip::CoreSpec& core) {
    return std::make_unique<PcmDevice>(core.device.as<chip::PcmSpec>(), core.weights.devices_per_polarity.value_or(1));
  };
  return t;
}

}  // namespace aimc::device
