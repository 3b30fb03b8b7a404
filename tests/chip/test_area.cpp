// The chip's area by component (chip/area.h): parts add up to their totals, a die area leaves the
// rest as "other", the peak density uses the total, and parts larger than their totals are refused.
#include <gtest/gtest.h>

#include <map>

#include "chip/area.h"
#include "chip/peak.h"
#include "chip_test_util.h"

namespace aimc::chip {
namespace {

ChipSpec area_chip(const std::string& yaml) { return parse_chip(yaml, "area.yaml", test::presets()); }

std::string error_of(const std::string& yaml) {
  try {
    area_chip(yaml);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

const char* kParts = R"(base: hermes
name: parts
cores:
  area_mm2: 0.634
  array_area_mm2: 0.2
  adc: {area_mm2: 0.0005}
  digital: {ldpu: {area_mm2: 0.05}}
digital: {gdpu: {area_mm2: 0.4}}
noc: {area_mm2: 1.5}
)";

TEST(Area, PartsAddUpToTheCoresAndTheChipLevel) {
  const ChipSpec c = area_chip(kParts);
  const auto a = area_breakdown(c);
  ASSERT_TRUE(a.has_value());
  std::map<std::string, double> part(a->parts.begin(), a->parts.end());
  EXPECT_EQ(a->basis, "cores");
  EXPECT_DOUBLE_EQ(part["arrays"], 64 * 0.2);
  EXPECT_DOUBLE_EQ(part["adcs"], 64 * 256 * 0.0005);  // one ADC per column
  EXPECT_DOUBLE_EQ(part["core ldpu"], 64 * 0.05);
  EXPECT_NEAR(part["core other"], 64 * (0.634 - 0.2 - 0.128 - 0.05), 1e-9);
  EXPECT_DOUBLE_EQ(part["chip gdpu"], 0.4);
  EXPECT_DOUBLE_EQ(part["noc"], 1.5);
  double sum = 0;
  for (const auto& [n, v] : a->parts) sum += v;
  EXPECT_NEAR(a->total_mm2, sum, 1e-9);
  EXPECT_NEAR(a->total_mm2, 64 * 0.634 + 0.4 + 1.5, 1e-9);
  // The peak density is over that total.
  const PeakPoint p = peak_point(c, "four-phase", 8, std::nullopt);
  ASSERT_TRUE(p.tops_per_mm2.has_value());
  EXPECT_NEAR(*p.tops_per_mm2, p.tops / a->total_mm2, 1e-12);
}

TEST(Area, ACoreWithoutATotalIsItsParts) {
  const ChipSpec c = area_chip("base: hermes\nname: p\ncores:\n  area_mm2: null\n  array_area_mm2: 0.3\n");
  EXPECT_DOUBLE_EQ(*core_area_mm2(c.cores), 0.3);
  EXPECT_DOUBLE_EQ(area_breakdown(c)->total_mm2, 64 * 0.3);
}

TEST(Area, ADieLeavesTheRestAsOther) {
  const ChipSpec c = area_chip("base: cluster-512\nname: d\ncores:\n  array_area_mm2: 0.5\n");
  const auto a = area_breakdown(c);
  EXPECT_EQ(a->basis, "die");
  EXPECT_DOUBLE_EQ(a->total_mm2, 480);
  std::map<std::string, double> part(a->parts.begin(), a->parts.end());
  EXPECT_DOUBLE_EQ(part["arrays"], 256);
  EXPECT_DOUBLE_EQ(part["other"], 480 - 256);
  // No parts, no breakdown, only the total (the presets: their sources give totals).
  EXPECT_TRUE(area_breakdown(test::preset("cluster-512"))->parts.empty());
  EXPECT_FALSE(area_breakdown(test::preset("verma-cimu")).has_value());
}

TEST(Area, PartsLargerThanTheirTotalAreRefused) {
  EXPECT_NE(error_of("base: hermes\nname: p\ncores:\n  array_area_mm2: 0.7\n").find("cores.area_mm2"), std::string::npos);
  EXPECT_NE(error_of("base: cluster-512\nname: p\ncores:\n  array_area_mm2: 1.0\n").find("area_mm2: 480 mm² is less"),
            std::string::npos);
  EXPECT_NE(error_of("base: cluster-512\nname: p\nmemories:\n  l2: {area_mm2: 3}\n").find("memories.l2.area_mm2"),
            std::string::npos);
}

}  // namespace
}  // namespace aimc::chip
