#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>

#include "model_builder.h"
#include "onnx/importer.h"

namespace aimc {

using test::ModelBuilder;

namespace {
Graph import(const ModelBuilder& m, const std::string& origin = "model.onnx") { return import_onnx_bytes(m.bytes(), origin); }

// Runs f, expecting an aimc::Error whose one-line message contains every fragment.
template <class F>
void expect_error(F f, std::vector<std::string> fragments) {
  try {
    f();
    FAIL() << "no error thrown";
  } catch (const Error& e) {
    std::string what = e.what();
    EXPECT_EQ(what.find('\n'), std::string::npos);
    for (const auto& frag : fragments) EXPECT_NE(what.find(frag), std::string::npos) << what << " lacks " << frag;
  }
}

ModelBuilder relu_model() {
  ModelBuilder m;
  m.input("x", {-1, 4}).output("y");
  m.node("Relu", {"x"}, {"y"}, "relu0");
  return m;
}
}  // namespace

TEST(Importer, SymbolicBatchBecomesBatchAxis) {
  Graph g = import(relu_model());
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.value(g.inputs[0]).batch_axis, 0);
  EXPECT_EQ(g.value(g.outputs[0]).shape, (Shape{1, 4}));
  EXPECT_EQ(g.runtime_shape(g.outputs[0], 9), (Shape{9, 4}));
}

TEST(Importer, TruncatedFileIsOneLineError) {
  ModelBuilder m = relu_model();
  m.init_f("w", {64}, std::vector<float>(64, 1.0f));
  std::string bytes = m.bytes();
  expect_error([&] { import_onnx_bytes(bytes.substr(0, bytes.size() / 2), "cut.onnx"); }, {"cut.onnx", "truncated"});
  expect_error([&] { import_onnx_bytes("", "empty.onnx"); }, {"empty.onnx"});
}

TEST(Importer, MissingFile) {
  expect_error([] { import_onnx("/nonexistent/model.onnx"); }, {"/nonexistent/model.onnx", "no such file"});
}

TEST(Importer, UnsupportedOpNamesNodeAndOp) {
  ModelBuilder m;
  m.input("x", {1, 4}).output("y");
  m.node("FooBar", {"x"}, {"y"}, "weird_node");
  expect_error([&] { import(m, "m.onnx"); }, {"m.onnx", "node 'weird_node' (FooBar)", "unsupported op 'FooBar'"});
}

TEST(Importer, UnsupportedAttributeIsError) {
  ModelBuilder m;
  m.input("x", {1, 4}).output("y");
  auto* n = m.node("Relu", {"x"}, {"y"}, "r");
  ModelBuilder::attr_i(n, "mystery", 1);
  expect_error([&] { import(m); }, {"node 'r' (Relu)", "attribute 'mystery'"});
}

TEST(Importer, ShapeMismatchNamesNode) {
  ModelBuilder m;
  m.input("a", {2, 3}).input("b", {4, 5}).output("y");
  m.node("Add", {"a", "b"}, {"y"}, "add_bad");
  expect_error([&] { import(m); }, {"node 'add_bad' (Add)", "do not broadcast"});
}

TEST(Importer, GemmInnerDimensionMismatch) {
  ModelBuilder m;
  m.input("x", {1, 4}).output("y");
  m.init_f("w", {3, 5}, std::vector<float>(15, 0.f));
  auto* n = m.node("Gemm", {"x", "w"}, {"y"}, "fc");
  ModelBuilder::attr_i(n, "transB", 1);
  expect_error([&] { import(m); }, {"node 'fc' (Gemm)", "inner dimensions"});
}

TEST(Importer, OpsetOutOfRange) {
  for (const int opset : {8, 18}) {
    ModelBuilder m(opset);
    m.input("x", {1, 4}).output("y");
    m.node("Relu", {"x"}, {"y"});
    expect_error([&] { import(m); }, {fmt::format("opset {} is not supported (aimc reads opsets 9-17)", opset)});
  }
}

