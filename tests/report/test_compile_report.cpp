// The mapping report (compile result): its figures, its text (golden) and its table.
#include <gtest/gtest.h>

#include "../compiler/compiler_test_util.h"
#include "report/compile_report.h"
#include "report/schema.h"

namespace aimc {
namespace {

using program::Program;

Graph four_128(int layers) {
  test::GraphBuilder b("quarters");
  ValueId h = b.input("x", {1, 128});
  for (int i = 0; i < layers; ++i) h = b.gemm("fc" + std::to_string(i), h, 128, 128, true, static_cast<uint32_t>(i + 1));
  return b.finish({h});
}

std::string pipeline(const std::string& pack) {
  return "fold-batchnorm,quantize{calibration=none},lower-to-crossbar,partition,pack" + pack +
         ",replicate,place,assign-digital,route,schedule";
}

TEST(CompileReport, ShowsCellsAndSharedCrossbars) {
  Program p = test::compile(four_128(4), test::preset("hermes"), pipeline("{scope=network,shape=rect}"));
  const program::Json j = report::compile_json(p);
  EXPECT_EQ(j["crossbars_used"], 1);
  EXPECT_DOUBLE_EQ(j["cell_utilisation"].get<double>(), 1.0);
  ASSERT_EQ(j["shared_crossbars"].size(), 1u);
  EXPECT_EQ(j["shared_crossbars"][0]["tiles"].size(), 4u);
  EXPECT_EQ(j["shared_crossbars"][0]["layers"].size(), 4u);
  EXPECT_TRUE(j["shared_crossbars"][0]["shares_rows_or_columns"].get<bool>());
  const std::string text = report::compile_text(p);
  EXPECT_NE(text.find("cells       100.0% of the used crossbars' cells hold weights"), std::string::npos) << text;
  EXPECT_NE(text.find("shared      1 crossbars hold several tiles (1 of several layers, 1 with tiles sharing rows or columns"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("L0[0:128,0:128]@"), std::string::npos) << text;
  // Block-diagonal: two layers a crossbar, half the cells.
  Program d = test::compile(four_128(4), test::preset("hermes"), pipeline("{scope=network}"));
  const program::Json jd = report::compile_json(d);
  EXPECT_DOUBLE_EQ(jd["cell_utilisation"].get<double>(), 0.5);
  ASSERT_EQ(jd["shared_crossbars"].size(), 2u);
  EXPECT_FALSE(jd["shared_crossbars"][0]["shares_rows_or_columns"].get<bool>());
}

TEST(CompileReport, GoldenTextOfATinyCnn) {
  Program p = test::compile(test::tiny_cnn(), test::preset("hermes"), compiler::default_pipeline("pipelined", "none"));
  test::expect_golden("report", "tiny_cnn_hermes.report.txt", report::compile_text(p));
}

TEST(CompileReport, TableHasOneRowPerLayerWithTheJsonFigures) {
  Program p = test::compile(test::tiny_cnn(), test::preset("hermes"), compiler::default_pipeline("pipelined", "none"));
  const program::Json j = report::compile_json(p);
  const report::Table t = report::compile_table(p);
  ASSERT_EQ(t.rows.size(), j["layers"].size());
  ASSERT_EQ(t.columns, report::result_doc("compile").csv_columns);
  const auto col = [&](const std::string& name) {
    return static_cast<size_t>(std::find(t.columns.begin(), t.columns.end(), name) - t.columns.begin());
  };
  for (size_t i = 0; i < t.rows.size(); ++i) {
    EXPECT_EQ(std::get<std::string>(t.rows[i][col("layer")]), j["layers"][i]["name"].get<std::string>());
    EXPECT_EQ(std::get<int64_t>(t.rows[i][col("tiles")]), j["layers"][i]["tiles"].get<int64_t>());
    EXPECT_EQ(std::get<double>(t.rows[i][col("input_high")]), j["layers"][i]["input_range"][1].get<double>());
  }
}

}  // namespace
}  // namespace aimc
