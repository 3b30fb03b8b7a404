#include <fmt/format.h>
#include <gtest/gtest.h>

#include <limits>

#include "ir/graph.h"

namespace aimc {

namespace {
ValueId input(Graph& g, const std::string& name, Shape s, int batch_axis = 0) {
  Value v;
  v.name = name;
  v.shape = std::move(s);
  v.batch_axis = batch_axis;
  ValueId id = g.add_value(v);
  g.inputs.push_back(id);
  return id;
}
ValueId out(Graph& g, const std::string& name) {
  Value v;
  v.name = name;
  return g.add_value(v);
}
ValueId weight(Graph& g, const std::string& name, Shape s) { return g.add_constant(name, Tensor(DType::f32, s)); }
}  // namespace

TEST(ShapeInference, ConvWithPadsStridesDilationsAndGroups) {
  Graph g;
  ValueId x = input(g, "x", {1, 8, 17, 17});
  ValueId w = weight(g, "w", {16, 4, 3, 3});
  ValueId y = out(g, "y");
  ConvAttrs a{.window = {.kernel = {3, 3}, .strides = {2, 2}, .dilations = {2, 1}, .pads = {1, 0, 1, 2}}, .group = 2};
  g.add_node({.name = "conv", .op = OpKind::Conv, .inputs = {x, w}, .outputs = {y}, .attrs = a});
  infer_shapes(g);
  // H: (17 + 2 - 2*2 - 1)/2 + 1 = 8; W: (17 + 2 - 3)/2 + 1 = 9
  EXPECT_EQ(g.value(y).shape, (Shape{1, 16, 8, 9}));
  EXPECT_EQ(g.value(y).batch_axis, 0);
}

TEST(ShapeInference, ConvChannelMismatchNamesNode) {
  Graph g;
  ValueId x = input(g, "x", {1, 3, 8, 8});
  ValueId w = weight(g, "w", {4, 2, 3, 3});
  ValueId y = out(g, "y");
  ConvAttrs a{.window = {.kernel = {3, 3}, .strides = {1, 1}, .dilations = {1, 1}, .pads = {0, 0, 0, 0}}};
  g.add_node({.name = "conv7", .op = OpKind::Conv, .inputs = {x, w}, .outputs = {y}, .attrs = a});
  try {
    infer_shapes(g);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.context().node, "conv7");
    EXPECT_EQ(e.context().op, "Conv");
  }
}

TEST(ShapeInference, MaxPoolCeilModeDropsWindowStartingInPadding) {
  Graph g;
  ValueId x = input(g, "x", {1, 1, 6, 6});
  ValueId y = out(g, "y");
  PoolAttrs a{.window = {.kernel = {2, 2}, .strides = {2, 2}, .dilations = {1, 1}, .pads = {1, 1, 1, 1}}, .ceil_mode = true};
  g.add_node({.name = "pool", .op = OpKind::MaxPool, .inputs = {x}, .outputs = {y}, .attrs = a});
  infer_shapes(g);
  // ceil((6+2-2)/2)+1 = 4, last window starts at 6 >= 6+1? no -> 4 (torch gives 4)
  EXPECT_EQ(g.value(y).shape, (Shape{1, 1, 4, 4}));
}

TEST(ShapeInference, BroadcastAndBatchAxis) {
  Graph g;
  ValueId x = input(g, "x", {1, 4, 5});
  ValueId c = weight(g, "c", {4, 1});
  ValueId y = out(g, "y");
  g.add_node({.name = "add", .op = OpKind::Add, .inputs = {x, c}, .outputs = {y}});
  infer_shapes(g);
  EXPECT_EQ(g.value(y).shape, (Shape{1, 4, 5}));
  EXPECT_EQ(g.value(y).batch_axis, 0);
  EXPECT_EQ(g.runtime_shape(y, 32), (Shape{32, 4, 5}));
}

TEST(ShapeInference, BroadcastMismatchIsError) {
  Graph g;
  ValueId a = input(g, "a", {2, 3}, -1);
  ValueId b = input(g, "b", {4, 5}, -1);
  ValueId y = out(g, "y");
  g.add_node({.name = "add", .op = OpKind::Add, .inputs = {a, b}, .outputs = {y}});
  EXPECT_THROW(infer_shapes(g), Error);
}

