// Tile counts against hand-computed values, and every weight placed exactly once per replica.
#include <gtest/gtest.h>

#include <algorithm>

#include "compiler_test_util.h"
#include "program/weights.h"

namespace aimc {
namespace {

using program::Program;

// Checks that every element of every layer's matrix is on exactly one tile per replica (zero
// outside the diagonal blocks of a grouped conv), and that the reassembled matrix is the graph's.
void expect_each_weight_once(const Graph& g, const Program& p) {
  for (const program::Layer& l : p.layers) {
    const Tensor m = program::layer_matrix(g, l, program::layer_node(g, l));
    for (int32_t r = 0; r < l.replicas; ++r) {
      std::vector<int32_t> cov;
      const Tensor back = program::reconstruct_layer(p, m, l.id, r, &cov);
      for (int64_t i = 0; i < m.numel(); ++i) {
        const int64_t row = i / l.cols, col = i % l.cols;
        const bool in_block = row / l.group_rows == col / l.group_cols;
        ASSERT_EQ(cov[static_cast<size_t>(i)], in_block ? 1 : 0) << l.name << " replica " << r << " element " << i;
        if (in_block) {
          ASSERT_EQ(back.data<float>()[i], m.data<float>()[i]);
        }
      }
    }
  }
}

TEST(Partition, Gemm300x300IsTwoByTwoTilesOn256) {
  test::GraphBuilder b("gemm300");
  ValueId x = b.input("x", {1, 300});
  Graph g = b.finish({b.gemm("fc", x, 300, 300)});
  Program p = test::compile(g, test::preset("hermes"), "quantize{calibration=none},lower-to-crossbar,partition,pack,place");
  ASSERT_EQ(p.layers.size(), 1u);
  EXPECT_EQ(p.layers[0].rows, 300);
  EXPECT_EQ(p.layers[0].cols, 300);
  EXPECT_EQ(p.tiles.size(), 4u);
  EXPECT_EQ(p.crossbars_used(), 4);
  expect_each_weight_once(g, p);
}

TEST(Partition, Conv3x3x64To128Is576RowsInThreeRowTiles) {
  test::GraphBuilder b("conv");
  ValueId x = b.input("x", {1, 64, 8, 8});
  Graph g = b.finish({b.conv("conv", x, 64, 128, 3)});
  Program p = test::compile(g, test::preset("hermes"), "quantize{calibration=none},lower-to-crossbar,partition,pack,place");
  ASSERT_EQ(p.layers.size(), 1u);
  EXPECT_EQ(p.layers[0].rows, 576);
  EXPECT_EQ(p.layers[0].cols, 128);
  EXPECT_EQ(p.layers[0].vectors_per_inference, 64);
  EXPECT_EQ(p.tiles.size(), 3u);
  EXPECT_EQ(p.tiles[0].rows(), 256);
  EXPECT_EQ(p.tiles[2].rows(), 64);
  // Row tiles of one column block reduce on one core.
  for (const auto& t : p.tiles) EXPECT_EQ(t.reduce_core, p.tiles[0].core);
  expect_each_weight_once(g, p);
}

TEST(Partition, BitSlicedWeightsTakeBitsColumnsEach) {
  // verma-cimu: 1152 x 256 cells, 8-bit bit-sliced weights -> 32 weights per crossbar row.
  test::GraphBuilder b("conv");
  ValueId x = b.input("x", {1, 128, 4, 4});
  Graph g = b.finish({b.conv("conv", x, 128, 128, 3)});
  Program p = test::compile(g, test::preset("verma-cimu"), "quantize{calibration=none},lower-to-crossbar,partition,pack,place");
  EXPECT_EQ(p.layers[0].rows, 1152);
  EXPECT_EQ(p.layers[0].columns_per_weight, 8);
  EXPECT_EQ(p.tiles.size(), 4u);  // 1 row block x 128/32 column blocks
  // At 4 bits, 64 weights per row: 2 column blocks.
  Program p4 = test::compile(g, test::preset("verma-cimu"),
                             "quantize{calibration=none,weight-bits=4},lower-to-crossbar,partition,pack,place");
  EXPECT_EQ(p4.tiles.size(), 2u);
  expect_each_weight_once(g, p4);
}

TEST(Partition, DepthwiseConvPacksBlockDiagonally) {
  // 32 depthwise 3x3 groups: 9 rows x 1 column each; min(256/9, 256) = 28 per crossbar -> 2 crossbars.
  test::GraphBuilder b("dw");
  ValueId x = b.input("x", {1, 32, 8, 8});
  Graph g = b.finish({b.conv("dw", x, 32, 32, 3, 32)});
  Program p = test::compile(g, test::preset("hermes"), "quantize{calibration=none},lower-to-crossbar,partition,pack,place");
  ASSERT_EQ(p.layers.size(), 1u);
  EXPECT_EQ(p.layers[0].groups, 32);
  EXPECT_EQ(p.layers[0].rows, 288);
  EXPECT_EQ(p.tiles.size(), 32u);
  EXPECT_EQ(p.crossbars_used(), 2);
  EXPECT_EQ(p.tiles[1].row_offset, 9);
  EXPECT_EQ(p.tiles[1].col_offset, 1);
  expect_each_weight_once(g, p);
  // With a RISC-V cluster, auto leaves depthwise convs to the programmable cores.
  Program q = test::compile(g, test::preset("cluster-512"));
  EXPECT_TRUE(q.layers.empty());
  ASSERT_FALSE(q.digital_ops.empty());
  EXPECT_EQ(q.digital_ops[0].unit, "risc-v");
  // A depth-wise accelerator takes it before the programmable cores (Garofalo's cluster).
  Program r = test::compile(g, test::preset("garofalo-cluster"));
  EXPECT_TRUE(r.layers.empty());
  ASSERT_FALSE(r.digital_ops.empty());
  EXPECT_EQ(r.digital_ops[0].unit, "dwa");
  EXPECT_EQ(r.digital_ops[0].kind, chip::DigitalOp::DepthwiseConv);
  // A chip whose only digital unit is a depthwise-conv one still leaves the conv off the crossbars, and
  // its other ops (the bias) are not taken by that unit.
  const chip::ChipSpec dw_only = test::chip_yaml(R"(base: hermes
name: hermes-dw
cores:
  digital:
    dw: {kind: fixed-function, count: 1, ops: [depthwise-conv], width_bits: 8, ops_per_cycle: 4}
)");
  Program h = test::compile(g, dw_only);
  EXPECT_TRUE(h.layers.empty());
  ASSERT_FALSE(h.digital_ops.empty());
  EXPECT_EQ(h.digital_ops[0].unit, "dw");
}

TEST(Partition, DoesNotFitSuggestsGroupedConvsOnDigitalUnits) {
  // 64 depthwise 3x3 groups block-diagonally on crossbars: 28 groups (9 rows each) per 256-row crossbar -> 3
  // crossbars holding only grouped blocks; a one-crossbar chip names them and where grouped=digital puts them.
  test::GraphBuilder b("dw");
  ValueId x = b.input("x", {1, 64, 8, 8});
  Graph g = b.finish({b.conv("dw", x, 64, 64, 3, 64)});
  const std::string pipeline =
      "quantize{calibration=none},lower-to-crossbar{grouped=crossbar},partition,pack{shape=diagonal},place";
  const std::string tail = "grouped convs take 3 of them: lower-to-crossbar{grouped=digital} leaves them to ";
  const std::string on_cluster = test::error_of([&] { test::compile(g, test::preset("garofalo-cluster"), pipeline); });
  EXPECT_NE(on_cluster.find(tail + "the programmable digital units;"), std::string::npos) << on_cluster;
  const std::string on_core = test::error_of([&] { test::compile(g, test::preset("hermes-core"), pipeline); });
  EXPECT_NE(on_core.find(tail + "the host (no unit of the chip runs convolutions);"), std::string::npos) << on_core;
  EXPECT_NE(on_core.find("it fits a chip derived with base: hermes-core and cores: {count: 4, arrangement: [2, 2]}"),
            std::string::npos)
      << on_core;
}

TEST(Partition, NamedWeightedNodesStayDigital) {
  // lower-to-crossbar{digital=A+B}: the named layers run on the digital units (a classifier kept off the
  // arrays); a name that is not a weighted node is refused, naming it.
  test::GraphBuilder b("two");
  ValueId x = b.input("x", {1, 16});
  ValueId h = b.gemm("fc1", x, 16, 32);
  Graph g = b.finish({b.gemm("fc2", h, 32, 8, true, 2)});
  Program p = test::compile(g, test::preset("cluster-512"),
                            "quantize{calibration=none},lower-to-crossbar{digital=fc2},partition,pack,place,assign-digital");
  ASSERT_EQ(p.layers.size(), 1u);
  EXPECT_EQ(p.layers[0].name, "fc1");
  const auto on_digital =
      std::find_if(p.digital_ops.begin(), p.digital_ops.end(), [](const program::DigitalOp& d) { return d.node == "fc2"; });
  ASSERT_NE(on_digital, p.digital_ops.end());
  EXPECT_EQ(on_digital->unit, "risc-v");
  EXPECT_EQ(on_digital->ops_per_inference, 2 * 8 * 32);
  Program both = test::compile(g, test::preset("cluster-512"),
                               "quantize{calibration=none},lower-to-crossbar{digital=fc2+fc1},partition,pack,place");
  EXPECT_TRUE(both.layers.empty());
  EXPECT_EQ(test::error_of([&] {
              test::compile(g, test::preset("cluster-512"), "quantize{calibration=none},lower-to-crossbar{digital=fc3+fc1}");
            }),
            "pipeline: lower-to-crossbar{digital=...}: no weighted node named 'fc3' in the model");
}

TEST(Partition, LstmIsTheFourGateMatrix) {
  test::GraphBuilder b("lstm");
  const int64_t I = 40, H = 100;
  ValueId x = b.input("x", {5, 1, I}, 1);
  ValueId w = b.constant("W", test::weights({1, 4 * H, I}, 3));
  ValueId r = b.constant("R", test::weights({1, 4 * H, H}, 4));
  ValueId bias = b.constant("B", test::weights({1, 8 * H}, 5));
  ValueId y = b.node("lstm", OpKind::LSTM, {x, w, r, bias}, RecurrentAttrs{H}, 3);
  Graph g = b.finish({y});
  Program p = test::compile(g, test::preset("hermes"));
  ASSERT_EQ(p.layers.size(), 1u);
  const auto& l = p.layers[0];
  EXPECT_EQ(l.rows, I + H);
  EXPECT_EQ(l.cols, 4 * H);
  EXPECT_EQ(l.vectors_per_inference, 5);
  const Tensor m = program::layer_matrix(g, l, 0);
  // Row i < I is W^T, row I + j is R^T.
  EXPECT_EQ(m.data<float>()[3 * l.cols + 7], g.value(w).constant->data<float>()[7 * I + 3]);
  EXPECT_EQ(m.data<float>()[(I + 2) * l.cols + 9], g.value(r).constant->data<float>()[9 * H + 2]);
  EXPECT_EQ(p.tiles_of(0, 0).size(), 2u);  // 140 rows x 400 cols: 1 x 2
  expect_each_weight_once(g, p);
  // The gate math goes to HERMES's global units.
  bool gdpu = false;
  for (const auto& d : p.digital_ops) gdpu = gdpu || (d.op == "lstm-sigmoid" && d.unit == "gdpu");
  EXPECT_TRUE(gdpu);
}

TEST(Partition, ReplicasEachHoldEveryWeightOnce) {
  test::GraphBuilder b("two");
  ValueId x = b.input("x", {1, 16, 16, 16});
  ValueId c1 = b.conv("c1", x, 16, 32, 3);
  ValueId r1 = b.node("r1", OpKind::Relu, {c1});
  ValueId c2 = b.conv("c2", r1, 32, 32, 3, 1, true, 2, 2);
  Graph g = b.finish({c2});
  Program p = test::compile(g, test::preset("hermes"));
  // c1 makes 256 MVMs per inference, c2 64: c1 is replicated first.
  EXPECT_GT(p.layers[0].replicas, p.layers[1].replicas);
  EXPECT_LE(p.crossbars_used(), 64);
  expect_each_weight_once(g, p);
  Program none = test::compile(g, test::preset("hermes"), compiler::default_pipeline("pipelined", "none"));
  EXPECT_EQ(none.layers[0].replicas, 1);
  EXPECT_EQ(none.crossbars_used(), 3);
}

}  // namespace
}  // namespace aimc