TEST(Importer, MissingExternalDataFile) {
  ModelBuilder m;
  m.input("x", {1, 4}).output("y");
  auto* t = m.init_raw("w", onnx::TensorProto::FLOAT, {4});
  t->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* kv = t->add_external_data();
  kv->set_key("location");
  kv->set_value("weights.bin");
  m.node("Add", {"x", "w"}, {"y"});
  expect_error([&] { import(m, "/tmp/aimc_no_dir/m.onnx"); }, {"weights.bin", "not found", "'w'"});
}

TEST(Importer, ExternalDataIsRead) {
  auto dir = std::filesystem::temp_directory_path() / "aimc_ext_test";
  std::filesystem::create_directories(dir);
  std::vector<float> w = {1, 2, 3, 4};
  {
    std::ofstream f(dir / "w.bin", std::ios::binary);
    f.write(reinterpret_cast<const char*>(w.data()), 16);
  }
  ModelBuilder m;
  m.input("x", {1, 4}).output("y");
  auto* t = m.init_raw("w", onnx::TensorProto::FLOAT, {4});
  t->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* kv = t->add_external_data();
  kv->set_key("location");
  kv->set_value("w.bin");
  m.node("Add", {"x", "w"}, {"y"});
  Graph g = import(m, (dir / "m.onnx").string());
  const Tensor& c = *g.value(*g.find_value("w")).constant;
  EXPECT_EQ(c.data<float>()[3], 4.0f);
}

// NonZero of a constant folds (torch before opset 11 exports arange over a static size as NonZero of ones):
// [rank, count] indices in row-major order. Of a value computed at run time it is a one-line error.
TEST(Importer, NonZeroOfAConstantFolds) {
  ModelBuilder m(10);
  m.input("x", {1, 3}).output("y");
  m.init_f("mask", {2, 3}, {0, 1, 0, 2, 0, -1});
  m.node("NonZero", {"mask"}, {"idx"});
  ModelBuilder::attr_i(m.node("Cast", {"idx"}, {"fidx"}), "to", onnx::TensorProto::FLOAT);
  m.node("Reshape", {"fidx", "shape"}, {"flat"});
  m.init_i64("shape", {2}, {1, 6});
  m.node("Slice", {"flat", "s0", "s1", "ax"}, {"part"});
  m.init_i64("s0", {1}, {0});
  m.init_i64("s1", {1}, {3});
  m.init_i64("ax", {1}, {1});
  m.node("Add", {"x", "part"}, {"y"});
  const Graph g = import(m);
  ASSERT_EQ(g.num_nodes(), 1u);  // everything but the Add folds
  EXPECT_EQ(g.node(0).op, OpKind::Add);
  const Tensor& c = *g.value(g.node(0).inputs[1]).constant;
  // Non-zeros at (0, 1), (1, 0), (1, 2): rows [0, 1, 1], columns [1, 0, 2]; the first three values are the rows.
  ASSERT_EQ(c.numel(), 3);
  EXPECT_EQ(c.data<float>()[0], 0.0f);
  EXPECT_EQ(c.data<float>()[1], 1.0f);
  EXPECT_EQ(c.data<float>()[2], 1.0f);
  ModelBuilder r(10);
  r.input("x", {1, 3}).output("y");
  r.node("NonZero", {"x"}, {"y"}, "nz");
  expect_error([&] { import(r); }, {"node 'nz' (NonZero)", "data-dependent shapes are not supported"});
}