TEST(ShapeInference, ReshapeKeepsBatchOrRunsPerSample) {
  // At import batch 1 a reshape that folds the batch into another axis makes the graph run one
  // sample at a time; the values past the fold carry no batch axis.
  Graph g;
  ValueId x = input(g, "x", {1, 4, 2, 2});
  ValueId y = out(g, "y");
  ValueId z = out(g, "z");
  g.add_node({.name = "flat", .op = OpKind::Reshape, .inputs = {x}, .outputs = {y}, .attrs = ReshapeAttrs{{1, 16}}});
  g.add_node({.name = "merge", .op = OpKind::Reshape, .inputs = {y}, .outputs = {z}, .attrs = ReshapeAttrs{{16}}});
  infer_shapes(g);
  EXPECT_EQ(g.value(y).shape, (Shape{1, 16}));
  EXPECT_EQ(g.value(y).batch_axis, 0);
  EXPECT_EQ(g.value(z).batch_axis, -1);
  EXPECT_TRUE(g.per_sample);

  // Shapes stored at a larger batch mix samples: the same fold is an error naming the way out.
  Graph g2;
  g2.import_batch = 2;
  ValueId x2 = input(g2, "x", {2, 4, 2, 2});
  ValueId z2 = out(g2, "z");
  g2.add_node({.name = "merge", .op = OpKind::Reshape, .inputs = {x2}, .outputs = {z2}, .attrs = ReshapeAttrs{{32}}});
  try {
    infer_shapes(g2);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("export the model with batch 1"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(g2.per_sample);
}

TEST(ShapeInference, ReshapeFollowsBatchAxisThroughSqueeze) {
  Graph g;
  ValueId x = input(g, "x", {5, 1, 3, 8}, 2);  // LSTM Y: [seq, dirs, batch, hidden]
  ValueId y = out(g, "y");
  g.add_node({.name = "squeeze", .op = OpKind::Reshape, .inputs = {x}, .outputs = {y}, .attrs = ReshapeAttrs{{5, 3, 8}}});
  infer_shapes(g);
  EXPECT_EQ(g.value(y).batch_axis, 1);
  EXPECT_EQ(g.runtime_shape(y, 7), (Shape{5, 7, 8}));
}

TEST(ShapeInference, TransposeMovesBatchAxis) {
  Graph g;
  ValueId x = input(g, "x", {1, 7, 3});
  ValueId y = out(g, "y");
  g.add_node({.name = "t", .op = OpKind::Transpose, .inputs = {x}, .outputs = {y}, .attrs = TransposeAttrs{{1, 0, 2}}});
  infer_shapes(g);
  EXPECT_EQ(g.value(y).shape, (Shape{7, 1, 3}));
  EXPECT_EQ(g.value(y).batch_axis, 1);
}

TEST(ShapeInference, MatMulAndGemm) {
  Graph g;
  ValueId x = input(g, "x", {1, 5, 8});
  ValueId w = weight(g, "w", {8, 3});
  ValueId y = out(g, "y");
  g.add_node({.name = "mm", .op = OpKind::MatMul, .inputs = {x, w}, .outputs = {y}});
  ValueId a = input(g, "a", {1, 8});
  ValueId b = weight(g, "b", {10, 8});
  ValueId c = weight(g, "c", {10});
  ValueId z = out(g, "z");
  g.add_node({.name = "fc", .op = OpKind::Gemm, .inputs = {a, b, c}, .outputs = {z}, .attrs = GemmAttrs{.trans_b = true}});
  infer_shapes(g);
  EXPECT_EQ(g.value(y).shape, (Shape{1, 5, 3}));
  EXPECT_EQ(g.value(y).batch_axis, 0);
  EXPECT_EQ(g.value(z).shape, (Shape{1, 10}));
}

TEST(ShapeInference, LstmShapes) {
  Graph g;
  ValueId x = input(g, "x", {6, 1, 4}, 1);
  ValueId w = weight(g, "W", {1, 12, 4});
  ValueId r = weight(g, "R", {1, 12, 3});
  ValueId y = out(g, "Y"), yh = out(g, "Y_h");
  g.add_node({.name = "lstm", .op = OpKind::LSTM, .inputs = {x, w, r}, .outputs = {y, yh, kNoValue}, .attrs = RecurrentAttrs{3}});
  infer_shapes(g);
  EXPECT_EQ(g.value(y).shape, (Shape{6, 1, 1, 3}));
  EXPECT_EQ(g.value(y).batch_axis, 2);
  EXPECT_EQ(g.value(yh).shape, (Shape{1, 1, 3}));
}

// Found by fuzz_onnx: a hidden_size of 2^63 - 1 overflowed 4 · hidden_size in the shape check.
TEST(ShapeInference, LstmHiddenSizeOutOfRangeIsNamed) {
  for (int64_t h : {int64_t{0}, std::numeric_limits<int64_t>::max()}) {
    Graph g;
    ValueId x = input(g, "x", {6, 1, 4}, 1);
    ValueId w = weight(g, "W", {1, 12, 4});
    ValueId r = weight(g, "R", {1, 12, 3});
    g.add_node({.name = "lstm", .op = OpKind::LSTM, .inputs = {x, w, r}, .outputs = {out(g, "Y")}, .attrs = RecurrentAttrs{h}});
    try {
      infer_shapes(g);
      FAIL() << "no error for hidden_size " << h;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(fmt::format("hidden_size {} expected in 1..2^32", h)), std::string::npos) << e.what();
    }
  }
}

// Found by fuzz_onnx: two lengths of 2^63 - 1 overflowed the concatenated length.
TEST(ShapeInference, ConcatLengthBeyondSixtyFourBitsIsNamed) {
  Graph g;
  const int64_t big = std::numeric_limits<int64_t>::max();
  ValueId a = input(g, "a", {1, big}), b = input(g, "b", {1, big});
  g.add_node({.name = "cat", .op = OpKind::Concat, .inputs = {a, b}, .outputs = {out(g, "y")}, .attrs = AxisAttrs{1}});
  try {
    infer_shapes(g);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("the concatenated length along axis 1 exceeds 2^63"), std::string::npos) << e.what();
  }
}

