// Data movement, Gather, Cast and FakeQuant.
#include <array>

#include "reference_test_util.h"

namespace aimc::test {
namespace {

Tensor iota(Shape s) {
  Tensor t(DType::f32, std::move(s));
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(i);
  return t;
}

TEST(DataMovement, SliceWithNegativeStepsAndStrides) {
  GraphBuilder gb;
  Shape s = {2, 5, 7};
  ValueId x = gb.input("x", s);
  // dim1: 4, 2, 0 (start 4, end -1 = before 0, step -2); dim2: 1, 4 (step 3)
  ValueId y = gb.node(OpKind::Slice, {x}, SliceAttrs{.starts = {0, 4, 1}, .ends = {2, -1, 7}, .steps = {1, -2, 3}});
  gb.output(y);
  const Graph& g = gb.finish();
  EXPECT_EQ(g.value(y).shape, (Shape{2, 3, 2}));
  Tensor out = run_graph(g, {iota(s)}).at(0);
  std::vector<double> want;
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t i : {4, 2, 0})
      for (int64_t j : {1, 4}) want.push_back(static_cast<double>((n * 5 + i) * 7 + j));
  expect_close(out, want, 0, 0);
}

TEST(DataMovement, SliceReversesWholeAxis) {
  GraphBuilder gb;
  ValueId x = gb.input("x", {1, 4});
  gb.output(gb.node(OpKind::Slice, {x}, SliceAttrs{.starts = {0, 3}, .ends = {1, -1}, .steps = {1, -1}}));
  expect_close(run_graph(gb.finish(), {iota({1, 4})}).at(0), {3, 2, 1, 0}, 0, 0);
}

TEST(DataMovement, PadConstantWithCrop) {
  GraphBuilder gb;
  Shape s = {1, 2, 3, 4};
  ValueId x = gb.input("x", s);
  // dim1 +1 before; dim2 +2 before, -1 after (crop); dim3 -1 before (crop), +1 after
  ValueId y = gb.node(OpKind::Pad, {x}, PadAttrs{.pads = {0, 1, 2, -1, 0, 0, -1, 1}, .value = -5.0f});
  gb.output(y);
  const Graph& g = gb.finish();
  EXPECT_EQ(g.value(y).shape, (Shape{1, 3, 4, 4}));
  Tensor out = run_graph(g, {iota(s)}).at(0);
  std::vector<double> want;
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t h = 0; h < 4; ++h)
      for (int64_t w = 0; w < 4; ++w) {
        const int64_t ic = c - 1, ih = h - 2, iw = w + 1;
        bool in = ic >= 0 && ic < 2 && ih >= 0 && ih < 3 && iw >= 0 && iw < 4;
        want.push_back(in ? static_cast<double>((ic * 3 + ih) * 4 + iw) : -5.0);
      }
  expect_close(out, want, 0, 0);
}

TEST(DataMovement, ResizeNearestAndLinear) {
  // x = [0, 1, 2] along the last axis (one row). Nearest x2, asymmetric + floor: 0 0 1 1 2 2. Linear x2
  // with align_corners: coordinates o·2/5 -> 0, .4, .8, 1.2, 1.6, 2. Linear x2, half_pixel: (o+.5)/2-.5
  // clamped to [0, 2] -> 0, .25, .75, 1.25, 1.75, 2.
  using R = ResizeAttrs;
  GraphBuilder gb;
  ValueId x = gb.input("x", {1, 1, 1, 3});
  const std::vector<double> twice = {1, 1, 1, 2};
  ValueId n = gb.node(
      OpKind::Resize, {x},
      R{.mode = R::Mode::Nearest, .coordinates = R::Coordinates::Asymmetric, .nearest = R::Nearest::Floor, .scales = twice});
  ValueId a =
      gb.node(OpKind::Resize, {x}, R{.mode = R::Mode::Linear, .coordinates = R::Coordinates::AlignCorners, .scales = twice});
  ValueId h = gb.node(OpKind::Resize, {x}, R{.mode = R::Mode::Linear, .coordinates = R::Coordinates::HalfPixel, .scales = twice});
  // Sizes instead of scales: 3 -> 2 with half_pixel nearest (round_prefer_floor): (o+.5)·1.5-.5 = .25, 1.75 -> 0, 2.
  ValueId d = gb.node(OpKind::Resize, {x}, R{.mode = R::Mode::Nearest, .scales = {1, 1, 1, 2.0 / 3.0}, .sizes = {1, 1, 1, 2}});
  for (ValueId v : {n, a, h, d}) gb.output(v);
  const Graph& g = gb.finish();
  EXPECT_EQ(g.value(n).shape, (Shape{1, 1, 1, 6}));
  EXPECT_EQ(g.value(d).shape, (Shape{1, 1, 1, 2}));
  auto res = run_graph(g, {iota({1, 1, 1, 3})});
  expect_close(res.at(0), {0, 0, 1, 1, 2, 2}, 0, 0);
  expect_close(res.at(1), {0, 0.4, 0.8, 1.2, 1.6, 2}, 1e-6, 1e-6);
  expect_close(res.at(2), {0, 0.25, 0.75, 1.25, 1.75, 2}, 1e-6, 1e-6);
  expect_close(res.at(3), {0, 2}, 0, 0);
}

