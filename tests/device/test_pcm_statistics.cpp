// The PCM models against their closed-form statistics (aihwkit PCMLikeNoiseModel and
// HermesNoiseModel, chips.md §1.6), over 10^5 devices.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "chip/devices/pcm_constants.h"
#include "device/registry.h"
#include "device_test_util.h"

namespace aimc::device {
namespace {

constexpr int kDevices = 100000;

struct Case {
  chip::PcmModel model;
  int64_t devices;
};

class PcmStatistics : public ::testing::TestWithParam<Case> {};

double sample_std(const std::vector<float>& v, const std::vector<float>& mean) {
  double s = 0;
  for (size_t i = 0; i < v.size(); ++i) s += (double(v[i]) - mean[i]) * (double(v[i]) - mean[i]);
  return std::sqrt(s / static_cast<double>(v.size()));
}

// σ of one device at polarity conductance fraction x: the fitted polarity σ / √n.
TEST_P(PcmStatistics, ProgrammingSigmaMatchesTheFit) {
  const auto [model, n] = GetParam();
  const chip::CoreSpec core = test::pcm_core(model, n);
  const auto dev = make_device_model(core);
  const auto& spec = core.device.as<chip::PcmSpec>();
  const auto& c = chip::pcm_constants(model, n);
  for (double x : {0.1, 0.5, 0.9}) {
    const float g_dev = static_cast<float>(x * spec.g_max_us / static_cast<double>(n));
    std::vector<float> target(kDevices, g_dev), g(kDevices);
    dev->program(target, DeviceDraw{42, 3, 0}, 0, g);
    const double expected = chip::prog_noise_sigma_us(c, x * spec.g_max_us, spec.g_max_us) / std::sqrt(double(n));
    EXPECT_NEAR(sample_std(g, target), expected, 0.05 * expected) << "x = " << x;
    EXPECT_NEAR(dev->prog_sigma_us(g_dev), expected, 1e-6 * expected);
  }
}

TEST_P(PcmStatistics, MeanDriftFollowsThePowerLaw) {
  const auto [model, n] = GetParam();
  chip::CoreSpec core = test::pcm_core(model, n);
  auto spec = core.device.as<chip::PcmSpec>();
  spec.read_noise_scale = 0;  // drift alone
  core.device.params = spec;
  const auto dev = make_device_model(core);
  const float g_dev = static_cast<float>(0.5 * spec.g_max_us / static_cast<double>(n));
  std::vector<float> target(kDevices, g_dev), nu(kDevices), g(kDevices);
  dev->drift_exponents(target, DeviceDraw{1, 1, 0}, nu);
  const double mu = chip::drift_nu_mean(chip::pcm_constants(model, n), 0.5 * spec.g_max_us, spec.g_max_us);
  double nu_mean = 0;
  for (float v : nu) nu_mean += v;
  nu_mean /= kDevices;
  EXPECT_NEAR(nu_mean, mu, 0.02 * mu);  // μ_ν ≫ σ_ν: E|μ + σN| = μ
  for (double t : {60.0, 3600.0, 86400.0, 3.15e7}) {
    dev->read(target, nu, t, DeviceDraw{1, 1, 0}, 5, g);
    for (int i = 0; i <= 11; ++i) {  // the first devices against the law, one by one
      const double law = std::pow((t + spec.t0_s) / spec.t0_s, -double(nu[i]));
      EXPECT_NEAR(g[i], g_dev * law, 1e-5 * g_dev) << i;
    }
    double all = 0;
    for (int i = 0; i < kDevices; ++i) all += g[i] / g_dev;
    EXPECT_NEAR(all / kDevices, std::pow((t + spec.t0_s) / spec.t0_s, -mu), 0.01) << "t = " << t;
  }
}

// Read-noise σ/|g| = Q_s·sqrt(ln((t + t0 + t_read)/(2 t_read)))·√n per device: grows with ln t.
TEST_P(PcmStatistics, ReadNoiseGrowsWithLogTime) {
  const auto [model, n] = GetParam();
  chip::CoreSpec core = test::pcm_core(model, n);
  auto spec = core.device.as<chip::PcmSpec>();
  spec.drift_scale = 0;  // no drift: g_drift = g_prog
  core.device.params = spec;
  const auto dev = make_device_model(core);
  const double x = 0.4;
  const float g_dev = static_cast<float>(x * spec.g_max_us / static_cast<double>(n));
  std::vector<float> prog(kDevices, g_dev), nu(kDevices, 0.0f), g(kDevices);
  const double qs = chip::read_noise_qs(chip::pcm_constants(model, n), x * spec.g_max_us, spec.g_max_us);
  std::vector<double> measured;
  for (double t : {0.0, 3600.0, 3.15e7}) {
    dev->read(prog, nu, t, DeviceDraw{5, 9, 0}, 1 + static_cast<uint64_t>(t), g);
    const double tt = t + spec.t0_s;
    const double expected = g_dev * qs * std::sqrt(std::log((tt + spec.t_read_s) / (2 * spec.t_read_s))) * std::sqrt(double(n));
    const double s = sample_std(g, prog);
    EXPECT_NEAR(s, expected, 0.05 * expected) << "t = " << t;
    measured.push_back(s);
  }
  EXPECT_LT(measured[0], measured[1]);
  EXPECT_LT(measured[1], measured[2]);
}

INSTANTIATE_TEST_SUITE_P(Models, PcmStatistics,
                         ::testing::Values(Case{chip::PcmModel::PcmLike, 1}, Case{chip::PcmModel::Hermes, 1},
                                           Case{chip::PcmModel::Hermes, 2}),
                         [](const auto& info) {
                           return std::string(info.param.model == chip::PcmModel::Hermes ? "Hermes" : "PcmLike") +
                                  std::to_string(info.param.devices) + "Devices";
                         });

// HERMES ODP vs TDP: the polarity's relative σ at the same x differs (the two fits).
TEST(PcmStatistics, HermesOneAndTwoDeviceModesDiffer) {
  double rel[2];
  for (int64_t n : {1, 2}) {
    const chip::CoreSpec core = test::pcm_core(chip::PcmModel::Hermes, n);
    const auto dev = make_device_model(core);
    const double g_pol = 0.5 * core.device.as<chip::PcmSpec>().g_max_us;
    std::vector<float> target(kDevices, static_cast<float>(g_pol / double(n))), g(kDevices);
    double sum = 0;
    // Polarity total of n independent devices: σ_total = √n · σ_device.
    dev->program(target, DeviceDraw{8, 8, 0}, 0, g);
    sum = sample_std(g, target) * std::sqrt(double(n));
    rel[n - 1] = sum / g_pol;
  }
  // Fits at x = 0.5: ODP 0.15781817 + 2.32443916/2 − 2.16310839/4 + 0.68841818/8 = 0.866 µS of 5.175;
  // TDP 0.16603222 + 4.71806468/2 − 8.48101252/4 + 4.68961419/8 = 0.991 µS of 10.35.
  EXPECT_NEAR(rel[0], 0.8664 / 5.175, 0.05 * 0.8664 / 5.175);
  EXPECT_NEAR(rel[1], 0.9914 / 10.35, 0.05 * 0.9914 / 10.35);
  EXPECT_GT(rel[0], 1.5 * rel[1]);
}

}  // namespace
}  // namespace aimc::device
