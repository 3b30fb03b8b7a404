// The Program file's schema (src/program/program_schema.h): every key the writer emits is listed, the
// reader refuses a key that is not (naming it and the keys that fit there), and docs/program.md holds
// the generated table.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "compiler_test_util.h"
#include "program/program_schema.h"

namespace aimc {
namespace {

void collect(const program::Json& j, const std::string& path, std::set<std::string>& out) {
  if (path == "chip.resolved" || path == "statistics") return;  // opaque
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      const std::string p = path.empty() ? k : path + "." + k;
      out.insert(p);
      collect(v, p, out);
    }
  } else if (j.is_array()) {
    for (const auto& v : j) collect(v, path + "[]", out);
  }
}

bool listed(const std::string& path) {
  const size_t cut = path.find_last_of('.');
  const std::string parent = cut == std::string::npos ? "" : path.substr(0, cut);
  std::string key = cut == std::string::npos ? path : path.substr(cut + 1);
  if (key.ends_with("[]")) key.resize(key.size() - 2);
  for (const std::string& k : program::allowed_keys(parent)) {
    if (k == key) return true;
  }
  return false;
}

TEST(ProgramSchema, EveryKeyTheWriterEmitsIsListed) {
  std::set<std::string> paths;
  for (const auto& [chip, pipeline] : {std::pair{"hermes", compiler::default_pipeline("pipelined", "auto")},
                                       {"cluster-512", compiler::default_pipeline("data-parallel", "none")},
                                       {"verma-cimu", compiler::default_pipeline("layer", "none")}}) {
    const program::Program p = test::compile(test::tiny_cnn(), test::preset(chip), pipeline);
    collect(program::to_json(p), "", paths);
  }
  for (const std::string& p : paths) EXPECT_TRUE(listed(p)) << p << " is not in src/program/program_schema.cpp";
  EXPECT_GT(paths.size(), 80u);
}

TEST(ProgramSchema, TheReaderRefusesUnknownKeysByName) {
  const program::Program p = test::compile(test::tiny_cnn(), test::preset("hermes"));
  program::Json j = program::to_json(p);
  j["tiles"][1]["replicaa"] = 0;
  const std::string e = test::error_of([&] { program::program_from_json(j, "p.json"); });
  EXPECT_NE(e.find("p.json: tiles[1].replicaa: unknown key; expected one of: array, cols, core, group, id, layer, offset, "
                   "reduce_core, replica, rows, segment"),
            std::string::npos)
      << e;
  program::Json top = program::to_json(p);
  top["comment"] = "hand-edited";
  EXPECT_NE(test::error_of([&] { program::program_from_json(top, "p.json"); }).find("comment: unknown key"), std::string::npos);
  program::Json deep = program::to_json(p);
  deep["layers"][0]["quant"]["inpt_bits"] = 8;
  EXPECT_NE(test::error_of([&] { program::program_from_json(deep, "p.json"); }).find("layers[0].quant.inpt_bits: unknown key"),
            std::string::npos);
  program::Json opaque = program::to_json(p);
  opaque["chip"]["resolved"]["anything"] = 1;  // the resolved chip is checked by its hash, not key by key
  opaque["statistics"]["a-pass"] = {{"count", 1}};
  EXPECT_EQ(test::error_of([&] { program::program_from_json(opaque, "p.json"); }), "(no error)");
}

