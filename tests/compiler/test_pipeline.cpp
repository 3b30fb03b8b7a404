// Pipelines as text, the passes' diagnostics, the network-does-not-fit error, reload segments,
// the Program's JSON and its golden text, and the digital-unit assignment.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "compiler/pass.h"
#include "compiler_test_util.h"
#include "core/error.h"
#include "onnx/importer.h"
#include "program/weights.h"
#include "reference/executor.h"

namespace aimc {
namespace {

using program::Program;

Graph mlp(int64_t in, int64_t hidden, int64_t out) {
  test::GraphBuilder b("mlp");
  ValueId x = b.input("x", {1, in});
  ValueId h = b.node("relu", OpKind::Relu, {b.gemm("fc1", x, in, hidden, true, 1)});
  return b.finish({b.gemm("fc2", h, hidden, out, true, 2)});
}

TEST(Pipeline, ParsesPassesAndOptions) {
  auto passes = compiler::parse_pipeline("fold-batchnorm, quantize{granularity=per-channel,samples=2},schedule{kind=layer}");
  ASSERT_EQ(passes.size(), 3u);
  EXPECT_EQ(passes[1]->spec(), "quantize{granularity=per-channel,samples=2}");
  EXPECT_EQ(passes[2]->option("kind"), "layer");
  EXPECT_EQ(compiler::registered_passes().size(), 10u);
}

TEST(Pipeline, DiagnosticsNameThePassAndTheChoices) {
  EXPECT_EQ(test::error_of([] { compiler::parse_pipeline("fold-batchnorm,frobnicate"); }),
            "pipeline: unknown pass 'frobnicate' (passes: assign-digital, fold-batchnorm, lower-to-crossbar, pack, "
            "partition, place, quantize, replicate, route, schedule)");
  EXPECT_EQ(test::error_of([] { compiler::parse_pipeline("schedule{kind=systolic}"); }),
            "pipeline: schedule{kind=systolic}: expected one of layer, pipelined, data-parallel");
  EXPECT_EQ(test::error_of([] { compiler::parse_pipeline("replicate{budget=lots}"); }),
            "pipeline: replicate{budget=lots}: expected an integer, -1 or more");
  // Integer options out of their range (they were taken silently: a max-replicas of -3 meant no replicas).
  EXPECT_EQ(test::error_of([] { compiler::parse_pipeline("replicate{max-replicas=-3}"); }),
            "pipeline: replicate{max-replicas=-3}: expected an integer, 1 or more");
  EXPECT_EQ(test::error_of([] { compiler::parse_pipeline("quantize{weight-bits=40}"); }),
            "pipeline: quantize{weight-bits=40}: expected an integer, from 0 to 32");
  EXPECT_EQ(test::error_of([] { compiler::parse_pipeline("quantize{samples=0}"); }),
            "pipeline: quantize{samples=0}: expected an integer, 1 or more");
  EXPECT_NO_THROW(compiler::parse_pipeline("replicate{budget=-1,total=322,max-replicas=1},place{window=0}"));
  EXPECT_EQ(test::error_of([] { compiler::parse_pipeline("place{colour=red}"); }),
            "pipeline: pass 'place' has no option 'colour' (options: reload, refine, window)");
  EXPECT_EQ(test::error_of([] { compiler::parse_pipeline("quantize{granularity=per-layer"); }),
            "pipeline: unbalanced '{' in pipeline 'quantize{granularity=per-layer'");
  EXPECT_EQ(test::error_of([] { compiler::default_pipeline("systolic"); }),
            "schedule: unknown schedule 'systolic' (schedules: layer, pipelined, data-parallel)");
}

TEST(Pipeline, TooBigIsAClearError) {
  // fc1 2048 x 1792: 8 x 7 = 56 crossbars, fc2 1792 x 10: 7, together 63 of 64.
  // fc1 2304 x 2048: 9 x 8 = 72 crossbars, fc2 2048 x 10: 8 blocks of 256 x 10, together 80
  // block-diagonally; 2-D packing puts fc2's blocks side by side in one crossbar: 73, the count
  // the error reports (the fewest of the packings tried).
  Graph fits = mlp(2048, 1792, 10);
  EXPECT_EQ(test::error_of([&] { test::compile(fits, test::preset("hermes")); }), "(no error)");
  Graph big = mlp(2304, 2048, 10);
  EXPECT_EQ(test::error_of([&] { test::compile(big, test::preset("hermes")); }),
            "mlp needs 73 crossbars of 256x256, hermes has 64 (and its cores.programming does not allow reloading weights); most "
            "crossbars: fc1 (72), fc2 (1); it fits a chip derived with base: hermes and cores: {count: 81, arrangement: [9, 9]}");
  EXPECT_EQ(test::error_of([&] {
              test::compile(big, test::preset("hermes"),
                            "fold-batchnorm,quantize{calibration=none},lower-to-crossbar,partition,pack{shape=diagonal},place");
            }),
            "mlp needs 80 crossbars of 256x256, hermes has 64 (and its cores.programming does not allow reloading weights); most "
            "crossbars: fc1 (72), fc2 (8); it fits a chip derived with base: hermes and cores: {count: 81, arrangement: [9, 9]}");
}

TEST(Pipeline, ReloadSegmentsWhenTheChipAllowsIt) {
  Graph big = mlp(2304, 2048, 10);
  chip::ChipSpec c = test::chip_yaml("base: hermes\nname: hermes-reload\ncores:\n  programming:\n    reload: true\n");
  Program p = test::compile(big, c);
  ASSERT_EQ(p.schedule.segments.size(), 2u);
  EXPECT_EQ(p.schedule.segments[0].tiles.size(), 64u);
  EXPECT_EQ(p.schedule.segments[1].tiles.size(), 16u);
  EXPECT_EQ(p.schedule.segments[0].cells_written, 64 * 256 * 256);
  EXPECT_EQ(p.schedule.segments[0].write_operations, 64 * 256 * 256);  // one unit cell per write
  for (const auto& l : p.layers) EXPECT_EQ(l.replicas, 1);
}

TEST(Pipeline, NoCoreOverCapacityAndNoOverlap) {
  Graph g = mlp(600, 700, 300);
  for (const std::string chip : {"hermes", "cluster-512", "verma-cimu"}) {
    Program p = test::compile(g, test::preset(chip));
    std::map<std::tuple<int32_t, int32_t, int32_t>, int64_t> area;
    std::set<std::pair<int32_t, int32_t>> slots;
    for (const auto& t : p.tiles) {
      area[{t.segment, t.core, t.array}] += t.rows() * t.cols() * p.layers[static_cast<size_t>(t.layer)].columns_per_weight;
      EXPECT_LT(t.array, 1);
      slots.insert({t.segment, t.core});
    }
    for (const auto& [k, a] : area) EXPECT_LE(a, p.crossbar_rows * p.crossbar_cols);
    EXPECT_LE(static_cast<int64_t>(slots.size()), p.crossbars_available * static_cast<int64_t>(p.schedule.segments.size()));
    // The JSON reader re-checks overlap and core ranges.
    EXPECT_NO_THROW(program::program_from_json(program::to_json(p), "p.json"));
  }
}

TEST(Program, JsonRoundTripAndFieldErrors) {
  Program p = test::compile(mlp(300, 64, 10), test::preset("hermes"));
  const program::Json j = program::to_json(p);
  EXPECT_EQ(j["format"], "aimc-program");
  EXPECT_EQ(j["version"], 1);
  Program back = program::program_from_json(j, "p.json");
  EXPECT_EQ(program::to_json(back).dump(), j.dump());
  EXPECT_EQ(program::to_text(back), program::to_text(p));
  program::Json bad = j;
  bad["tiles"][1]["rows"] = {0, 9999};
  EXPECT_EQ(test::error_of([&] { program::program_from_json(bad, "p.json"); }),
            "p.json: tiles[1].rows: expected [begin, end) inside the layer");
  bad = j;
  bad["layers"][0].erase("replicas");
  EXPECT_EQ(test::error_of([&] { program::program_from_json(bad, "p.json"); }), "p.json: layers[0].replicas: missing");
  bad = j;
  bad["version"] = 7;
  EXPECT_EQ(test::error_of([&] { program::program_from_json(bad, "p.json"); }),
            "p.json: version: version 7 is not supported (this aimc reads version 1)");
  bad = j;
  bad["tiles"][1]["offset"] = {0, 0};
  bad["tiles"][1]["core"] = bad["tiles"][0]["core"];
  EXPECT_NE(test::error_of([&] { program::program_from_json(bad, "p.json"); }).find("overlap"), std::string::npos);
  // A Program is tied to its chip.
  EXPECT_NO_THROW(program::check_chip(p, test::preset("hermes"), "p.json"));
  EXPECT_NE(test::error_of([&] {
              program::check_chip(p, test::preset("cluster-512"), "p.json");
            }).find("the program was compiled for chip 'hermes'"),
            std::string::npos);
  // The same chip's name with another description (an edited file, a preset changed since): compile again.
  chip::ChipSpec edited = test::preset("hermes");
  edited.clock_mhz *= 2;
  EXPECT_EQ(
      test::error_of([&] { program::check_chip(p, edited, "p.json"); }),
      fmt::format(
          "p.json: chip: the program was compiled for another description of chip 'hermes' (sha256 {}, this one "
          "{}): its parameters differ (an edited file, a preset changed since, overrides); compile the model again for this chip",
          p.chip_sha256.substr(0, 12), program::chip_sha256(edited).substr(0, 12)));
  // What the library's experiments check (what-if runs of one Program): the parts the mapping names exist.
  EXPECT_NO_THROW(program::check_fits(p, edited, "p.json"));  // another clock: the same parts
  EXPECT_NE(test::error_of([&] { program::check_fits(p, test::preset("cluster-512"), "p.json"); }).find("runs on unit 'ldpu'"),
            std::string::npos);  // was a vector range error in perf
  chip::ChipSpec fewer = test::preset("hermes");
  fewer.cores.count = 1;
  const std::string why = test::error_of([&] { program::check_fits(p, fewer, "p.json"); });
  EXPECT_TRUE(why.starts_with("p.json: chip: the program does not fit chip 'hermes': tile ")) << why;  // was a segfault
  chip::ChipSpec smaller = test::preset("hermes");
  smaller.cores.rows = 128;
  EXPECT_EQ(test::error_of([&] { program::check_fits(p, smaller, "p.json"); }),
            "p.json: chip: the program does not fit chip 'hermes': its crossbars are 256x256, the chip's 128x256; compile "
            "the model for this chip");
}

// Graph ops ahead of the network's first layer (an input's normalisation: (x − mean) / std) join stage 0 ahead
// of its MVMs: the first digital_ops, counted by digital_ops_before_mvms; what they make moves before the MVMs
// (before-mvm), the network's input at the start. The field round-trips through JSON and is checked.
TEST(Schedule, OpsAheadOfTheFirstLayerRunBeforeItsMvms) {
  test::GraphBuilder b("normalised");
  ValueId x = b.input("x", {1, 3, 8, 8});
  Tensor mean(DType::f32, {1, 3, 1, 1}), stdev(DType::f32, {1, 3, 1, 1});
  for (int c = 0; c < 3; ++c) mean.data<float>()[c] = 0.4f + 0.05f * static_cast<float>(c), stdev.data<float>()[c] = 0.25f;
  ValueId centred = b.node("sub", OpKind::Sub, {x, b.constant("mean", mean)});
  ValueId scaled = b.node("div", OpKind::Div, {centred, b.constant("std", stdev)});
  ValueId h = b.node("relu", OpKind::Relu, {b.conv("conv1", scaled, 3, 16, 3)});
  const Graph g = b.finish({b.conv("conv2", h, 16, 8, 3, 1, true, 2)});
  // Arrays of 16 rows: conv1's 27 rows take two cores per replica, each normalising half the channels for its
  // replica's inferences and sending the other the share its rows read.
  const Program p = test::compile(g, test::chip_yaml("base: verma-cimu\nname: verma-16-rows\ncores:\n  rows: 16\n"));
  const auto& first = p.schedule.stages.front();
  ASSERT_EQ(first.digital_ops_before_mvms, 2);
  EXPECT_EQ(p.digital_ops[static_cast<size_t>(first.digital_ops[0])].node, "sub");
  EXPECT_EQ(p.digital_ops[static_cast<size_t>(first.digital_ops[1])].node, "div");
  for (size_t i = 2; i < first.digital_ops.size(); ++i) {
    EXPECT_NE(p.digital_ops[static_cast<size_t>(first.digital_ops[i])].node, "sub");
  }
  for (const auto& st : p.schedule.stages) {
    if (st.id > 0) {
      EXPECT_EQ(st.digital_ops_before_mvms, 0);
    }
  }
  int64_t ahead = 0;
  for (const auto& t : p.transfers) {
    if (t.value == g.value(scaled).name) {
      EXPECT_EQ(t.stage, 0);
      EXPECT_EQ(t.at, program::TransferAt::BeforeMvm);
      ++ahead;
    }
    if (t.kind == program::TransferKind::Input) {
      EXPECT_EQ(t.at, program::TransferAt::Start);
    }
  }
  EXPECT_GT(ahead, 0);  // within a replica, the core that normalised a share of the input sends it to the other
  const program::Json j = program::to_json(p);
  EXPECT_EQ(j["schedule"]["stages"][0]["digital_ops_before_mvms"], 2);
  EXPECT_FALSE(j["schedule"]["stages"][1].contains("digital_ops_before_mvms"));
  EXPECT_EQ(program::to_json(program::program_from_json(j, "p.json")).dump(), j.dump());
  program::Json bad = j;
  bad["schedule"]["stages"][0]["digital_ops_before_mvms"] = 99;
  EXPECT_EQ(test::error_of([&] { program::program_from_json(bad, "p.json"); }),
            "p.json: schedule.stages[0].digital_ops_before_mvms: expected 0 up to the number of the stage's digital_ops");
}

// Golden text of a tiny network's Program (P10). AIMC_UPDATE_GOLDEN=1 rewrites the files.

TEST(Golden, TinyCnnOnHermes) {
  Program p = test::compile(test::tiny_cnn(), test::preset("hermes"), compiler::default_pipeline("pipelined", "none"));
  test::expect_golden("compiler", "tiny_cnn_hermes.program.txt", program::to_text(p));
}

TEST(Golden, TinyCnnOnCluster512DataParallel) {
  Program p = test::compile(test::tiny_cnn(), test::preset("cluster-512"), compiler::default_pipeline("data-parallel", "none"));
  test::expect_golden("compiler", "tiny_cnn_cluster512.program.txt", program::to_text(p));
}

TEST(AssignDigital, UnitsFollowTheChip) {
  Program h = test::compile(test::tiny_cnn(), test::preset("hermes"));
  std::map<std::string, std::string> unit;
  for (const auto& d : h.digital_ops) unit[d.node + "/" + d.op] = d.unit;
  EXPECT_EQ(unit["relu1/Relu"], "ldpu");
  EXPECT_EQ(unit["pool1/MaxPool"], "host");  // HERMES max-pool runs off chip
  EXPECT_EQ(unit["gap/GlobalAveragePool"], "host");
  EXPECT_EQ(unit["flatten/Reshape"], "layout");
  EXPECT_EQ(unit["fc/bias"], "ldpu");
  Program c = test::compile(test::tiny_cnn(), test::preset("cluster-512"));
  for (const auto& d : c.digital_ops) {
    if (d.unit != "layout") {
      EXPECT_EQ(d.unit, "risc-v") << d.node;
    }
  }
  // Off-chip ops cost traffic to and from the host.
  double host_bytes = 0;
  for (const auto& t : h.transfers) {
    if (t.to.kind == program::EndpointKind::Host && t.value == "relu1_out") host_bytes += t.bytes_per_inference;
  }
  // 16 x 8 x 8 one-byte activations, summed over conv1's replicas (each share rounded to a byte).
  EXPECT_NEAR(static_cast<double>(host_bytes), 16 * 8 * 8, static_cast<double>(h.layers[0].replicas));
}

TEST(FoldBatchnorm, FoldsIntoConvAndKeepsTheFunction) {
  test::GraphBuilder b("bn");
  ValueId x = b.input("x", {1, 4, 6, 6});
  ValueId c = b.conv("conv", x, 4, 8, 3, 1, false);
  auto pos = [](Shape s, uint32_t seed) {
    Tensor t = test::weights(s, seed);
    for (float& v : t.span<float>()) v = std::fabs(v) + 0.5f;
    return t;
  };
  ValueId y = b.node("bn", OpKind::BatchNormalization,
                     {c, b.constant("g", test::weights({8}, 7)), b.constant("beta", test::weights({8}, 8)),
                      b.constant("mu", test::weights({8}, 9)), b.constant("var", pos({8}, 10))},
                     NormAttrs{1, 1e-5f});
  Graph g = b.finish({b.node("relu", OpKind::Relu, {y})});
  Program p = test::compile(g, test::preset("hermes"));
  EXPECT_EQ(p.statistics["fold-batchnorm"]["folded"], 1);
  ASSERT_EQ(p.layers.size(), 1u);
  EXPECT_TRUE(p.layers[0].has_bias);
  Graph folded = compiler::prepare_graph(g, p);
  EXPECT_EQ(folded.num_nodes(), 2u);
  Tensor in = test::weights({2, 4, 6, 6}, 11);
  ReferenceExecutor e1(g, {}), e2(folded, {});
  Tensor a = e1.run({in})[0], b2 = e2.run({in})[0];
  for (int64_t i = 0; i < a.numel(); ++i) EXPECT_NEAR(a.data<float>()[i], b2.data<float>()[i], 1e-5f);
}

TEST(PrepareGraph, ReimportedModelMatchesTheProgram) {
  const std::string path = test::source_path("models/resnet20_cifar10.onnx");
  compiler::CompileOptions o;
  o.model_path = path;
  Program p = compiler::compile(import_onnx(path), test::preset("hermes"), o);
  EXPECT_EQ(p.layers.size(), 20u);  // 19 convs and the classifier
  EXPECT_NO_THROW(program::check_model(p, path));
  Graph g = compiler::prepare_graph(import_onnx(path), p);
  for (const auto& l : p.layers) EXPECT_NO_THROW(program::layer_node(g, l));
  EXPECT_NE(test::error_of([&] {
              program::check_model(p, test::source_path("models/mnist_lenet.onnx"));
            }).find("the program was compiled from a different model"),
            std::string::npos);
  Program other = p;
  other.layers[3].weights_sha256 = "0";
  EXPECT_NE(test::error_of([&] { compiler::prepare_graph(import_onnx(path), other); }).find("has other weights"),
            std::string::npos);
}

}  // namespace
}  // namespace aimc
