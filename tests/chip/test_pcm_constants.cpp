// The PCM models' constants evaluate as aihwkit's formulas do (values worked out by hand from
// src/aihwkit/inference/noise/pcm.py and hermes.py).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "chip/devices/pcm_constants.h"
#include "core/error.h"

namespace aimc::chip {
namespace {

TEST(PcmConstants, PcmLike) {
  const PcmConstants& c = pcm_constants(PcmModel::PcmLike, 1);
  // σ_prog at g = g_max = 25: 0.26348 + 1.9650 - 1.1731 = 1.05538 µS.
  EXPECT_NEAR(prog_noise_sigma_us(c, 25, 25), 1.05538, 1e-12);
  // At g_max = 12.5 the polynomial is scaled by 12.5 / 25.
  EXPECT_NEAR(prog_noise_sigma_us(c, 12.5, 12.5), 1.05538 / 2, 1e-12);
  // μ_ν at x = 0.5: -0.0155 ln 0.5 + 0.0244 = 0.034144 -> clamped up to 0.049.
  EXPECT_DOUBLE_EQ(drift_nu_mean(c, 12.5, 25), 0.049);
  // μ_ν at x = 0.01: 0.0244 + 0.0155·4.60517 = 0.09578.
  EXPECT_NEAR(drift_nu_mean(c, 0.25, 25), 0.0244 + 0.0155 * std::log(100.0), 1e-12);
  // σ_ν floor at x -> 0 uses x = 1e-7: -0.0125 ln 1e-7 - 0.0059 = 0.19558 -> clamped to 0.045.
  EXPECT_DOUBLE_EQ(drift_nu_std(c, 0, 25), 0.045);
  // Q_s at x = 1: 0.0088; at x = 0: 0.0088 / 1e-3 = 8.8 -> clamped to 0.2.
  EXPECT_NEAR(read_noise_qs(c, 25, 25), 0.0088, 1e-12);
  EXPECT_DOUBLE_EQ(read_noise_qs(c, 0, 25), 0.2);
}

TEST(PcmConstants, HermesTwoDevices) {
  const PcmConstants& c = pcm_constants(PcmModel::Hermes, 2);
  EXPECT_DOUBLE_EQ(c.prog_g_max_reference_us, 20.7);
  // σ_prog at x = 0.5: 0.16603222 + 4.71806468/2 - 8.48101252/4 + 4.68961419/8.
  EXPECT_NEAR(prog_noise_sigma_us(c, 10.35, 20.7), 0.16603222 + 4.71806468 / 2 - 8.48101252 / 4 + 4.68961419 / 8, 1e-12);
  // μ_ν: x = 0.05 < 0.0945 -> clamp(-0.0387 ln 0.05 - 0.0182) = 0.09773; x = 0.5 -> polynomial.
  EXPECT_NEAR(drift_nu_mean(c, 0.05 * 20.7, 20.7), -0.0387 * std::log(0.05) - 0.0182, 1e-12);
  EXPECT_NEAR(drift_nu_mean(c, 0.5 * 20.7, 20.7), -0.0436 * 0.25 - 0.0126 * 0.5 + 0.0736, 1e-12);
  // σ_ν switches at 0.3055; Q_s at 0.16.
  EXPECT_NEAR(drift_nu_std(c, 0.5 * 20.7, 20.7), -0.0118 * 0.25 + 0.0093 * 0.5 + 0.0073, 1e-12);
  EXPECT_NEAR(read_noise_qs(c, 0.5 * 20.7, 20.7), 0.0069 * 0.125 - 0.0280 * 0.25 + 0.0211 * 0.5 + 0.0123, 1e-12);
  EXPECT_DOUBLE_EQ(read_noise_qs(c, 0.001 * 20.7, 20.7), 0.04);  // clamp(0.0739...) at the upper bound
}

TEST(PcmConstants, HermesOneDevice) {
  const PcmConstants& c = pcm_constants(PcmModel::Hermes, 1);
  EXPECT_DOUBLE_EQ(c.prog_g_max_reference_us, 10.35);
  EXPECT_NEAR(prog_noise_sigma_us(c, 0, 10.35), 0.15781817, 1e-12);
  EXPECT_NEAR(drift_nu_std(c, 0.1 * 10.35, 10.35), std::clamp(-0.0120 * std::log(0.1) - 0.0023, 0.0124, 0.04), 1e-12);
  EXPECT_NEAR(read_noise_qs(c, 0.5 * 10.35, 10.35), 0.0664 * 0.125 - 0.1352 * 0.25 + 0.0768 * 0.5 + 0.0088, 1e-12);
  EXPECT_THROW(pcm_constants(PcmModel::Hermes, 3), InternalError);
}

}  // namespace
}  // namespace aimc::chip