// Folding an integer unary op stays exact: Ceil and Floor keep an int64 (converting through double overflowed
// for 2^63 - 1: undefined behaviour a fuzzed model found), and Neg or Abs of -2^63 is a one-line error.
TEST(Importer, IntegerUnaryFoldsStayExact) {
  for (const char* op : {"Ceil", "Floor", "Neg", "Abs"}) {
    ModelBuilder m;
    m.input("x", {1, 4}).output("y");
    const bool lowest = std::string(op) == "Neg" || std::string(op) == "Abs";
    m.init_i64("c", {1}, {lowest ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max()});
    m.node(op, {"c"}, {"folded"}, "u");
    m.node("Relu", {"x"}, {"y"});
    if (lowest) {
      expect_error([&] { import(m); }, {"node 'u'", "does not fit 64 bits"});
    } else {
      const Graph g = import(m);
      const auto v = g.find_value("folded");
      ASSERT_TRUE(v && g.value(*v).constant) << op;
      EXPECT_EQ(g.value(*v).constant->data<int64_t>()[0], std::numeric_limits<int64_t>::max()) << op;
    }
  }
}

// A node without outputs is malformed ONNX; Softmax's converter read its missing first output (UBSan, fuzzing).
TEST(Importer, NodeWithoutOutputsIsAnError) {
  ModelBuilder m(13);
  m.input("x", {1, 4}).output("y");
  m.node("Softmax", {"x"}, {}, "s");
  m.node("Relu", {"x"}, {"y"});
  expect_error([&] { import(m); }, {"node 's' (Softmax)", "no outputs"});
}

// Names that are not UTF-8 (ONNX's strings are): results and Programs are JSON, and a Program's layers are
// found again by name, so they are refused (a Latin-1 node name ended as an internal error when a result was
// written, until 2026-12-08).
TEST(Importer, NamesThatAreNotUtf8AreRefused) {
  {
    ModelBuilder m(13);
    m.input("x", {1, 4}).output("y");
    m.node("Relu", {"x"}, {"y"}, "caf\xE9");
    expect_error([&] { import(m); }, {"node 'caf\\xE9...' is not UTF-8 text (byte 4 of its name); ONNX names are UTF-8"});
  }
  {
    ModelBuilder m(13);
    m.input("x", {1, 4}).output("y");
    m.node("Relu", {"x"}, {"r\xC3"}, "r");
    m.node("Relu", {"r\xC3"}, {"y"}, "s");
    expect_error([&] { import(m); }, {"node 'r'", "output 'r\\xC3...' is not UTF-8 text (byte 2 of its name)"});
  }
  ModelBuilder m(13);
  m.input("x", {1, 4}).output("y");
  m.node("Relu", {"x"}, {"y"}, "caf\xC3\xA9");  // UTF-8 é
  EXPECT_EQ(import(m).nodes().front().name, "caf\xC3\xA9");
}

// A Transpose's perm must name each axis once: [1, 1] read past a folded constant (ASan, fuzzing).
TEST(Importer, TransposePermNamingAnAxisTwiceIsAnError) {
  for (const bool constant : {false, true}) {
    ModelBuilder m;
    m.input("x", {1, 4}).output("y");
    m.init_f("c", {2, 3}, std::vector<float>(6, 1.f));
    ModelBuilder::attr_ints(m.node("Transpose", {constant ? "c" : "x"}, {"t"}, "tr"), "perm", {1, 1});
    m.node("Relu", {"x"}, {"y"});
    expect_error([&] { import(m); }, {"node 'tr' (Transpose)", "names axis 1 twice"});
  }
}

// Folded Concat inputs must agree off the axis: [1, 3] and [3, 1] along 0 read past the second (ASan, fuzzing).
TEST(Importer, FoldedConcatOfMismatchedShapesIsAnError) {
  ModelBuilder m;
  m.input("x", {1, 4}).output("y");
  m.init_f("a", {1, 3}, {1, 2, 3});
  m.init_f("b", {3, 1}, {4, 5, 6});
  ModelBuilder::attr_i(m.node("Concat", {"a", "b"}, {"ab"}, "cat"), "axis", 0);
  m.node("Relu", {"x"}, {"y"});
  expect_error([&] { import(m); }, {"node 'cat' (Concat)", "differ off axis 0"});
}

