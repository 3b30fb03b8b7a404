// The result schema: every key each writer emits is in the table (so docs/results.md cannot drift
// from the files), every JSON names its schema, the tables have the documented columns, and the
// generated doc is the one in docs/.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "report/characterize_report.h"
#include "report/compile_report.h"
#include "report/eval_report.h"
#include "report/perf_report.h"
#include "report/schema.h"
#include "report_test_util.h"

namespace aimc {
namespace {

void expect_documented(const std::string& kind, const nlohmann::ordered_json& j) {
  EXPECT_EQ(j["schema_version"], report::kSchemaVersion);
  EXPECT_EQ(j["result"], kind);
  const std::vector<std::string> missing = report::undocumented_keys(report::result_doc(kind), j);
  EXPECT_TRUE(missing.empty()) << kind << " keys missing from report/schema.cpp: " << ::testing::PrintToString(missing);
}

TEST(ResultSchema, EveryCompileKeyIsDocumented) {
  const program::Program p =
      test::compile(test::tiny_cnn(), test::preset("hermes"), compiler::default_pipeline("pipelined", "none"));
  expect_documented("compile", report::compile_json(p));
  EXPECT_EQ(report::compile_table(p).columns, report::result_doc("compile").csv_columns);
}

TEST(ResultSchema, EveryEvalAndPerfKeyIsDocumented) {
  const experiment::EvalResult r = test::lenet_eval();
  expect_documented("eval", report::eval_json(r));
  const report::Table t = report::eval_table(r);
  EXPECT_EQ(t.columns, report::result_doc("eval").csv_columns);
  EXPECT_EQ(t.rows.size(), 2u);  // one per drift time
  // A language model's result: perplexity keys and bits per token.
  experiment::EvalResult lm = r;
  lm.metric = "perplexity";
  lm.digital = 40;
  for (auto& p : lm.chip) p.mean = 41, p.values = {40.5, 41.5};
  const nlohmann::ordered_json lj = report::eval_json(lm);
  expect_documented("eval", lj);
  EXPECT_DOUBLE_EQ(lj["chip"][0]["bits_per_token_mean"].get<double>(), std::log2(41.0));

  const perf::PerfStats s = test::lenet_perf();
  expect_documented("perf", report::perf_json(s));
  const report::Table pt = report::perf_table(s);
  const std::vector<std::string>& fixed = report::result_doc("perf").csv_columns;
  ASSERT_EQ(pt.columns.size(), fixed.size() + s.energy.pj.size());
  EXPECT_TRUE(std::equal(fixed.begin(), fixed.end(), pt.columns.begin()));
  // The per-component columns add up to each layer's energy.
  for (const auto& row : pt.rows) {
    double sum = 0;
    for (size_t c = fixed.size(); c < pt.columns.size(); ++c) sum += std::get<double>(row[c]);
    EXPECT_NEAR(sum, std::get<double>(row[11]), 1e-9 * std::max(1.0, sum));
  }
  EXPECT_EQ(pt.columns[11], "energy_per_inference_j");
  EXPECT_EQ(report::perf_table(s).rows.size(), s.layers.size());
}

TEST(ResultSchema, EveryCharacterizeKeyIsDocumented) {
  const experiment::Characterization c =
      experiment::characterize(test::preset("hermes"), {}, {.matrices = 1, .vectors = 16}, true);
  expect_documented("characterize", report::characterize_json(c));
  const report::Table t = report::characterize_table(c);
  EXPECT_EQ(t.columns, report::result_doc("characterize").csv_columns);
  EXPECT_EQ(t.rows.size(), c.read_modes.size());
}

TEST(ResultSchema, UndocumentedKeysAreFound) {
  nlohmann::ordered_json j = report::eval_json(experiment::EvalResult{.metric = "accuracy"});
  j["timing"]["made_up_s"] = 1;
  j["new_list"] = {{{"x", 1}}};
  EXPECT_EQ(report::undocumented_keys(report::result_doc("eval"), j),
            (std::vector<std::string>{"new_list", "new_list[].x", "timing.made_up_s"}));
}

TEST(ResultSchema, PerInferenceAndWholeRunFiguresNeverShareAName) {
  // An energy says in its name whether it is per inference or over the run; a `total_` figure is
  // never also per inference; every key has a unit.
  for (const report::ResultDoc& d : report::result_docs()) {
    for (const report::KeyDoc& k : d.keys) {
      EXPECT_FALSE(k.unit.empty()) << k.path;
      const bool per_inference = k.path.find("per_inference") != std::string::npos;
      const bool total = k.path.find("total_") != std::string::npos;
      EXPECT_FALSE(per_inference && total) << k.path;
      EXPECT_TRUE(k.unit != "J" || per_inference || total) << k.path;
    }
  }
}

TEST(ResultSchema, DocsHoldTheGeneratedSchema) {
  std::ifstream f(test::source_path("docs/results.md"));
  ASSERT_TRUE(f);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string doc = ss.str();
  const std::string begin = "<!-- BEGIN GENERATED: aimc results schema -->\n", end = "<!-- END GENERATED -->";
  const size_t a = doc.find(begin), b = doc.find(end);
  ASSERT_NE(a, std::string::npos);
  ASSERT_NE(b, std::string::npos);
  EXPECT_EQ(doc.substr(a + begin.size(), b - a - begin.size()), report::schema_markdown() + "\n")
      << "regenerate the block in docs/results.md from `aimc results schema`";
}

TEST(Csv, QuotesTextThatNeedsItAndWritesNumbersInFull) {
  report::Table t{{"name", "n", "x"}, {{std::string("a,b"), int64_t{3}, 0.1}, {std::string("say \"hi\""), int64_t{-1}, 1e-20}}};
  EXPECT_EQ(report::to_csv(t), "name,n,x\n\"a,b\",3,0.1\n\"say \"\"hi\"\"\",-1,1e-20\n");
  t.rows.push_back({std::string("short")});
  EXPECT_THROW(report::to_csv(t), InternalError);
}

}  // namespace
}  // namespace aimc
