// A read mode's energy_split: MVM energy that scales with driven rows and converted columns.
#include <gtest/gtest.h>

#include "chip/peak.h"
#include "core/error.h"
#include "perf_test_util.h"
#include "sim/perf/perf_sim.h"

namespace aimc::perf {
namespace {

PerfStats one_layer(const chip::ChipSpec& chip, int64_t rows, int64_t cols, int64_t bits) {
  Builder b;
  b.layer(rows, cols, 100, 0, 0, bits);
  PerfOptions o;
  o.images = 1;
  return simulate(chip, b.p, o);
}

// HERMES four-phase, split 0.5 rows / 0.3 cols (0.2 per MVM): 128 of 256 rows and 64 of 256 columns
// cost e · (0.2 + 0.5 · 1/2 + 0.3 · 1/4) = 0.525 e per MVM, of which 0.075 e is the ADCs'.
TEST(PerfEnergySplit, HalfRowsQuarterColumnsOnHermes) {
  auto chip = preset("hermes");
  chip.cores.adc.e_conversion_pj.reset();
  for (auto& m : chip.cores.read_modes) m.energy_split = chip::EnergySplitSpec{0.5, 0.3};
  const auto& mode = chip.cores.read_modes.front();
  const double e = chip::core_mvm_energy_pj(chip.cores, mode, 8);
  const PerfStats part = one_layer(chip, 128, 64, 8);
  EXPECT_NEAR(part.energy.pj.at("crossbar") + part.energy.pj.at("adc"), 100 * 0.525 * e, 1e-6 * e);
  EXPECT_NEAR(part.energy.pj.at("adc"), 100 * 0.075 * e, 1e-6 * e);
  // A full array costs the read mode's energy exactly: the peak figures do not move.
  const PerfStats full = one_layer(chip, 256, 256, 8);
  EXPECT_NEAR(full.energy.pj.at("crossbar") + full.energy.pj.at("adc"), 100 * e, 1e-6 * e);
}

// Bit-serial (verma-cimu, 4-bit inputs, 4 bit-phases): the split applies to each bit-phase, so the
// half-rows, all-columns MVM costs e(4) · (rows/2 + cols) with e(4) = 4 · e_bit_phase_pj.
TEST(PerfEnergySplit, BitSerialHalfRows) {
  auto chip = preset("verma-cimu");
  ASSERT_TRUE(chip.cores.read_modes.front().energy_split.has_value());
  const auto& mode = chip.cores.read_modes.front();
  const auto split = *mode.energy_split;
  const double e4 = chip::core_mvm_energy_pj(chip.cores, mode, 4) / static_cast<double>(chip.cores.arrays);
  const double fixed = 1 - split.rows - split.cols;
  const PerfStats s = one_layer(chip, chip.cores.rows / 2, chip.cores.cols, 4);
  EXPECT_NEAR(s.energy.pj.at("crossbar") + s.energy.pj.at("adc"), 100 * e4 * (fixed + split.rows / 2 + split.cols), 1e-6 * e4);
  EXPECT_NEAR(s.energy.pj.at("adc"), 100 * e4 * split.cols, 1e-6 * e4);
}

TEST(PerfEnergySplit, SharesAboveOneAreRejected) {
  const std::string yaml =
      "base: hermes\nname: bad\ncores:\n  read_modes:\n    four-phase:\n"
      "      energy_split: {rows: 0.7, cols: 0.4}\n";
  try {
    chip::parse_chip(yaml, "bad.yaml", presets(), source_path("presets"));
    FAIL() << "accepted shares summing to 1.1";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("energy_split"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace aimc::perf