TEST(ProgramSchema, RowWindowsAreRecordedAndChecked) {
  const program::Program p = test::compile(test::tiny_cnn(), test::preset("hermes"));
  // conv1: 3x3, pad 1 over 8 rows; conv2 after the 2x2 pool: 4 rows; the pool on a digital unit.
  ASSERT_TRUE(p.layers[0].row_window);
  EXPECT_EQ(p.layers[0].output_rows, 8);
  EXPECT_EQ(*p.layers[0].row_window, (program::RowWindow{.input_rows = 8, .kernel = 3, .stride = 1, .pad = 1}));
  ASSERT_TRUE(p.layers[1].row_window);
  EXPECT_EQ(*p.layers[1].row_window, (program::RowWindow{.input_rows = 4, .kernel = 3, .stride = 1, .pad = 1}));
  EXPECT_FALSE(p.layers[2].row_window);  // the classifier
  bool pool = false;
  for (const auto& d : p.digital_ops) {
    if (d.node != "pool1") continue;
    pool = true;
    EXPECT_EQ(d.output_rows, 4);
    ASSERT_TRUE(d.row_window);
    EXPECT_EQ(*d.row_window, (program::RowWindow{.input_rows = 8, .kernel = 2, .stride = 2, .pad = 0}));
  }
  EXPECT_TRUE(pool);
  const program::Json j = program::to_json(p);
  EXPECT_EQ(program::to_json(program::program_from_json(j, "p.json")), j);
  const auto error_with = [&](const std::string& key, int64_t value) {
    program::Json bad = j;
    bad["layers"][0]["row_window"][key] = value;
    return test::error_of([&] { program::program_from_json(bad, "p.json"); });
  };
  EXPECT_EQ(error_with("kernel", 0), "p.json: layers[0].row_window.kernel: expected 1 or more");
  EXPECT_EQ(error_with("stride", 0), "p.json: layers[0].row_window.stride: expected 1 or more");
  EXPECT_EQ(error_with("input_rows", -3), "p.json: layers[0].row_window.input_rows: expected 1 or more");
  EXPECT_EQ(error_with("pad", 3), "p.json: layers[0].row_window.pad: expected 0 to kernel - 1");
  program::Json no_rows = j;
  no_rows["layers"][0]["output_rows"] = 0;
  EXPECT_EQ(test::error_of([&] { program::program_from_json(no_rows, "p.json"); }),
            "p.json: layers[0].row_window: needs output_rows of 1 or more");
  program::Json old = j;  // a Program from before row windows were recorded: read, no halo
  old["layers"][0].erase("row_window");
  EXPECT_FALSE(program::program_from_json(old, "p.json").layers[0].row_window);
}

TEST(ProgramSchema, NetworkCopiesAgreeWithTheSchedule) {
  // A hand-edited count of data-parallel copies ran silently: LeNet's 10 copies on hermes set to 1000 gave a
  // latency 3.4 times too long, set to 0 or -1 one copy over tiles of ten.
  const program::Program dp =
      test::compile(test::tiny_cnn(), test::preset("cluster-512"), compiler::default_pipeline("data-parallel", "auto"));
  ASSERT_GT(dp.schedule.network_replicas, 1);
  const program::Json j = program::to_json(dp);
  EXPECT_EQ(program::to_json(program::program_from_json(j, "p.json")), j);
  const auto error_with = [&](int64_t copies) {
    program::Json bad = j;
    bad["schedule"]["network_replicas"] = copies;
    return test::error_of([&] { program::program_from_json(bad, "p.json"); });
  };
  EXPECT_EQ(error_with(0), "p.json: schedule.network_replicas: expected 1 or more");
  EXPECT_EQ(error_with(dp.schedule.network_replicas + 1),
            fmt::format("p.json: schedule.network_replicas: expected every layer's replicas, but layer 0 ({}) has {}: a "
                        "data-parallel copy holds one replica of every layer",
                        dp.layers[0].name, dp.schedule.network_replicas));
  const program::Program piped = test::compile(test::tiny_cnn(), test::preset("hermes"));
  program::Json two = program::to_json(piped);
  two["schedule"]["network_replicas"] = 2;
  EXPECT_EQ(test::error_of([&] { program::program_from_json(two, "p.json"); }),
            "p.json: schedule.network_replicas: expected 1: only a data-parallel schedule copies the network");
  // Each data-parallel transfer names its network copy (route); the reader checks it against the schedule.
  std::set<int32_t> copies;
  for (const program::Transfer& t : dp.transfers) {
    ASSERT_GE(t.copy, 0) << t.value;
    copies.insert(t.copy);
  }
  EXPECT_EQ(static_cast<int64_t>(copies.size()), dp.schedule.network_replicas);
  for (const program::Transfer& t : piped.transfers) EXPECT_EQ(t.copy, -1) << t.value;
  program::Json far = j;
  far["transfers"][0]["copy"] = dp.schedule.network_replicas;
  EXPECT_EQ(test::error_of([&] { program::program_from_json(far, "p.json"); }),
            fmt::format("p.json: transfers[0].copy: expected -1 to {} (the schedule's network_replicas - 1)",
                        dp.schedule.network_replicas - 1));
  program::Json stray = program::to_json(piped);
  stray["transfers"][0]["copy"] = 0;
  EXPECT_EQ(test::error_of([&] { program::program_from_json(stray, "p.json"); }),
            "p.json: transfers[0].copy: expected -1: only a data-parallel schedule has network copies");
}

