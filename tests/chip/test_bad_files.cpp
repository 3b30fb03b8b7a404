// Every malformed chip file in tests/chip/bad/ fails with exactly the one-line error its first line
// announces ("# expect: ..."; {file} is the file's path, {dir} its folder).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "chip_test_util.h"

namespace aimc::chip {
namespace {

namespace fs = std::filesystem;

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) s.replace(pos, from.size(), to);
  return s;
}

TEST(BadFiles, EachFailsWithItsExpectedError) {
  const fs::path dir = test::source_path("tests/chip/bad");
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    const std::string file = entry.path().string();
    std::ifstream in(file);
    std::string first;
    std::getline(in, first);
    const std::string prefix = "# expect: ";
    ASSERT_EQ(first.rfind(prefix, 0), 0u) << file << " lacks its '# expect: ' line";
    const std::string expected = replace_all(replace_all(first.substr(prefix.size()), "{file}", file), "{dir}", dir.string());
    const std::string got = test::error_of([&] { load_chip(file, test::presets()); });
    EXPECT_EQ(got, expected) << file;
    EXPECT_EQ(got.find('\n'), std::string::npos) << file;
    ++checked;
  }
  EXPECT_GE(checked, 30);
}

TEST(BadFiles, TheTemplateTheyComeFromIsValid) {
  const ChipSpec tiny = load_chip(test::source_path("tests/chip/good/tiny.yaml"), test::presets());
  EXPECT_EQ(tiny.name, "tiny");
  EXPECT_EQ(tiny.cores.rows, 64);
}

TEST(BadFiles, MissingFileAndUnknownPreset) {
  EXPECT_EQ(test::error_of([] { load_chip("no/such/chip.yaml", test::presets()); }), "no/such/chip.yaml: no such file");
  EXPECT_EQ(test::error_of([] { load_chip("hermse", test::presets()); }),
            "unknown chip 'hermse' (did you mean 'hermes'?); expected a preset (cluster-512, garofalo-cluster, hermes, "
            "hermes-core, verma-cimu, zhang-bnn-sram) or a .yaml file");
}

}  // namespace
}  // namespace aimc::chip