TEST(Importer, ShapeChainFoldsToReshape) {
  // y = reshape(x, [x.shape[0], -1]) as PyTorch exports x.view(x.size(0), -1).
  ModelBuilder m;
  m.input("x", {-1, 2, 3, 4}).output("y");
  m.init_i64("idx0", {}, {0});
  m.init_i64("minus1", {1}, {-1});
  m.node("Shape", {"x"}, {"s"});
  auto* gather = m.node("Gather", {"s", "idx0"}, {"n"});
  ModelBuilder::attr_i(gather, "axis", 0);
  m.init_i64("axes0", {1}, {0});
  m.node("Unsqueeze", {"n", "axes0"}, {"n1"});
  auto* cat = m.node("Concat", {"n1", "minus1"}, {"shape"});
  ModelBuilder::attr_i(cat, "axis", 0);
  m.node("Reshape", {"x", "shape"}, {"y"}, "flatten");
  Graph g = import(m);
  ASSERT_EQ(g.num_nodes(), 1u);
  EXPECT_EQ(g.node(0).op, OpKind::Reshape);
  EXPECT_EQ(g.node(0).attr<ReshapeAttrs>().shape, (Shape{1, 24}));
  EXPECT_EQ(g.value(g.outputs[0]).batch_axis, 0);
  EXPECT_EQ(g.runtime_shape(g.outputs[0], 5), (Shape{5, 24}));
}

// Found by fuzz_onnx (a 10 s timeout under ASan): a folded constant of 2^30 elements fits this machine's
// memory but was filled element by element. One folded constant holds at most 2^26 elements, refused
// before it is allocated, and a model's folds together at most 2^27.
namespace {
// A model whose node `big` folds `op` on the initializers `add_inits` adds.
template <class F>
ModelBuilder folding(const std::string& op, const std::vector<std::string>& inputs, F add_inits) {
  ModelBuilder m;
  m.input("x", {1, 4}).output("y");
  m.init_i64("shape4", {2}, {1, 4});
  m.node("Reshape", {"x", "shape4"}, {"y"});
  add_inits(m);
  m.node(op, inputs, {"c"}, "big");
  return m;
}

// ConstantOfShape(shape) filled with the byte 1 (a uint8 value keeps the test's memory small).
void bytes_of_shape(ModelBuilder& m, const std::string& shape, const std::string& out, const std::string& name) {
  auto* a = m.node("ConstantOfShape", {shape}, {out}, name)->add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  a->mutable_t()->set_data_type(onnx::TensorProto::UINT8);
  a->mutable_t()->add_dims(1);
  a->mutable_t()->add_int32_data(1);
}
}  // namespace

TEST(Importer, HugeFoldedConstantsAreRefusedBeforeTheyAreFilled) {
  auto shape_2_30 = [](ModelBuilder& m) { m.init_i64("s", {1}, {1 << 30}); };
  expect_error([&] { import(folding("ConstantOfShape", {"s"}, shape_2_30)); },
               {"node 'big' (ConstantOfShape)", "shape [1073741824]", "at most 67108864 elements"});
  auto range_2_40 = [](ModelBuilder& m) {
    m.init_i64("a", {}, {0});
    m.init_i64("b", {}, {int64_t{1} << 40});
    m.init_i64("d", {}, {1});
  };
  expect_error(
      [&] {
        import(folding("Range", {"a", "b", "d"}, range_2_40));
      },
      {"node 'big' (Range)", "more than 67108864 elements"});
  auto expand_2_27 = [](ModelBuilder& m) {
    m.init_i64("v", {1}, {7});
    m.init_i64("s", {2}, {1 << 14, 1 << 13});
  };
  expect_error([&] { import(folding("Expand", {"v", "s"}, expand_2_27)); }, {"node 'big' (Expand)", "shape [16384, 8192]"});

  ModelBuilder m = folding("Identity", {"x"}, [](ModelBuilder& mb) { mb.init_i64("s", {2}, {1 << 13, 1 << 13}); });
  bytes_of_shape(m, "s", "c0", "first");
  EXPECT_NO_THROW(import(m));  // the largest constant folded (a 64 M-element mask) is still folded
  bytes_of_shape(m, "s", "c1", "second");
  bytes_of_shape(m, "s", "c2", "third");
  expect_error([&] { import(m); }, {"node 'third' (ConstantOfShape)", "more than 134217728 elements"});
}