TEST(ProgramSchema, CountsAndStagesAreChecked) {
  // Each was read silently and moved the figures (a layer with no stage left out of the timing and the energy,
  // a negative vector count subtracted MACs).
  const program::Program p = test::compile(test::tiny_cnn(), test::preset("hermes"));
  const program::Json j = program::to_json(p);
  const auto error_with = [&](const std::function<void(program::Json&)>& edit) {
    program::Json bad = j;
    edit(bad);
    return test::error_of([&] { program::program_from_json(bad, "p.json"); });
  };
  EXPECT_EQ(error_with([](program::Json& b) { b["layers"][0]["vectors_per_inference"] = 0; }),
            "p.json: layers[0].vectors_per_inference: expected 1 or more");
  EXPECT_EQ(error_with([](program::Json& b) {
              b["layers"][0]["output_rows"] = b["layers"][0]["vectors_per_inference"].get<int64_t>() + 1;
            }),
            "p.json: layers[0].output_rows: expected at most vectors_per_inference (an output row holds one vector or more)");
  EXPECT_EQ(error_with([](program::Json& b) { b["digital_ops"][0]["ops_per_inference"] = -5; }),
            "p.json: digital_ops[0].ops_per_inference: expected 0 or more");
  EXPECT_EQ(error_with([](program::Json& b) { b["transfers"][0]["hops"] = -1; }),
            "p.json: transfers[0].hops: expected 0 or more");
  EXPECT_EQ(error_with([](program::Json& b) { b["schedule"]["stages"][0]["mvms_per_inference"] = -5; }),
            "p.json: schedule.stages[0].mvms_per_inference: expected a non-negative number");
  EXPECT_EQ(error_with([](program::Json& b) { b["schedule"]["segments"][0]["write_operations"] = -1; }),
            "p.json: schedule.segments[0].write_operations: expected 0 or more");
  EXPECT_EQ(error_with([](program::Json& b) { b["schedule"]["stages"][0]["layers"] = program::Json::array(); }),
            fmt::format("p.json: schedule.stages: layer 0 ({}) is in no stage; expected one", p.layers[0].name));
  // columns_per_weight 0 crashed perf (a division by zero).
  EXPECT_EQ(error_with([](program::Json& b) { b["layers"][0]["columns_per_weight"] = 0; }),
            "p.json: layers[0].columns_per_weight: expected 1 or more");
  EXPECT_EQ(error_with([](program::Json& b) { b["layers"][0]["quant"]["input_bits"] = 40; }),
            "p.json: layers[0].quant.input_bits: expected 0 (the chip's) to 32");
  EXPECT_EQ(error_with([](program::Json& b) { b["layers"][0]["quant"]["weight_scale"] = {-1.0}; }),
            "p.json: layers[0].quant.weight_scale: expected numbers ≥ 0");
  EXPECT_EQ(error_with([](program::Json& b) { b["tiles"][0]["group"] = 7; }),
            "p.json: tiles[0].group: expected 0 to 0 (the layer's groups - 1)");
  EXPECT_EQ(error_with([](program::Json& b) { b["tiles"][0]["segment"] = 99; }),
            "p.json: tiles[0].segment: expected 0 to 0 (the schedule's segments - 1)");
  EXPECT_EQ(error_with([](program::Json& b) { b["schedule"]["stages"][0]["id"] = 5; }),
            "p.json: schedule.stages[0].id: expected 0");
  EXPECT_EQ(error_with([](program::Json& b) { b["schedule"]["stages"][1]["layers"].push_back(0); }),
            fmt::format("p.json: schedule.stages: layer 0 ({}) is in stages 0 and 1; expected one", p.layers[0].name));
}

TEST(ProgramSchema, DocsHoldTheGeneratedTable) {
  std::ifstream f(test::source_path("docs/program.md"));
  ASSERT_TRUE(f);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string doc = ss.str(), begin = "<!-- BEGIN GENERATED: aimc results program-schema -->\n",
                    end = "<!-- END GENERATED -->";
  const size_t a = doc.find(begin), b = doc.find(end);
  ASSERT_NE(a, std::string::npos);
  ASSERT_NE(b, std::string::npos);
  EXPECT_EQ(doc.substr(a + begin.size(), b - a - begin.size()), program::program_schema_markdown())
      << "regenerate the block in docs/program.md from `aimc results program-schema`";
}

}  // namespace
}  // namespace aimc
