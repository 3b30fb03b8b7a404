#include "chip/devices/pcm_constants.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace aimc::chip {

namespace {
constexpr double kNoSplit = std::numeric_limits<double>::infinity();

// PCMLikeNoiseModel (aihwkit pcm.py): prog_coeff [0.26348, 1.9650, -1.1731] at g_max 25 µS;
// μ_ν = clamp(-0.0155 ln x + 0.0244, 0.049, 0.1); σ_ν = clamp(-0.0125 ln x - 0.0059, 0.008, 0.045);
// Q_s = min(0.0088 / max(x^0.65, 1e-3), 0.2).
PcmConstants pcm_like() {
  return PcmConstants{.source = "aihwkit PCMLikeNoiseModel (Nandakumar ICECS 2019; Joshi Nat. Commun. 2020)",
                      .prog_sigma_coeff = {0.26348, 1.9650, -1.1731},
                      .prog_g_max_reference_us = 25.0,
                      .drift_x_floor = 1e-7,
                      .drift_nu_mean = {.split = kNoSplit, .below = {-0.0155, 0.0244, 0.049, 0.1}},
                      .drift_nu_std = {.split = kNoSplit, .below = {-0.0125, -0.0059, 0.008, 0.045}},
                      .read_noise_qs = InversePower{.a = 0.0088, .exponent = 0.65, .floor = 1e-3, .max = 0.2}};
}

// HermesNoiseModel (aihwkit hermes.py). μ_ν is the same for 1 and 2 devices.
Piecewise hermes_nu_mean() {
  return {.split = 0.0945, .below = {-0.0387, -0.0182, 0.072, 0.13}, .above = {0.0736, -0.0126, -0.0436}};
}

PcmConstants hermes_two_devices() {
  return PcmConstants{
      .source = "aihwkit HermesNoiseModel, num_devices=2 (Le Gallo Nat. Electron. 2023; Vasilopoulos TED 2023)",
      .prog_sigma_coeff = {0.16603222, 4.71806468, -8.48101252, 4.68961419},
      .prog_g_max_reference_us = 20.7,
      .drift_x_floor = 1e-7,
      .drift_nu_mean = hermes_nu_mean(),
      .drift_nu_std = {.split = 0.3055, .below = {-0.0117, -0.0057, 0.0091, 0.04}, .above = {0.0073, 0.0093, -0.0118}},
      .read_noise_qs =
          Piecewise{.split = 0.16, .below = {-0.0117, -0.0069, 0.015, 0.04}, .above = {0.0123, 0.0211, -0.0280, 0.0069}}};
}

PcmConstants hermes_one_device() {
  return PcmConstants{
      .source = "aihwkit HermesNoiseModel, num_devices=1 (Le Gallo Nat. Electron. 2023)",
      .prog_sigma_coeff = {0.15781817, 2.32443916, -2.16310839, 0.68841818},
      .prog_g_max_reference_us = 10.35,
      .drift_x_floor = 1e-7,
      .drift_nu_mean = hermes_nu_mean(),
      .drift_nu_std = {.split = 0.3039, .below = {-0.0120, -0.0023, 0.0124, 0.04}, .above = {0.0104, 0.0116, -0.0165}},
      .read_noise_qs =
          Piecewise{.split = 0.1591, .below = {-0.0078, 0.0038, 0.0179, 0.04}, .above = {0.0088, 0.0768, -0.1352, 0.0664}}};
}
}  // namespace

const PcmConstants& pcm_constants(PcmModel model, int64_t devices_per_polarity) {
  static const PcmConstants like = pcm_like();
  static const PcmConstants hermes1 = hermes_one_device();
  static const PcmConstants hermes2 = hermes_two_devices();
  if (model == PcmModel::PcmLike) return like;
  AIMC_ASSERT(devices_per_polarity == 1 || devices_per_polarity == 2,
              "the HERMES PCM model has constants for 1 or 2 devices per polarity only");
  return devices_per_polarity == 1 ? hermes1 : hermes2;
}

double evaluate(const LogLinear& f, double x) { return std::clamp(f.a * std::log(x) + f.b, f.lo, f.hi); }

double polynomial(const std::vector<double>& coeff, double x) {
  double sum = 0, power = 1;
  for (double c : coeff) {
    sum += c * power;
    power *= x;
  }
  return sum;
}

double evaluate(const Piecewise& f, double x) { return x < f.split ? evaluate(f.below, x) : polynomial(f.above, x); }

double evaluate(const InversePower& f, double x) { return std::min(f.a / std::max(std::pow(x, f.exponent), f.floor), f.max); }

double prog_noise_sigma_us(const PcmConstants& c, double g_target_us, double g_max_us) {
  return polynomial(c.prog_sigma_coeff, g_target_us / g_max_us) * g_max_us / c.prog_g_max_reference_us;
}

double drift_nu_mean(const PcmConstants& c, double g_target_us, double g_max_us) {
  return evaluate(c.drift_nu_mean, std::max(std::fabs(g_target_us / g_max_us), c.drift_x_floor));
}

double drift_nu_std(const PcmConstants& c, double g_target_us, double g_max_us) {
  return evaluate(c.drift_nu_std, std::max(std::fabs(g_target_us / g_max_us), c.drift_x_floor));
}

double read_noise_qs(const PcmConstants& c, double g_prog_us, double g_max_us) {
  const double x = std::fabs(g_prog_us) / g_max_us;
  return std::visit([x](const auto& f) { return evaluate(f, x); }, c.read_noise_qs);
}

}  // namespace aimc::chip
