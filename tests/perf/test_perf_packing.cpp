// Tiles sharing one crossbar (pass pack): blocks of different layers, or blocks sharing rows or
// columns (2-D packing), run in turn on the array (one MVM at a time), and each MVM's energy counts
// only the rows it drives and the columns it converts; block-diagonal tiles of one layer (and
// column blocks of the same rows at the same offset: one input) are one evaluation.
#include <gtest/gtest.h>

#include "chip/peak.h"
#include "perf_test_util.h"
#include "sim/perf/perf_sim.h"

namespace aimc::perf {
namespace {

chip::ChipSpec split_hermes() {
  auto chip = preset("hermes");
  chip.cores.adc.e_conversion_pj.reset();
  for (auto& m : chip.cores.read_modes) m.energy_split = chip::EnergySplitSpec{0.5, 0.3};
  return chip;
}

// Layers of 128 x 128 with 100 and 300 vectors: on two cores, or on one crossbar sharing its rows.
TEST(PerfPacking, LayersSharingACrossbarRunInTurn) {
  const auto chip = split_hermes();
  const auto& mode = chip.cores.read_modes.front();
  const double t = chip::mvm_latency_ns(chip, mode, 8, 128, 128);
  const double e = chip::core_mvm_energy_pj(chip.cores, mode, 8);
  PerfOptions o;
  o.images = 20;
  Builder apart;
  apart.layer(128, 128, 100, 0);
  apart.layer(128, 128, 300, 1);
  const PerfStats a = simulate(chip, apart.p, o);
  EXPECT_NEAR(a.makespan_ns, 100 * t + 20 * 300 * t, 1e-6);
  Builder shared = apart;
  shared.p.tiles[1].core = shared.p.tiles[1].reduce_core = 0;
  shared.p.tiles[1].col_offset = 128;  // rows 0..127 of both
  shared.p.schedule.stages[1].cores = {0};
  const PerfStats s = simulate(chip, shared.p, o);
  // The array does 400 MVMs an inference, one at a time.
  EXPECT_NEAR(s.cores[0].crossbar_busy_ns, 20 * 400 * t, 1e-6);
  EXPECT_GE(s.makespan_ns, 20 * 400 * t - 1e-6);
  // Each MVM drives 128 of 256 rows and converts 128 of 256 columns: e · (0.2 + 0.5/2 + 0.3/2).
  EXPECT_NEAR(s.energy.pj.at("crossbar") + s.energy.pj.at("adc"), 20 * 400 * 0.6 * e, 1e-6 * e);
  EXPECT_NEAR(s.energy.pj.at("crossbar") + s.energy.pj.at("adc"), a.energy.pj.at("crossbar") + a.energy.pj.at("adc"), 1e-6 * e);
  EXPECT_NEAR(s.actions.array_mvms(), 20 * 400, 1e-9);
  EXPECT_NEAR(s.actions.dac_drives, 20 * 400 * 128.0 * mode.phases, 1e-6);
}

// One layer of 256 x 64 in two row blocks of 128 on one crossbar.
PerfStats two_row_blocks(int64_t second_row_offset, int64_t second_col_offset) {
  Builder b;
  b.layer(256, 64, 100, 0);
  program::Tile t = b.p.tiles[0];
  b.p.tiles[0].row_end = 128;
  t.id = 1;
  t.row_begin = 128;
  t.row_offset = second_row_offset;
  t.col_offset = second_col_offset;
  b.p.tiles.push_back(t);
  b.p.schedule.segments[0].tiles.push_back(1);
  PerfOptions o;
  o.images = 1;
  return simulate(split_hermes(), b.p, o);
}

TEST(PerfPacking, RowBlocksSharingRowsTakeTwoEvaluations) {
  const auto chip = split_hermes();
  const auto& mode = chip.cores.read_modes.front();
  const double e = chip::core_mvm_energy_pj(chip.cores, mode, 8);
  // Block-diagonal: one evaluation of 256 rows and 128 columns per vector.
  const PerfStats diag = two_row_blocks(128, 64);
  EXPECT_NEAR(diag.actions.array_mvms(), 100, 1e-9);
  EXPECT_NEAR(diag.latency_ns, 100 * chip::mvm_latency_ns(chip, mode, 8, 256, 128), 1e-6);
  EXPECT_NEAR(diag.energy.pj.at("crossbar") + diag.energy.pj.at("adc"), 100 * (0.2 + 0.5 + 0.3 / 2) * e, 1e-6 * e);
  // Side by side on rows 0..127 (2-D packing): two evaluations of 128 rows and 64 columns.
  const PerfStats rect = two_row_blocks(0, 64);
  EXPECT_NEAR(rect.actions.array_mvms(), 200, 1e-9);
  EXPECT_NEAR(rect.latency_ns, 200 * chip::mvm_latency_ns(chip, mode, 8, 128, 64), 1e-6);
  EXPECT_NEAR(rect.energy.pj.at("crossbar") + rect.energy.pj.at("adc"), 200 * (0.2 + 0.5 / 2 + 0.3 / 4) * e, 1e-6 * e);
  EXPECT_NEAR(rect.actions.adc_conversions, 200 * 64.0 * mode.phases, 1e-6);
  EXPECT_NEAR(rect.actions.dac_drives, 200 * 128.0 * mode.phases, 1e-6);
  // Stacked on columns 0..63 (rows apart, the same columns): also two evaluations.
  const PerfStats stacked = two_row_blocks(128, 0);
  EXPECT_NEAR(stacked.actions.array_mvms(), 200, 1e-9);
}

TEST(PerfPacking, ColumnBlocksOfOneInputAreOneEvaluation) {
  const auto chip = split_hermes();
  const auto& mode = chip.cores.read_modes.front();
  Builder b;
  b.layer(128, 64, 100, 0);
  program::Tile t = b.p.tiles[0];
  b.p.tiles[0].col_end = 32;
  t.id = 1;
  t.col_begin = 32;
  t.col_offset = 32;
  b.p.tiles.push_back(t);
  b.p.schedule.segments[0].tiles.push_back(1);
  PerfOptions o;
  o.images = 1;
  const PerfStats s = simulate(chip, b.p, o);
  EXPECT_NEAR(s.actions.array_mvms(), 100, 1e-9);
  EXPECT_NEAR(s.actions.dac_drives, 100 * 128.0 * mode.phases, 1e-6);
  EXPECT_NEAR(s.actions.adc_conversions, 100 * 64.0 * mode.phases, 1e-6);
}

}  // namespace
}  // namespace aimc::perf
