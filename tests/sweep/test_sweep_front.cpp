// The Pareto front: non-dominated ok points on the objectives, against a brute-force check.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "core/error.h"
#include "sweep/sweep_front.h"

namespace aimc::sweep {
namespace {

report::Table table_of(const std::vector<std::tuple<std::string, double, double>>& rows) {
  report::Table t;
  t.columns = {"point_index", "status", "seed", "eval.accuracy_mean@1d", "perf.energy_per_inference_j"};
  int64_t i = 0;
  for (const auto& [status, acc, energy] : rows) t.rows.push_back({i, status, i++, acc, energy});
  return t;
}

TEST(SweepFront, KeepsExactlyTheUndominatedOkPoints) {
  const report::Table t =
      table_of({{"ok", 0.9, 2.0}, {"ok", 0.8, 1.0}, {"ok", 0.8, 3.0}, {"error", 0.99, 0.1}, {"ok", 0.95, 5.0}});
  const std::vector<Objective> obj = default_objectives(t);
  ASSERT_EQ(obj.size(), 2U);
  EXPECT_TRUE(obj[0].maximise);
  EXPECT_FALSE(obj[1].maximise);
  const report::Table f = pareto_front(t, {"seed"}, obj);
  EXPECT_EQ(f.columns, (std::vector<std::string>{"point_index", "seed", "eval.accuracy_mean@1d", "perf.energy_per_inference_j"}));
  std::vector<int64_t> idx;
  for (const auto& r : f.rows) idx.push_back(std::get<int64_t>(r[0]));
  EXPECT_EQ(idx, (std::vector<int64_t>{0, 1, 4}));  // 2 is beaten by 1; 3 did not run
}

TEST(SweepFront, MatchesABruteForceDefinitionOnRandomPoints) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<std::tuple<std::string, double, double>> rows;
  for (int i = 0; i < 300; ++i) rows.emplace_back("ok", std::round(u(rng) * 20) / 20, std::round(u(rng) * 20) / 20);
  const report::Table t = table_of(rows);
  const report::Table f = pareto_front(t, {}, parse_objectives("eval.accuracy_mean@1d:max,perf.energy_per_inference_j:min"));
  std::set<int64_t> front;
  for (const auto& r : f.rows) front.insert(std::get<int64_t>(r[0]));
  for (size_t i = 0; i < rows.size(); ++i) {
    bool dominated = false;
    for (size_t j = 0; j < rows.size(); ++j) {
      const double ai = std::get<1>(rows[i]), ei = std::get<2>(rows[i]), aj = std::get<1>(rows[j]), ej = std::get<2>(rows[j]);
      dominated = dominated || (aj >= ai && ej <= ei && (aj > ai || ej < ei));
    }
    EXPECT_EQ(front.count(static_cast<int64_t>(i)) == 1, !dominated) << i;
  }
}

TEST(SweepFront, BadObjectivesAreNamed) {
  EXPECT_THROW(parse_objectives("perf.tops"), Error);
  EXPECT_THROW(parse_objectives("perf.tops:up"), Error);
  const report::Table t = table_of({{"ok", 0.9, 2.0}});
  try {
    pareto_front(t, {}, parse_objectives("perf.tops:max"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("no column 'perf.tops'"));
  }
}

}  // namespace
}  // namespace aimc::sweep
