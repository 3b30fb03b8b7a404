// Output files: atomic replacement (the old file survives a failed write, no temporary is left), and
// the rules a command's outputs follow (none is an input; an existing one only with force).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/text_file.h"
#include "test_errors.h"

namespace aimc {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("aimc_out_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

std::string read(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

using test::error_of;

TEST(OutputFile, ReplacesAtomicallyAndLeavesNoTemporary) {
  TempDir d;
  const std::string f = (d.path / "r.json").string();
  write_text_file(f, "one");
  write_text_file(f, "two");
  EXPECT_EQ(read(f), "two");
  EXPECT_EQ(std::distance(fs::directory_iterator(d.path), fs::directory_iterator()), 1);
}

TEST(OutputFile, AFailedWriteNamesTheFileAndLeavesNothing) {
  TempDir d;
  const std::string missing = (d.path / "no" / "r.json").string();
  EXPECT_NE(error_of([&] { write_text_file(missing, "x"); }).find(missing), std::string::npos);
  EXPECT_NE(error_of([&] { write_text_file(d.path.string(), "x"); }).find("is a folder"), std::string::npos);
  EXPECT_EQ(std::distance(fs::directory_iterator(d.path), fs::directory_iterator()), 0);
}

TEST(OutputFile, OutputsFollowTheRules) {
  TempDir d;
  const std::string in = (d.path / "m.onnx").string(), out = (d.path / "p.json").string();
  write_text_file(in, "model");
  const std::string link = (d.path / "alias.onnx").string();
  fs::create_symlink(in, link);
  EXPECT_TRUE(same_path(in, link));
  EXPECT_TRUE(same_path(in, (d.path / "." / "m.onnx").string()));
  EXPECT_FALSE(same_path(in, out));
  EXPECT_EQ(error_of([&] { check_outputs({{"-o", out}}, {in}, false); }), "(no error)");
  EXPECT_NE(error_of([&] { check_outputs({{"-o", link}}, {in}, true); }).find("also an input"), std::string::npos);
  write_text_file(out, "old");
  EXPECT_NE(error_of([&] { check_outputs({{"--json", out}}, {in}, false); }).find("pass `force`"), std::string::npos);
  EXPECT_EQ(error_of([&] { check_outputs({{"--json", out}}, {in}, true); }), "(no error)");
  EXPECT_EQ(error_of([&] { check_outputs({{"--json", "-"}, {"-o", ""}}, {in}, false); }), "(no error)");
  EXPECT_NE(error_of([&] {
              check_outputs({{"-o", out}, {"--json", out}}, {}, true);
            }).find("also the output of -o"),
            std::string::npos);
}

}  // namespace
}  // namespace aimc
