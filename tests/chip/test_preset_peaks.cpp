// The peak figures computed from each preset's parameters match the published ones within 2 %
// (chips.md: Le Gallo 2023, Khaddam-Aljameh 2022, Jia 2022, Zhang & Verma 2019).
#include <gtest/gtest.h>

#include "chip/peak.h"
#include "chip_test_util.h"

namespace aimc::chip {
namespace {

constexpr double kTolerance = 0.02;

void expect_within(double computed, double published, const char* what) {
  EXPECT_NEAR(computed / published, 1.0, kTolerance) << what << ": computed " << computed << ", published " << published;
}

TEST(PresetPeaks, HermesOnePhase) {
  const PeakPoint p = peak_point(test::preset("hermes"), "one-phase", 8, std::nullopt);
  expect_within(p.tops, 63.1, "TOPS");          // Le Gallo 2023 abstract
  expect_within(p.tops_per_w, 9.76, "TOPS/W");  // Le Gallo 2023 abstract
  EXPECT_EQ(p.weights, 64 * 256 * 256);
}

TEST(PresetPeaks, HermesFourPhase) {
  const PeakPoint p = peak_point(test::preset("hermes"), "four-phase", 8, std::nullopt);
  expect_within(p.tops, 16.1, "TOPS");
  expect_within(p.tops_per_w, 2.48, "TOPS/W");
  ASSERT_TRUE(p.tops_per_mm2.has_value());
  expect_within(*p.tops_per_mm2, 0.400, "TOPS/mm2");  // 400 GOPS/mm2
}

TEST(PresetPeaks, HermesCoreDerivedWithBase) {
  const ChipSpec core = test::preset("hermes-core");
  EXPECT_EQ(core.cores.count, 1);
  const PeakPoint p = peak_point(core, "one-phase", 8, std::nullopt);
  expect_within(p.tops, 1.008, "TOPS");  // Khaddam-Aljameh 2022
}

TEST(PresetPeaks, JiaEightAndFourBit) {
  const ChipSpec jia = test::preset("verma-cimu");
  const PeakPoint p8 = peak_point(jia, "bpbs", 8, 8);
  expect_within(p8.tops, 3.0, "TOPS at 8 b");           // Jia 2022 abstract
  expect_within(p8.tops_per_w, 30.0, "TOPS/W at 8 b");  // Jia 2022 abstract
  EXPECT_DOUBLE_EQ(p8.t_mvm_ns, 400.0);                 // 8 bit-phases at 20 MS/s
  const PeakPoint p4 = peak_point(jia, "bpbs", 4, 4);
  expect_within(p4.tops, 11.8, "TOPS at 4 b");  // Jia 2022 Table IV
  EXPECT_DOUBLE_EQ(p4.t_mvm_ns, 200.0);
}

TEST(PresetPeaks, ZhangVerma) {
  const PeakPoint p = peak_point(test::preset("zhang-bnn-sram"), "classify", 5, 1);
  expect_within(p.tops_per_w, 700.0, "TOPS/W");
  ASSERT_TRUE(p.tops_per_mm2.has_value());
  expect_within(*p.tops_per_mm2, 6.0, "TOPS/mm2");
  EXPECT_DOUBLE_EQ(p.t_mvm_ns, 20.0);  // one 50 MHz cycle
}

TEST(PresetPeaks, GarofaloClusterDerivedFromCluster512) {
  const ChipSpec g = test::preset("garofalo-cluster");
  EXPECT_EQ(g.cores.count, 1);
  const PeakPoint p = peak_point(g, "analog", 8, 4);
  expect_within(p.tops, 0.958, "TOPS on MVMs");  // Garofalo 2022: 958 GOPS, predicted from 130 ns + streaming
  expect_within(p.tops_per_w, 6.39, "TOPS/W");   // the input that fixes e_mvm_pj
  // Back-to-back jobs at 500 MHz: idle 2 + max(stream-in 64 + 2, compute 65 + 1, stream-out 64 + 2) cycles.
  EXPECT_DOUBLE_EQ(p.t_mvm_ns, 68 * 2.0);
  // One job alone still takes every phase: 2 + 66 + 66 + 66 cycles.
  EXPECT_DOUBLE_EQ(mvm_latency_ns(g, g.cores.read_modes[0], 8), 200 * 2.0);
}

TEST(PresetPeaks, OverlappedJobIsLimitedByItsSlowestPhase) {
  ChipSpec c = test::preset("cluster-512");  // 4 B/cycle streamer, 130 ns MVM
  c.clock_mhz = 1000;                        // 1 ns per cycle: the phases' cycles read as ns
  ReadModeSpec& m = c.cores.read_modes[0];
  // Sequential phases (Bruschi's simulator): 2 + (r/4 + 2) + 131 + (c/4 + 2).
  EXPECT_DOUBLE_EQ(mvm_interval_ns(c, m, 8, 256, 256), 265.0);
  EXPECT_DOUBLE_EQ(mvm_interval_ns(c, m, 8, 40, 8), 2 + 12 + 131 + 4.0);
  m.job->overlap = true;
  EXPECT_DOUBLE_EQ(mvm_interval_ns(c, m, 8, 256, 256), 2 + 131.0);  // compute-bound
  EXPECT_DOUBLE_EQ(mvm_latency_ns(c, m, 8, 256, 256), 265.0);       // alone: every phase
  m.job->stream_bytes_per_cycle = 1;                                // stream-bound: 256 + 2 beats
  EXPECT_DOUBLE_EQ(mvm_interval_ns(c, m, 8, 256, 100), 2 + 258.0);  // stream-in is the longest
  EXPECT_DOUBLE_EQ(mvm_interval_ns(c, m, 8, 100, 256), 2 + 258.0);  // stream-out is the longest
  EXPECT_DOUBLE_EQ(mvm_interval_ns(c, m, 8, 100, 100), 2 + 131.0);
}

TEST(PresetPeaks, ClusterJobAtThePresetsClock) {
  // The preset's fitted 312 MHz: the 130 ns computation is ceil(130 / (1000 / 312)) + 1 = 42 cycles, a full
  // job 2 + 66 + 42 + 66 = 176 cycles, and the peak 512 such jobs' 2 · 256 · 256 ops each.
  const ChipSpec c = test::preset("cluster-512");
  ASSERT_DOUBLE_EQ(c.clock_mhz, 312.0);
  const double ns_per_cycle = 1000.0 / 312.0;
  EXPECT_NEAR(mvm_interval_ns(c, c.cores.read_modes[0], 8, 256, 256), 176 * ns_per_cycle, 1e-9);
  EXPECT_NEAR(peak_point(c, "analog", 8, 4).tops, 2.0 * 512 * 256 * 256 / (176 * ns_per_cycle) * 1e-3, 1e-9);
}

TEST(PresetPeaks, PeakTableCoversModesAndPrecisions) {
  const std::vector<PeakPoint> hermes = peak_table(test::preset("hermes"));
  ASSERT_EQ(hermes.size(), 2u);
  EXPECT_EQ(hermes[0].mode, "one-phase");
  EXPECT_EQ(hermes[1].mode, "four-phase");
  const std::vector<PeakPoint> jia = peak_table(test::preset("verma-cimu"));
  ASSERT_EQ(jia.size(), 4u);
  for (std::size_t i = 0; i < jia.size(); ++i) {
    EXPECT_EQ(jia[i].input_bits, int64_t{1} << i);
    EXPECT_EQ(jia[i].weight_bits, int64_t{1} << i);
  }
}

TEST(PresetPeaks, EveryPresetLoadsAndHasPeaks) {
  for (const PresetEntry& e : test::presets().list()) {
    SCOPED_TRACE(e.name);
    const ChipSpec chip = test::preset(e.name);
    EXPECT_EQ(chip.name, e.name);
    for (const PeakPoint& p : peak_table(chip)) {
      EXPECT_GT(p.tops, 0);
      EXPECT_GT(p.tops_per_w, 0);
      EXPECT_NEAR(p.power_w, p.tops / p.tops_per_w, 1e-9 * p.power_w);
    }
  }
}

}  // namespace
}  // namespace aimc::chip