TEST(DataMovement, ReshapeTransposeConcatSplit) {
  GraphBuilder gb;
  Shape s = {2, 3, 4};
  ValueId x = gb.input("x", s);
  ValueId t = gb.node(OpKind::Transpose, {x}, TransposeAttrs{{2, 0, 1}});  // [4, 2, 3], batch axis 1
  ValueId r = gb.node(OpKind::Reshape, {x}, ReshapeAttrs{{2, 12}});
  ValueId c = gb.node(OpKind::Concat, {x, x, gb.constant("k", iota({2, 3, 1}))}, AxisAttrs{.axis = 2});
  auto parts = gb.nodes(OpKind::Split, {x}, SplitAttrs{.axis = 1, .sizes = {1, 2}}, 2);
  for (ValueId v : {t, r, c, parts[0], parts[1]}) gb.output(v);
  auto res = run_graph(gb.finish(), {iota(s)});
  std::vector<double> want_t, want_c, want_s0, want_s1;
  for (int64_t k = 0; k < 4; ++k)
    for (int64_t n = 0; n < 2; ++n)
      for (int64_t i = 0; i < 3; ++i) want_t.push_back(static_cast<double>((n * 3 + i) * 4 + k));
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t i = 0; i < 3; ++i) {
      for (int rep = 0; rep < 2; ++rep)
        for (int64_t k = 0; k < 4; ++k) want_c.push_back(static_cast<double>((n * 3 + i) * 4 + k));
      want_c.push_back(static_cast<double>(n * 3 + i));
      for (int64_t k = 0; k < 4; ++k) (i == 0 ? want_s0 : want_s1).push_back(static_cast<double>((n * 3 + i) * 4 + k));
    }
  EXPECT_EQ(res[0].shape(), (Shape{4, 2, 3}));
  expect_close(res[0], want_t, 0, 0);
  EXPECT_EQ(res[1].shape(), (Shape{2, 12}));
  expect_close(res[1], to_doubles(iota(s)), 0, 0);
  expect_close(res[2], want_c, 0, 0);
  expect_close(res[3], want_s0, 0, 0);
  expect_close(res[4], want_s1, 0, 0);
}

TEST(Gather, AnyAxisWithNegativeIndices) {
  GraphBuilder gb;
  Tensor table = iota({5, 3});
  ValueId idx = gb.input("idx", {2, 2}, 0, DType::i64);
  ValueId emb = gb.node(OpKind::Gather, {gb.constant("table", table), idx}, AxisAttrs{.axis = 0});
  ValueId x = gb.input("x", {2, 4, 3});
  ValueId cols = gb.node(OpKind::Gather, {x, gb.constant("cols", Tensor::from<int32_t>({-1, 0}, {2}))}, AxisAttrs{.axis = 2});
  gb.output(emb);
  gb.output(cols);
  const Graph& g = gb.finish();
  auto res = run_graph(g, {Tensor::from<int64_t>({4, -5, -1, 2}, {2, 2}), iota({2, 4, 3})});
  EXPECT_EQ(res[0].shape(), (Shape{2, 2, 3}));
  expect_close(res[0], {12, 13, 14, 0, 1, 2, 12, 13, 14, 6, 7, 8}, 0, 0);
  EXPECT_EQ(res[1].shape(), (Shape{2, 4, 2}));
  std::vector<double> want;
  for (int64_t r = 0; r < 8; ++r) {
    want.push_back(static_cast<double>(r * 3 + 2));
    want.push_back(static_cast<double>(r * 3));
  }
  expect_close(res[1], want, 0, 0);
}