TEST(Importer, IdentityAndDropoutVanish) {
  ModelBuilder m;
  m.input("x", {1, 4}).output("y");
  m.node("Identity", {"x"}, {"a"});
  m.node("Dropout", {"a"}, {"b"});
  m.node("Relu", {"b"}, {"y"});
  Graph g = import(m);
  ASSERT_EQ(g.num_nodes(), 1u);
  EXPECT_EQ(g.node(0).inputs[0], g.inputs[0]);
}

TEST(Importer, QdqPairBecomesFakeQuantWithClipRange) {
  ModelBuilder m;
  m.input("x", {1, 4}).output("y");
  m.init_f("s", {}, {0.5f});
  auto* zp = m.init_raw("z", onnx::TensorProto::UINT8, {});
  zp->set_raw_data(std::string(1, '\0'));
  m.init_f("lo", {}, {0.f});
  m.init_f("hi", {}, {15.f});
  m.node("QuantizeLinear", {"x", "s", "z"}, {"q"});
  m.node("Clip", {"q", "lo", "hi"}, {"qc"});
  m.node("DequantizeLinear", {"qc", "s", "z"}, {"y"}, "dq");
  Graph g = import(m);
  ASSERT_EQ(g.num_nodes(), 1u);
  const auto& a = g.node(0).attr<FakeQuantAttrs>();
  EXPECT_EQ(g.node(0).op, OpKind::FakeQuant);
  EXPECT_EQ(a.scale, std::vector<float>{0.5f});
  EXPECT_EQ(a.qmin, 0);
  EXPECT_EQ(a.qmax, 15);
}

TEST(Importer, QuantizeWithoutDequantizeIsError) {
  ModelBuilder m;
  m.input("x", {1, 4}).output("y");
  m.init_f("s", {}, {0.5f});
  m.node("QuantizeLinear", {"x", "s"}, {"q"});
  m.node("Relu", {"q"}, {"y"}, "relu_int");
  expect_error([&] { import(m); }, {"relu_int", "QuantizeLinear"});
}

// Found by fuzz_onnx: an int64 zero point of 1.4e14 was converted to int32 before its type was checked.
TEST(Importer, ZeroPointOfAnotherTypeIsNamedBeforeItIsRead) {
  ModelBuilder m;
  m.input("x", {1, 4}).output("y");
  m.init_f("s", {}, {0.5f});
  m.init_i64("z", {}, {int64_t{1} << 47});
  m.node("QuantizeLinear", {"x", "s", "z"}, {"y"}, "q");
  expect_error([&] { import(m); }, {"node 'q' (QuantizeLinear)", "zero point type i64 is not int8, uint8 or int32"});
}

TEST(Importer, DequantizedInt8WeightsKeepTheirScale) {
  ModelBuilder m;
  m.input("x", {-1, 2}).output("y");
  auto* w = m.init_raw("wq", onnx::TensorProto::INT8, {2, 2});
  w->set_raw_data(std::string{char(1), char(-2), char(3), char(127)});
  m.init_f("ws", {}, {0.25f});
  auto* zp = m.init_raw("wz", onnx::TensorProto::INT8, {});
  zp->set_raw_data(std::string(1, '\0'));
  m.node("DequantizeLinear", {"wq", "ws", "wz"}, {"w"});
  m.node("MatMul", {"x", "w"}, {"y"});
  Graph g = import(m);
  ASSERT_EQ(g.num_nodes(), 2u);
  EXPECT_EQ(g.node(0).op, OpKind::FakeQuant);
  const auto& a = g.node(0).attr<FakeQuantAttrs>();
  EXPECT_EQ(a.qmin, -128);
  const Tensor& wf = *g.value(g.node(0).inputs[0]).constant;
  EXPECT_EQ(wf.data<float>()[1], -0.5f);
  EXPECT_EQ(wf.data<float>()[3], 31.75f);
}

