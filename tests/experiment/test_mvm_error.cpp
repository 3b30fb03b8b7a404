// The MVM-error measurement (src/experiment/mvm_error): its quantisation-only figure against the
// closed form, the fit of the output noise, and the presets against their papers' measured totals.
#include <gtest/gtest.h>

#include <cmath>

#include "chip/devices/ideal.h"
#include "chip/loader.h"
#include "core/error.h"
#include "experiment/mvm_error.h"

namespace aimc::experiment {
namespace {

chip::ChipSpec preset(const std::string& name) {
  static const chip::PresetLibrary library({std::string(AIMC_SOURCE_DIR) + "/presets"});
  return chip::load_chip(name, library);
}

chip::ChipSpec ideal_hermes() {
  chip::ChipSpec c = preset("hermes");
  c.cores.device = chip::DeviceSpec{.technology = "ideal", .params = chip::IdealDeviceSpec{}};
  for (auto& m : c.cores.read_modes) m.out_noise_rel_std = 0;
  return c;
}

// Exact input codes and ideal devices leave only the ADC's rounding of the full scale (the largest
// exact output) into ±127 codes: a uniform error of one LSB, σ = 1 / (127 · √12) of the full scale.
TEST(MvmError, IdealDevicesGiveTheAdcsRoundingError) {
  const MvmErrorStats s =
      measure_mvm_error(ideal_hermes(), MvmErrorOptions{.read_mode = "one-phase", .matrices = 2, .vectors = 256});
  const double closed = 1.0 / (127.0 * std::sqrt(12.0));
  EXPECT_NEAR(s.sigma, closed, 0.03 * closed);
  EXPECT_NEAR(s.mean, 0.0, 0.05 * closed);
  EXPECT_EQ(s.outputs, 2 * 256 * 256);
}

// The vectors go through a tile in blocks of kMvmErrorBlock (a million vectors of 1152 rows held 20 GB at
// once, until 2026-12-08); a vector's noise is drawn at its index, so blocks give the bits one batch gives
// (TileDeterminism.ThreadsAndBatchSplitsGiveIdenticalBits). Beyond the outputs it keeps: one line.
TEST(MvmError, BlocksOfVectorsCoverEveryVectorAndTheOutputsAreBounded) {
  const chip::ChipSpec c = preset("hermes");
  const MvmErrorOptions o{.read_mode = "four-phase", .matrices = 1, .vectors = kMvmErrorBlock + 37, .t_s = 3600, .seed = 5};
  const MvmErrorStats blocks = measure_mvm_error(c, o);
  EXPECT_EQ(blocks.outputs, (kMvmErrorBlock + 37) * 256);
  MvmErrorOptions one = o;
  one.vectors = kMvmErrorBlock;
  EXPECT_NEAR(blocks.sigma, measure_mvm_error(c, one).sigma, 0.05 * blocks.sigma);  // 37 vectors more, same statistics
  EXPECT_EQ(measure_mvm_error(c, o).sigma, blocks.sigma);
  try {
    measure_mvm_error(c, MvmErrorOptions{.matrices = 2, .vectors = kMaxMvmErrorOutputs / 256});
    FAIL() << "a measurement beyond the outputs it keeps ran";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "vectors: 2 matrices x 524288 vectors x 256 columns is 268435456 outputs, more than the 134217728 "
                 "one measurement keeps (its 99th percentile needs each); use fewer matrices or vectors");
  }
}

// Independent Gaussian output noise adds in quadrature: the fitted σ_out makes the total the target.
TEST(MvmError, FitOutputNoiseReachesTheTarget) {
  const chip::ChipSpec c = ideal_hermes();
  const MvmErrorOptions o{.read_mode = "one-phase", .matrices = 2, .vectors = 256};
  const double quant = 1.0 / (127.0 * std::sqrt(12.0)), target = 0.01;
  const double fitted = fit_output_noise(c, o, target);
  EXPECT_NEAR(fitted, std::sqrt(target * target - quant * quant), 0.03 * target);
  EXPECT_NEAR(measure_mvm_error(with_output_noise(c, "one-phase", fitted), o).sigma, target, 1e-3 * target);
  // A target below what the other sources give needs no output noise.
  EXPECT_EQ(fit_output_noise(c, o, quant / 2), 0.0);
}

// The presets reproduce their papers' measured MVM error (HERMES-Core: σ = 1.94 % for 8-b PWM)
// within 10 %, by the simulated measurement (docs/characterize.md).
TEST(MvmError, PresetsReproduceTheirMeasuredTotal) {
  for (const char* name : {"hermes", "hermes-core"}) {
    const chip::ChipSpec c = preset(name);
    for (const chip::ReadModeSpec& m : c.cores.read_modes) {
      if (!m.measured_mvm_error_rel_std) continue;
      const MvmErrorBreakdown b = characterize_mvm_error(c, MvmErrorOptions{.read_mode = m.name});
      EXPECT_NEAR(b.total.sigma, *m.measured_mvm_error_rel_std, 0.1 * *m.measured_mvm_error_rel_std) << name << " " << m.name;
      EXPECT_LE(b.converters.sigma, b.devices.sigma);
      EXPECT_LE(b.devices.sigma, b.total.sigma);
    }
  }
}

TEST(MvmError, UnknownReadModeIsAnError) {
  EXPECT_THROW(measure_mvm_error(preset("hermes"), MvmErrorOptions{.read_mode = "two-phase"}), Error);
  EXPECT_THROW(characterize(preset("hermes"), {"one-phase", "two-phase"}, {.matrices = 1, .vectors = 4}, false), Error);
}

TEST(MvmError, CharacterizeFitsWherePublishedAndRefusesANamedModeWithoutATotal) {
  const MvmErrorOptions o{.matrices = 1, .vectors = 32};
  const chip::ChipSpec hermes = preset("hermes");
  const Characterization all = characterize(hermes, {}, o, true);
  ASSERT_EQ(all.read_modes.size(), hermes.cores.read_modes.size());
  for (const ReadModeCharacterization& r : all.read_modes) {
    // Fitted exactly where the chip publishes a total; the fit reproduces it.
    EXPECT_EQ(r.fitted_out_noise_rel_std.has_value(), r.breakdown.measured >= 0) << r.breakdown.read_mode;
    if (r.fitted_out_noise_rel_std) {
      MvmErrorOptions m = o;
      m.read_mode = r.breakdown.read_mode;
      const chip::ChipSpec fitted = with_output_noise(hermes, m.read_mode, *r.fitted_out_noise_rel_std);
      EXPECT_NEAR(measure_mvm_error(fitted, m).sigma, std::max(r.breakdown.measured, r.breakdown.devices.sigma), 1e-4);
    }
  }
  int refused = 0;
  for (const ReadModeCharacterization& r : all.read_modes) {
    if (r.breakdown.measured >= 0) continue;
    EXPECT_THROW(characterize(hermes, {r.breakdown.read_mode}, o, true), Error) << r.breakdown.read_mode;
    ++refused;
  }
  EXPECT_GT(refused, 0) << "hermes' four-phase mode has no published total";
}

}  // namespace
}  // namespace aimc::experiment