// Attribute values at the ends of int64 (as fuzz_onnx mutates them) are named, not overflowed.
TEST(ShapeInference, PadsAndResizeScalesBeyondSixtyFourBitsAreNamed) {
  const int64_t big = std::numeric_limits<int64_t>::max();
  auto error_of = [](Graph& g) {
    try {
      infer_shapes(g);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  Graph pad;
  ValueId x = input(pad, "x", {1, 4});
  pad.add_node(
      {.name = "pad", .op = OpKind::Pad, .inputs = {x}, .outputs = {out(pad, "y")}, .attrs = PadAttrs{{0, big, 0, big}}});
  EXPECT_NE(error_of(pad).find("overflow axis 1"), std::string::npos) << error_of(pad);
  Graph resize;
  ValueId r = input(resize, "x", {1, 4});
  ResizeAttrs ra;
  ra.scales = {1.0f, 1e30f};
  resize.add_node({.name = "resize", .op = OpKind::Resize, .inputs = {r}, .outputs = {out(resize, "y")}, .attrs = ra});
  EXPECT_NE(error_of(resize).find("gives axis 1 a length of"), std::string::npos) << error_of(resize);
}

TEST(Graph, TextFormIsDeterministic) {
  Graph g;
  g.name = "tiny";
  ValueId x = input(g, "x", {1, 4});
  ValueId y = out(g, "y");
  g.add_node({.name = "relu0", .op = OpKind::Relu, .inputs = {x}, .outputs = {y}});
  g.outputs.push_back(y);
  infer_shapes(g);
  EXPECT_EQ(g.to_text(),
            "graph tiny (import batch 1)\n  input %x: f32[1, 4]@0\n"
            "  %y: f32[1, 4]@0 = Relu(%x)  # relu0\n  output %y\n");
}

TEST(Graph, RemoveDeadNodes) {
  Graph g;
  ValueId x = input(g, "x", {1, 4});
  ValueId y = out(g, "y"), z = out(g, "z");
  g.add_node({.name = "dead", .op = OpKind::Sigmoid, .inputs = {x}, .outputs = {z}});
  g.add_node({.name = "live", .op = OpKind::Relu, .inputs = {x}, .outputs = {y}});
  g.outputs.push_back(y);
  EXPECT_EQ(g.remove_dead_nodes(), 1u);
  ASSERT_EQ(g.num_nodes(), 1u);
  EXPECT_EQ(g.value(y).producer, 0);
  EXPECT_EQ(g.value(z).producer, -1);
}

}  // namespace aimc

// slice_length against counting, and at the ends of int64 (a fuzzed model's axis of 2^63 − 1 overflowed the
// old (end − start + step − 1) / step).
TEST(SliceLength, CountsTheElementsWithoutOverflow) {
  for (int64_t start = -1; start <= 6; ++start) {
    for (int64_t end = -1; end <= 6; ++end) {
      for (int64_t step : {-7, -3, -2, -1, 1, 2, 3, 7}) {
        int64_t n = 0;
        for (int64_t i = start; step > 0 ? i < end : i > end; i += step) ++n;
        EXPECT_EQ(aimc::slice_length(start, end, step), n) << start << " " << end << " " << step;
      }
    }
  }
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max(), kMin = std::numeric_limits<int64_t>::min();
  EXPECT_EQ(aimc::slice_length(0, kMax, 1), kMax);
  EXPECT_EQ(aimc::slice_length(0, kMax, kMax), 1);
  EXPECT_EQ(aimc::slice_length(kMax - 1, -1, kMin), 1);
  EXPECT_EQ(aimc::slice_length(kMax - 1, -1, -1), kMax);
}
