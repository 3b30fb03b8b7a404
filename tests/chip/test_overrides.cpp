// Chips changed by YAML path: the value lands where the path says, everything else is unchanged,
// and a bad path or value gets the chip loader's own one-line message.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "chip/overrides.h"
#include "chip/resolved.h"
#include "chip_test_util.h"

namespace aimc::chip {
namespace {

using ::testing::HasSubstr;

TEST(Overrides, ChangeOnlyTheNamedParameters) {
  const ChipSpec hermes = test::preset("hermes");
  const ChipSpec c = with_overrides(
      hermes, {{"cores.adc.bits", "6"}, {"cores.read_modes.one-phase.t_mvm_ns", "150"}, {"clock_mhz", "500"}}, test::presets());
  EXPECT_EQ(c.cores.adc.bits, 6);
  EXPECT_EQ(c.cores.read_modes.front().t_mvm_ns, 150);
  EXPECT_EQ(c.clock_mhz, 500);
  // Put the three back: the resolved chip is the preset's again.
  const ChipSpec back =
      with_overrides(c,
                     {{"cores.adc.bits", std::to_string(hermes.cores.adc.bits)},
                      {"cores.read_modes.one-phase.t_mvm_ns", fmt::format("{}", *hermes.cores.read_modes.front().t_mvm_ns)},
                      {"clock_mhz", fmt::format("{}", hermes.clock_mhz)}},
                     test::presets());
  EXPECT_EQ(resolved_json(back).dump(), resolved_json(hermes).dump());
  EXPECT_EQ(resolved_json(with_overrides(hermes, {}, test::presets())).dump(), resolved_json(hermes).dump());
}

TEST(Overrides, BadPathsAndValuesNameTheField) {
  const ChipSpec hermes = test::preset("hermes");
  const auto error = [&](const std::string& path, const std::string& value) {
    return test::error_of([&] { with_overrides(hermes, {{path, value}}, test::presets()); });
  };
  EXPECT_THAT(error("cores.adc.bits.x", "1"), HasSubstr("cores.adc.bits.x: 'bits' is a value, not a section"));
  EXPECT_THAT(error("cores.adc.bitz", "6"), HasSubstr("bitz"));
  EXPECT_THAT(error("cores.adc.bits", "0"), HasSubstr("cores.adc.bits"));
  EXPECT_THAT(error("cores.adc.bits", "six"), HasSubstr("cores.adc.bits"));
  EXPECT_THAT(error("cores..bits", "6"), HasSubstr("empty key"));
  EXPECT_THAT(error("cores.adc.bits", "[1, "), HasSubstr("not YAML"));
  for (const std::string& e : {error("cores.adc.bitz", "6"), error("cores.adc.bits", "0")}) {
    EXPECT_THAT(e, HasSubstr("hermes with overrides")) << "the message names the changed chip";
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  }
}

}  // namespace
}  // namespace aimc::chip
