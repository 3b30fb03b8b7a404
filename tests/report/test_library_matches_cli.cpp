// The CLI is flag parsing, one library call and printing: its result files equal the library's
// experiment functions' results written by src/report (wall-clock timings aside).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "report/characterize_report.h"
#include "report/eval_report.h"
#include "report/perf_report.h"
#include "report_test_util.h"

namespace aimc {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Runs the aimc executable with `args`, writing its result files into a fresh folder.
class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("aimc_cli_" + std::to_string(::getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  void run(const std::string& args) {
    const std::string cmd = std::string("AIMC_PRESETS='") + test::source_path("presets") + "' '" + AIMC_CLI + "' " + args +
                            " > '" + (dir / "stdout").string() + "' 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd << "\n" << read(dir / "stdout");
  }
  fs::path dir;
};

TEST_F(Cli, EvalWritesTheLibrarysResult) {
  run(fmt::format("eval --model '{}' --chip hermes --data '{}' --limit 32 --drift-times 1s,1d --repeats 2 --json '{}' --csv '{}'",
                  test::lenet(), test::mnist_spec(), (dir / "e.json").string(), (dir / "e.csv").string()));
  const experiment::EvalResult r = test::lenet_eval();
  nlohmann::ordered_json lib = report::eval_json(r), cli = nlohmann::ordered_json::parse(read(dir / "e.json"));
  for (auto* j : {&lib, &cli}) j->erase("timing");  // wall-clock figures and the thread count (results do not depend on it)
  EXPECT_EQ(cli.dump(2), lib.dump(2));
  EXPECT_EQ(read(dir / "e.csv"), report::to_csv(report::eval_table(r)));
  EXPECT_NE(read(dir / "stdout").find(report::eval_text(r).substr(0, 40)), std::string::npos);
}

TEST_F(Cli, PerfWritesTheLibrarysResult) {
  run(fmt::format("perf --model '{}' --chip hermes --images 4 --json '{}' --csv '{}'", test::lenet(), (dir / "p.json").string(),
                  (dir / "p.csv").string()));
  const perf::PerfStats s = test::lenet_perf();
  nlohmann::ordered_json lib = report::perf_json(s), cli = nlohmann::ordered_json::parse(read(dir / "p.json"));
  for (auto* j : {&lib, &cli}) j->erase("simulator");  // the simulator's own wall time
  EXPECT_EQ(cli.dump(2), lib.dump(2));
  EXPECT_EQ(read(dir / "p.csv"), report::to_csv(report::perf_table(s)));
}

TEST_F(Cli, CharacterizeWritesTheLibrarysResult) {
  run(fmt::format("chip characterize hermes --matrices 1 --vectors 16 --seed 3 --fit --json '{}' --csv '{}'",
                  (dir / "c.json").string(), (dir / "c.csv").string()));
  const experiment::Characterization c =
      experiment::characterize(test::preset("hermes"), {}, {.matrices = 1, .vectors = 16, .seed = 3}, true);
  EXPECT_EQ(nlohmann::ordered_json::parse(read(dir / "c.json")).dump(2), report::characterize_json(c).dump(2));
  EXPECT_EQ(read(dir / "c.csv"), report::to_csv(report::characterize_table(c)));
  EXPECT_EQ(read(dir / "stdout"), report::characterize_text(c));
}

}  // namespace
}  // namespace aimc
