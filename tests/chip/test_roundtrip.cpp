// The resolved form of every preset reads back to the same chip, and the schema reference in
// docs/chip-yaml.md is the one the parameter tables generate.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "chip/reference_doc.h"
#include "chip/resolved.h"
#include "chip_test_util.h"

namespace aimc::chip {
namespace {

TEST(Resolved, EveryPresetRoundTrips) {
  for (const PresetEntry& e : test::presets().list()) {
    SCOPED_TRACE(e.name);
    const ChipSpec chip = test::preset(e.name);
    const std::string yaml = resolved_yaml(chip);
    const ChipSpec again = parse_chip(yaml, "resolved.yaml", test::presets());
    EXPECT_EQ(resolved_json(again), resolved_json(chip));
    EXPECT_EQ(resolved_yaml(again), yaml);
    EXPECT_NO_THROW(validate_chip(again));
  }
}

TEST(Resolved, NamesNeedingQuotesAreQuoted) {
  ChipSpec chip = test::preset("hermes");
  chip.name = "1024";
  chip.description = "true";
  const ChipSpec again = parse_chip(resolved_yaml(chip), "resolved.yaml", test::presets());
  EXPECT_EQ(again.name, "1024");
  EXPECT_EQ(again.description, "true");
}

TEST(SchemaReference, DocsEmbedTheGeneratedReference) {
  std::ifstream in(test::source_path("docs/chip-yaml.md"));
  ASSERT_TRUE(in) << "docs/chip-yaml.md is missing";
  std::stringstream s;
  s << in.rdbuf();
  const std::string doc = s.str();
  const std::string begin = "<!-- BEGIN GENERATED: aimc chip schema -->\n";
  const std::string end = "<!-- END GENERATED -->";
  const std::size_t b = doc.find(begin);
  const std::size_t e = doc.find(end, b == std::string::npos ? 0 : b);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(e, std::string::npos);
  EXPECT_EQ(doc.substr(b + begin.size(), e - b - begin.size()), chip_schema_reference() + "\n")
      << "regenerate with: aimc chip schema (see docs/chip-yaml.md)";
}

TEST(SchemaReference, DocumentsEveryKeyAndTechnology) {
  const std::string ref = chip_schema_reference();
  for (const char* key : {"`cores.adc`", "| `bits` |", "`cores.read_modes.<name>`", "`noc.levels[]`", "(technology: pcm)",
                          "(technology: charge-domain)", "| `t_mvm_ns` |", "| `e_bit_phase_pj` |"}) {
    EXPECT_NE(ref.find(key), std::string::npos) << key;
  }
}

}  // namespace
}  // namespace aimc::chip