TEST(Gather, OutOfRangeIndexNamesTheNode) {
  GraphBuilder gb;
  ValueId idx = gb.input("idx", {1, 2}, 0, DType::i64);
  gb.output(gb.node(OpKind::Gather, {gb.constant("table", iota({5, 3})), idx}, AxisAttrs{.axis = 0}));
  ReferenceExecutor exec(gb.finish(), {});
  try {
    exec.run({Tensor::from<int64_t>({1, 5}, {1, 2})});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.context().node, "Gather0");
    EXPECT_NE(std::string(e.what()).find("index 5 is out of range [-5, 5)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(exec.run({Tensor::from<int64_t>({-6, 0}, {1, 2})}), Error);
}

TEST(Cast, FloatToIntTruncatesAndSaturates) {
  GraphBuilder gb;
  ValueId x = gb.input("x", {1, 6});
  ValueId i = gb.node(OpKind::Cast, {x}, CastAttrs{.to = DType::i64});
  ValueId b = gb.node(OpKind::Cast, {x}, CastAttrs{.to = DType::i8});
  ValueId back = gb.node(OpKind::Cast, {i}, CastAttrs{.to = DType::f32});
  for (ValueId v : {i, b, back}) gb.output(v);
  auto res = run_graph(gb.finish(), {Tensor::from<float>({2.7f, -2.7f, 0.5f, -0.5f, 300.0f, -1e3f}, {1, 6})});
  EXPECT_EQ(res[0].to_int64_vector(), (std::vector<int64_t>{2, -2, 0, 0, 300, -1000}));
  EXPECT_EQ(res[1].to_int64_vector(), (std::vector<int64_t>{2, -2, 0, 0, 127, -128}));
  expect_close(res[2], {2, -2, 0, 0, 300, -1000}, 0, 0);
}

// ONNX QuantizeLinear -> DequantizeLinear, computed independently in double.
double fake_quant(double x, double s, int z, int lo, int hi) {
  double q = std::nearbyint(static_cast<float>(x) / static_cast<float>(s)) + z;
  q = std::clamp(q, static_cast<double>(lo), static_cast<double>(hi));
  return (q - z) * s;
}

TEST(FakeQuant, PerTensorRoundsHalfToEvenAndSaturates) {
  GraphBuilder gb;
  ValueId x = gb.input("x", {1, 8});
  gb.output(
      gb.node(OpKind::FakeQuant, {x}, FakeQuantAttrs{.scale = {0.5f}, .zero_point = {3}, .axis = 1, .qmin = 0, .qmax = 10}));
  // x/s = 0.5, 1.5, 2.5, -0.5, -3.5, 3.6, 100, -100
  Tensor xt = Tensor::from<float>({0.25f, 0.75f, 1.25f, -0.25f, -1.75f, 1.8f, 50.0f, -50.0f}, {1, 8});
  Tensor out = run_graph(gb.finish(), {xt}).at(0);
  // rounds: 0, 2, 2, -0, -4, 4 (+3 -> 3, 5, 5, 3, -1 -> 0, 7), saturated 10 and 0
  expect_close(out, {0.0, 1.0, 1.0, 0.0, -1.5, 2.0, 3.5, -1.5}, 0, 0);
}

TEST(FakeQuant, PerChannelAlongAxis) {
  GraphBuilder gb;
  Shape s = {2, 3, 4};
  ValueId x = gb.input("x", s);
  FakeQuantAttrs a{.scale = {0.1f, 0.02f, 0.3f}, .zero_point = {0, -5, 7}, .axis = 1, .qmin = -128, .qmax = 127};
  gb.output(gb.node(OpKind::FakeQuant, {x}, a));
  Tensor xt = random_tensor(s, 3, -4.0f, 4.0f);
  Tensor out = run_graph(gb.finish(), {xt}).at(0);
  std::vector<double> want;
  for (int64_t i = 0; i < xt.numel(); ++i) {
    const auto c = static_cast<size_t>((i / 4) % 3);
    want.push_back(fake_quant(xt.data<float>()[i], a.scale[c], a.zero_point[c], a.qmin, a.qmax));
  }
  expect_close(out, want, 1e-6, 1e-7);
}

TEST(ConstantFolding, FakeQuantOnWeightsRunsOnceAtPreparation) {
  GraphBuilder gb;
  ValueId x = gb.input("x", {2, 4});
  Tensor w = random_tensor({3, 4}, 8);
  ValueId wq = gb.node(OpKind::FakeQuant, {gb.constant("w", w)},
                       FakeQuantAttrs{.scale = {0.05f, 0.1f, 0.2f}, .zero_point = {0, 0, 0}, .axis = 0});
  ValueId y = gb.node(OpKind::Gemm, {x, wq}, GemmAttrs{.trans_b = true});
  gb.output(y);
  gb.output(wq);  // a folded constant may also be a graph output
  const Graph& g = gb.finish();
  ReferenceExecutor exec(g, {});
  Tensor xt = random_tensor({2, 4}, 9);
  auto res = exec.run({xt});
  std::vector<double> wqv;
  for (int64_t i = 0; i < 12; ++i) {
    const std::array<double, 3> sc = {0.05f, 0.1f, 0.2f};
    wqv.push_back(fake_quant(w.data<float>()[i], sc[static_cast<size_t>(i / 4)], 0, -128, 127));
  }
  std::vector<double> want;
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t o = 0; o < 3; ++o) {
      double s = 0;
      for (int64_t k = 0; k < 4; ++k) s += xt.data<float>()[n * 4 + k] * wqv[static_cast<size_t>(o * 4 + k)];
      want.push_back(s);
    }
  expect_close(res[0], want);
  expect_close(res[1], wqv, 1e-6, 1e-7);
}

}  // namespace
}  // namespace aimc::test
