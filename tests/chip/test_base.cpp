// Deriving a chip from another with `base:`: deep merge of maps, replaced lists, removal of named
// entries with null, a change of device technology, bases by preset name and by relative path.
#include <gtest/gtest.h>

#include "chip/devices/ideal.h"
#include "chip/devices/pcm.h"
#include "chip/peak.h"
#include "chip/resolved.h"
#include "chip_test_util.h"

namespace aimc::chip {
namespace {

ChipSpec derive(const std::string& yaml) {
  return parse_chip(yaml, "derived.yaml", test::presets(), test::source_path("tests/chip/good"));
}

TEST(Base, OverridesOnlyTheGivenKeys) {
  const ChipSpec base = test::preset("hermes");
  const ChipSpec d = derive(
      "base: hermes\nname: hermes-odp\ncores:\n  weights:\n    devices_per_polarity: 1\n"
      "  device:\n    g_max_us: 10.35\n    t0_s: 200\n");
  EXPECT_EQ(d.name, "hermes-odp");
  EXPECT_EQ(d.cores.weights.devices_per_polarity, 1);
  EXPECT_EQ(d.cores.weights.scheme, WeightScheme::Differential);
  const PcmSpec& pcm = d.cores.device.as<PcmSpec>();
  EXPECT_DOUBLE_EQ(pcm.g_max_us, 10.35);
  EXPECT_DOUBLE_EQ(pcm.t0_s, 200);
  EXPECT_DOUBLE_EQ(pcm.t_read_s, 5.12e-7);  // kept from the base
  // Everything else is the base's.
  Json a = resolved_json(base), b = resolved_json(d);
  a["name"] = b["name"] = "";
  a["cores"]["weights"] = b["cores"]["weights"];
  a["cores"]["device"] = b["cores"]["device"];
  EXPECT_EQ(a, b);
}

TEST(Base, MergesNamedEntriesAndRemovesWithNull) {
  const ChipSpec d = derive(
      "base: hermes\nname: h\ncores:\n  read_modes:\n    one-phase: {t_mvm_ns: 266}\n"
      "    four-phase: null\n    slow-four-phase: {phases: 4, t_mvm_ns: 1064, e_mvm_pj: 60000, "
      "out_noise_rel_std: 0.01}\n");
  ASSERT_EQ(d.cores.read_modes.size(), 2u);
  EXPECT_EQ(d.cores.read_modes[0].name, "one-phase");
  EXPECT_DOUBLE_EQ(*d.cores.read_modes[0].t_mvm_ns, 266);
  EXPECT_DOUBLE_EQ(*d.cores.read_modes[0].e_mvm_pj, 13437.5);  // merged, not replaced
  EXPECT_EQ(d.cores.read_modes[1].name, "slow-four-phase");
  EXPECT_EQ(d.cores.read_modes[1].phases, 4);
}

TEST(Base, NewNamedEntryNeedsAllItsKeys) {
  EXPECT_EQ(test::error_of([] { derive("base: hermes\nname: h\ncores:\n  read_modes:\n    slow: {phases: 2}\n"); }),
            "derived.yaml:5: cores.read_modes.slow.out_noise_rel_std: missing required key; expected a number in [0, 1]");
}

TEST(Base, ListsAreReplacedWhole) {
  const ChipSpec d = derive("base: hermes\nname: h\ncores:\n  count: 32\n  arrangement: [4, 8]\n");
  EXPECT_EQ(d.cores.arrangement, (std::vector<int64_t>{4, 8}));
  EXPECT_NEAR(peak_point(d, "one-phase", 8, std::nullopt).tops, 63.07 / 2, 0.01);
}

TEST(Base, CrossFieldRulesSeeTheMergedChip) {
  // Only the count changes: the inherited 8x8 arrangement no longer matches.
  EXPECT_EQ(test::error_of([] { derive("base: hermes\nname: h\ncores:\n  count: 32\n"); }),
            "derived.yaml:4: cores.arrangement: [8, 8] places 64 cores; expected a product equal to count 32");
}

TEST(Base, ChangingTechnologyStartsItsParametersAfresh) {
  const ChipSpec d = derive("base: hermes\nname: h-ideal\ncores:\n  device: {technology: ideal}\n");
  EXPECT_EQ(d.cores.device.technology, "ideal");
  EXPECT_NE(d.cores.device.get_if<IdealDeviceSpec>(), nullptr);
  EXPECT_EQ(test::error_of([] { derive("base: hermes\nname: h\ncores:\n  device: {technology: rram}\n"); }),
            "derived.yaml:4: cores.device.g_min_us: missing required key; expected a number in [0, 10000]");
  // Keys of the old technology do not carry over silently.
  EXPECT_EQ(test::error_of([] { derive("base: hermes\nname: h\ncores:\n  device: {technology: ideal, t0_s: 3}\n"); }),
            "derived.yaml:4: cores.device.t0_s: unknown key; expected one of: technology");
}

TEST(Base, ByRelativePathAndChained) {
  // hermes-core is itself derived from hermes: a chain of two bases.
  const ChipSpec d = derive("base: ../../../presets/hermes-core.yaml\nname: core-slow\nclock_mhz: 500\n");
  EXPECT_EQ(d.cores.count, 1);
  EXPECT_DOUBLE_EQ(d.clock_mhz, 500);
  EXPECT_DOUBLE_EQ(*d.cores.read_modes.at(0).t_mvm_ns, 130);
  const ChipSpec tiny = derive("base: tiny.yaml\nname: tiny2\ncores: {rows: 32}\n");
  EXPECT_EQ(tiny.cores.rows, 32);
  EXPECT_EQ(tiny.cores.cols, 64);
}

TEST(Base, ErrorsInTheBaseNameTheBaseFile) {
  const std::string bad = test::source_path("tests/chip/bad/rows_zero.yaml");
  EXPECT_EQ(test::error_of([&] { derive("base: " + bad + "\nname: x\n"); }),
            bad + ":8: cores.rows: 0 is out of range; expected an integer in 1..65536");
}

TEST(Base, NullOnlyRemovesInheritedEntries) {
  EXPECT_EQ(test::error_of([] { derive("base: hermes\nname: h\ndigital:\n  gdpu: null\n  gdpu2: null\n"); }),
            "derived.yaml:5: digital.gdpu2: nothing to remove: the base has no entry 'gdpu2'");
}

}  // namespace
}  // namespace aimc::chip