TEST(Importer, ConvAutoPadSameUpper) {
  ModelBuilder m;
  m.input("x", {1, 1, 5, 5}).output("y");
  m.init_f("w", {2, 1, 2, 2}, std::vector<float>(8, 1.f));
  auto* n = m.node("Conv", {"x", "w"}, {"y"});
  auto* a = n->add_attribute();
  a->set_name("auto_pad");
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s("SAME_UPPER");
  ModelBuilder::attr_ints(n, "strides", {2, 2});
  Graph g = import(m);
  EXPECT_EQ(g.value(g.outputs[0]).shape, (Shape{1, 2, 3, 3}));
  EXPECT_EQ(g.node(0).attr<ConvAttrs>().window.pads, (std::vector<int64_t>{0, 0, 1, 1}));
}

TEST(Importer, SliceResolvesNegativeAndClampedBounds) {
  ModelBuilder m;
  m.input("x", {1, 10}).output("y");
  m.init_i64("st", {1}, {-1});
  m.init_i64("en", {1}, {INT64_MIN});
  m.init_i64("ax", {1}, {1});
  m.init_i64("sp", {1}, {-3});
  m.node("Slice", {"x", "st", "en", "ax", "sp"}, {"y"});
  Graph g = import(m);
  const auto& a = g.node(0).attr<SliceAttrs>();
  EXPECT_EQ(a.starts[1], 9);
  EXPECT_EQ(a.ends[1], -1);
  EXPECT_EQ(g.value(g.outputs[0]).shape, (Shape{1, 4}));  // 9, 6, 3, 0
}

TEST(Importer, SoftmaxBeforeOpset13CoercesTo2d) {
  ModelBuilder m(11);
  m.input("x", {-1, 2, 3}).output("y");
  auto* n = m.node("Softmax", {"x"}, {"y"});
  ModelBuilder::attr_i(n, "axis", 1);
  Graph g = import(m);
  ASSERT_EQ(g.num_nodes(), 3u);
  EXPECT_EQ(g.node(0).attr<ReshapeAttrs>().shape, (Shape{1, 6}));
  EXPECT_EQ(g.node(2).attr<ReshapeAttrs>().shape, (Shape{1, 2, 3}));
}

TEST(Importer, PReluWithOneSlopeIsALeakyRelu) {
  ModelBuilder m;
  m.input("x", {-1, 4}).output("y");
  m.init_f("slope", {1}, {0.25f});
  m.node("PRelu", {"x", "slope"}, {"y"});
  Graph g = import(m);
  ASSERT_EQ(g.num_nodes(), 1u);
  EXPECT_EQ(g.node(0).op, OpKind::LeakyRelu);
  EXPECT_EQ(g.node(0).attr<ScalarAttrs>().alpha, 0.25f);
}

TEST(Importer, PReluSlopeThatDoesNotBroadcastIsNamed) {
  ModelBuilder m;
  m.input("x", {-1, 4, 3, 3}).output("y");
  m.init_f("slope", {5}, {0.1f, 0.2f, 0.3f, 0.4f, 0.5f});
  m.node("PRelu", {"x", "slope"}, {"y"}, "act");
  expect_error([&] { import(m, "m.onnx"); },
               {"m.onnx", "node 'act' (PRelu)", "slope [5] does not broadcast to the input [1, 4, 3, 3]"});
}

// Pad in mode reflect or edge: slices concatenated around the input; what cannot be is refused by name.
TEST(Importer, ReflectAndEdgePadsBecomeSlicesAndRefuseWhatTheyCannotPad) {
  const auto pad_model = [](const std::string& mode, std::vector<int64_t> pads) {
    ModelBuilder m;
    m.input("x", {-1, 2, 3}).output("y");
    m.init_i64("pads", {6}, std::move(pads));
    auto* n = m.node("Pad", {"x", "pads"}, {"y"}, "pad");
    ModelBuilder::attr_s(n, "mode", mode);
    return m;
  };
  Graph g = import(pad_model("reflect", {0, 0, 2, 0, 0, 1}));
  EXPECT_EQ(g.value(g.outputs[0]).shape, (Shape{1, 2, 6}));
  EXPECT_EQ(g.node(g.num_nodes() - 1).op, OpKind::Concat);
  const Graph edge = import(pad_model("edge", {0, 1, 3, 0, 0, 0}));
  EXPECT_EQ(edge.value(edge.outputs[0]).shape, (Shape{1, 3, 6}));
  expect_error(
      [&] {
        import(pad_model("reflect", {0, 0, 3, 0, 0, 0}));
      },
      {"node 'pad' (Pad)", "reflect pads 3 and 0 along axis 2"});
  expect_error([&] { import(pad_model("edge", {0, 0, -1, 0, 0, 0})); }, {"negative pads", "'edge'"});
  expect_error([&] { import(pad_model("reflect", {1, 0, 0, 1, 0, 0})); }, {"node 'pad' (Pad)", "batch axis"});
  expect_error([&] { import(pad_model("wrap", {0, 0, 1, 0, 0, 1})); }, {"pad mode 'wrap' is not supported", "reflect or edge"});
}

TEST(Importer, DepthToSpaceRefusesChannelsThatAreNotWholeBlocks) {
  ModelBuilder m;
  m.input("x", {-1, 6, 2, 2}).output("y");
  auto* n = m.node("DepthToSpace", {"x"}, {"y"}, "d2s");
  ModelBuilder::attr_i(n, "blocksize", 2);
  expect_error([&] { import(m); }, {"node 'd2s' (DepthToSpace)", "6 channels are not a multiple of blocksize² = 4"});
  ModelBuilder crd;
  crd.input("x", {-1, 8, 2, 3}).output("y");
  auto* c = crd.node("DepthToSpace", {"x"}, {"y"});
  ModelBuilder::attr_i(c, "blocksize", 2);
  ModelBuilder::attr_s(c, "mode", "CRD");
  const Graph shuffled = import(crd);
  EXPECT_EQ(shuffled.value(shuffled.outputs[0]).shape, (Shape{1, 2, 4, 6}));
}

TEST(Importer, CeluRefusesAnAlphaOfZero) {
  ModelBuilder m;
  m.input("x", {-1, 4}).output("y");
  ModelBuilder::attr_f(m.node("Celu", {"x"}, {"y"}, "celu"), "alpha", 0.0f);
  expect_error([&] { import(m); }, {"node 'celu' (Celu)", "alpha is 0; expected a nonzero number"});
}

TEST(Importer, CumSumAlongTheBatchAxisIsRefused) {
  ModelBuilder m;
  m.input("x", {-1, 4}).output("y");
  m.init_i64("axis", {}, {0});
  m.node("CumSum", {"x", "axis"}, {"y"}, "running");
  expect_error([&] { import(m); }, {"node 'running' (CumSum)", "batch axis"});
  ModelBuilder two;
  two.input("x", {-1, 4}).output("y");
  two.init_i64("axis", {2}, {1, 1});
  two.node("CumSum", {"x", "axis"}, {"y"}, "running");
  expect_error([&] { import(two); }, {"axis [1, 1]: expected one value"});
}

}  // namespace aimc
