// Conv against a direct convolution loop in double precision, plus fused post-ops.
#include "reference_test_util.h"

namespace aimc::test {
namespace {

// Direct convolution; a 1-D input is a 2-D one of height 1.
std::vector<double> naive_conv(const Tensor& x, const Tensor& w, const Tensor* b, const ConvAttrs& a, const Shape& ys) {
  const bool two = x.rank() == 4;
  const int64_t n_ = x.dim(0), c_ = x.dim(1), h = two ? x.dim(2) : 1, wd = x.dim(-1);
  const int64_t m_ = w.dim(0), cg = w.dim(1), kh = two ? w.dim(2) : 1, kw = w.dim(-1);
  const int64_t oh = two ? ys[2] : 1, ow = ys.back();
  const size_t sd = a.window.kernel.size();
  const int64_t sh = two ? a.window.strides[0] : 1, sw = a.window.strides.back();
  const int64_t dh = two ? a.window.dilations[0] : 1, dw = a.window.dilations.back();
  const int64_t ph = two ? a.window.pads[0] : 0, pw = a.window.pads[sd - 1];
  const int64_t mg = m_ / a.group;
  std::vector<double> y(static_cast<size_t>(n_ * m_ * oh * ow));
  const float* xp = x.data<float>();
  const float* wp = w.data<float>();
  for (int64_t n = 0; n < n_; ++n)
    for (int64_t m = 0; m < m_; ++m)
      for (int64_t oy = 0; oy < oh; ++oy)
        for (int64_t ox = 0; ox < ow; ++ox) {
          double s = b ? b->data<float>()[m] : 0.0;
          const int64_t g = m / mg;
          for (int64_t c = 0; c < cg; ++c)
            for (int64_t ky = 0; ky < kh; ++ky)
              for (int64_t kx = 0; kx < kw; ++kx) {
                const int64_t iy = oy * sh - ph + ky * dh, ix = ox * sw - pw + kx * dw;
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                const int64_t ic = g * cg + c;
                s += static_cast<double>(xp[((n * c_ + ic) * h + iy) * wd + ix]) * wp[((m * cg + c) * kh + ky) * kw + kx];
              }
          y[static_cast<size_t>(((n * m_ + m) * oh + oy) * ow + ox)] = s;
        }
  return y;
}

struct ConvCase {
  const char* name;
  Shape x, w;
  WindowAttrs window;
  int64_t group;
  bool bias;
};

class ConvTest : public ::testing::TestWithParam<ConvCase> {};

TEST_P(ConvTest, MatchesDirectConvolution) {
  const ConvCase& c = GetParam();
  GraphBuilder b;
  ValueId x = b.input("x", c.x);
  Tensor w = random_tensor(c.w, 2);
  Tensor bias = random_tensor({c.w[0]}, 3);
  std::vector<ValueId> ins = {x, b.constant("w", w)};
  if (c.bias) ins.push_back(b.constant("b", bias));
  ConvAttrs a{.window = c.window, .group = c.group};
  ValueId y = b.node(OpKind::Conv, ins, a);
  b.output(y);
  const Graph& g = b.finish();
  Tensor xt = random_tensor(c.x, 1);
  Tensor out = run_graph(g, {xt}).at(0);
  EXPECT_EQ(out.shape(), g.value(y).shape);
  expect_close(out, naive_conv(xt, w, c.bias ? &bias : nullptr, a, g.value(y).shape));
}

WindowAttrs win2(std::vector<int64_t> k, std::vector<int64_t> s, std::vector<int64_t> d, std::vector<int64_t> p) {
  return WindowAttrs{.kernel = std::move(k), .strides = std::move(s), .dilations = std::move(d), .pads = std::move(p)};
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ConvTest,
    ::testing::Values(
        ConvCase{"grouped_dilated_asym", {2, 8, 11, 10}, {16, 4, 3, 3}, win2({3, 3}, {2, 1}, {2, 1}, {1, 0, 2, 1}), 2, true},
        ConvCase{"depthwise", {3, 16, 9, 9}, {16, 1, 3, 3}, win2({3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}), 16, true},
        ConvCase{"depthwise_x2", {2, 8, 8, 7}, {16, 1, 3, 3}, win2({3, 3}, {2, 2}, {1, 1}, {0, 1, 1, 0}), 8, false},
        ConvCase{"wide_blocked", {2, 32, 8, 8}, {64, 32, 3, 3}, win2({3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}), 1, true},
        ConvCase{"lenet_first", {4, 1, 28, 28}, {16, 1, 5, 5}, win2({5, 5}, {1, 1}, {1, 1}, {0, 0, 0, 0}), 1, true},
        ConvCase{"pointwise_stride2", {2, 24, 7, 7}, {8, 24, 1, 1}, win2({1, 1}, {2, 2}, {1, 1}, {0, 0, 0, 0}), 1, false},
        ConvCase{"conv1d", {3, 4, 20}, {6, 4, 5}, win2({5}, {2}, {2}, {3, 1}), 1, true},
        ConvCase{"conv1d_grouped", {2, 6, 13}, {9, 2, 3}, win2({3}, {1}, {1}, {1, 0}), 3, false}),
    [](const auto& info) { return std::string(info.param.name); });

ConvAttrs same3x3() { return ConvAttrs{.window = win2({3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1})}; }

std::vector<double> relu(std::vector<double> v) {
  for (double& e : v) e = std::max(e, 0.0);
  return v;
}

// conv -> relu -> conv -> add(first relu output) -> relu: exercises the fused ReLU, the fused
// residual sum (taking over the shortcut's buffer) and blocked layouts between convolutions.
TEST(ConvFusion, ResidualBlockMatchesUnfusedReference) {
  GraphBuilder b;
  Shape xs = {3, 16, 6, 6};
  ValueId x = b.input("x", xs);
  Tensor w1 = random_tensor({16, 16, 3, 3}, 11), w2 = random_tensor({16, 16, 3, 3}, 12);
  Tensor b1 = random_tensor({16}, 13), b2 = random_tensor({16}, 14);
  ValueId c1 = b.node(OpKind::Conv, {x, b.constant("w1", w1), b.constant("b1", b1)}, same3x3());
  ValueId r1 = b.node(OpKind::Relu, {c1});
  ValueId c2 = b.node(OpKind::Conv, {r1, b.constant("w2", w2), b.constant("b2", b2)}, same3x3());
  ValueId sum2 = b.node(OpKind::Add, {x, c2});  // the other operand is a graph input: copied, not reused
  ValueId c3 = b.node(OpKind::Conv, {r1, b.constant("w3", w2), b.constant("b3", b2)}, same3x3());
  ValueId add = b.node(OpKind::Add, {c3, r1});  // r1 is not read later: its buffer becomes the output
  ValueId out = b.node(OpKind::Relu, {add});
  b.output(out);
  b.output(sum2);
  const Graph& g = b.finish();
  Tensor xt = random_tensor(xs, 10);
  auto res = run_graph(g, {xt});
  ConvAttrs a = same3x3();
  std::vector<double> h1 = relu(naive_conv(xt, w1, &b1, a, xs));
  Tensor h1t(DType::f32, xs);
  for (size_t i = 0; i < h1.size(); ++i) h1t.data<float>()[i] = static_cast<float>(h1[i]);
  std::vector<double> c3v = naive_conv(h1t, w2, &b2, a, xs), want(h1.size()), want2(h1.size());
  for (size_t i = 0; i < h1.size(); ++i) want[i] = std::max(0.0, c3v[i] + h1[i]);
  for (size_t i = 0; i < h1.size(); ++i) want2[i] = xt.data<float>()[i] + c3v[i];
  expect_close(res[0], want);
  expect_close(res[1], want2);
  const Tensor xcopy = xt.clone();
  for (int64_t i = 0; i < xt.numel(); ++i) ASSERT_EQ(xt.data<float>()[i], xcopy.data<float>()[i]);
}

TEST(ConvFusion, ClipAndLeakyReluPostOps) {
  GraphBuilder b;
  Shape xs = {2, 4, 5, 5};
  ValueId x = b.input("x", xs);
  Tensor w = random_tensor({8, 4, 3, 3}, 21);
  ValueId c = b.node(OpKind::Conv, {x, b.constant("w", w)}, same3x3());
  ValueId l = b.node(OpKind::LeakyRelu, {c}, ScalarAttrs{.alpha = 0.1f});
  ValueId y = b.node(OpKind::Clip, {l}, ScalarAttrs{.min = -0.05f, .max = 0.5f});
  b.output(y);
  const Graph& g = b.finish();
  Tensor xt = random_tensor(xs, 20);
  Tensor out = run_graph(g, {xt}).at(0);
  std::vector<double> want = naive_conv(xt, w, nullptr, same3x3(), g.value(y).shape);
  for (double& v : want) v = std::min(0.5, std::max(-0.05, v < 0 ? 0.1 * v : v));
  expect_close(out, want, 1e-4, 1e-6);
}

TEST(ConvFusion, ConvOutputReadTwiceIsNotFused) {
  GraphBuilder b;
  Shape xs = {2, 3, 4, 4};
  ValueId x = b.input("x", xs);
  Tensor w = random_tensor({5, 3, 3, 3}, 31);
  ValueId c = b.node(OpKind::Conv, {x, b.constant("w", w)}, same3x3());
  ValueId r = b.node(OpKind::Relu, {c});
  ValueId s = b.node(OpKind::Sigmoid, {c});
  b.output(r);
  b.output(s);
  b.output(c);
  const Graph& g = b.finish();
  Tensor xt = random_tensor(xs, 30);
  auto res = run_graph(g, {xt});
  std::vector<double> conv = naive_conv(xt, w, nullptr, same3x3(), g.value(c).shape);
  std::vector<double> sig(conv.size());
  for (size_t i = 0; i < conv.size(); ++i) sig[i] = 1.0 / (1.0 + std::exp(-conv[i]));
  expect_close(res[0], relu(conv));
  expect_close(res[1], sig);
  expect_close(res[2], conv);
}

// Add(conv_a, conv_b): only one of the two can take the Add as its sum post-op.
TEST(ConvFusion, AddOfTwoConvolutions) {
  GraphBuilder b;
  Shape xs = {2, 8, 5, 5};
  ValueId x = b.input("x", xs);
  Tensor wa = random_tensor({8, 8, 3, 3}, 51), wb = random_tensor({8, 8, 3, 3}, 52);
  ValueId ca = b.node(OpKind::Conv, {x, b.constant("wa", wa)}, same3x3());
  ValueId cb = b.node(OpKind::Conv, {x, b.constant("wb", wb)}, same3x3());
  ValueId y = b.node(OpKind::Relu, {b.node(OpKind::Add, {ca, cb})});
  b.output(y);
  const Graph& g = b.finish();
  Tensor xt = random_tensor(xs, 50);
  std::vector<double> va = naive_conv(xt, wa, nullptr, same3x3(), xs), vb = naive_conv(xt, wb, nullptr, same3x3(), xs);
  for (size_t i = 0; i < va.size(); ++i) va[i] = std::max(0.0, va[i] + vb[i]);
  expect_close(run_graph(g, {xt}).at(0), va);
}

// ResNet option-A shortcut: Slice ::2 and a zero Pad of the channels, working on the convolution's
// oneDNN layout, feeding the fused residual sum; plus a reversed slice and a cropping pad.
TEST(ConvFusion, StridedShortcutOnConvolutionLayout) {
  GraphBuilder b;
  Shape xs = {2, 16, 8, 8};
  ValueId x = b.input("x", xs);
  Tensor w1 = random_tensor({16, 16, 3, 3}, 61), w2 = random_tensor({32, 16, 3, 3}, 62);
  ValueId r1 = b.node(OpKind::Relu, {b.node(OpKind::Conv, {x, b.constant("w1", w1)}, same3x3())});
  ValueId s = b.node(OpKind::Slice, {r1}, SliceAttrs{.starts = {0, 0, 0, 0}, .ends = {2, 16, 8, 8}, .steps = {1, 1, 2, 2}});
  ValueId sc = b.node(OpKind::Pad, {s}, PadAttrs{.pads = {0, 8, 0, 0, 0, 8, 0, 0}});
  ConvAttrs down{.window = win2({3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1})};
  ValueId main = b.node(OpKind::Conv, {r1, b.constant("w2", w2)}, down);
  ValueId y = b.node(OpKind::Relu, {b.node(OpKind::Add, {main, sc})});
  ValueId rev = b.node(OpKind::Slice, {r1}, SliceAttrs{.starts = {0, 15, 1, 7}, .ends = {2, -1, 7, -1}, .steps = {1, -3, 2, -2}});
  ValueId crop = b.node(OpKind::Pad, {r1}, PadAttrs{.pads = {0, -1, 2, -3, 0, 1, -2, 1}, .value = 0.5f});
  for (ValueId v : {y, rev, crop}) b.output(v);
  const Graph& g = b.finish();
  Tensor xt = random_tensor(xs, 60);
  auto res = run_graph(g, {xt});
  std::vector<double> h = relu(naive_conv(xt, w1, nullptr, same3x3(), xs));
  Tensor ht(DType::f32, xs);
  for (size_t i = 0; i < h.size(); ++i) ht.data<float>()[i] = static_cast<float>(h[i]);
  std::vector<double> m = naive_conv(ht, w2, nullptr, down, {2, 32, 4, 4}), want_y, want_rev, want_crop;
  auto at = [&](int64_t n, int64_t c, int64_t i, int64_t j) { return h[static_cast<size_t>(((n * 16 + c) * 8 + i) * 8 + j)]; };
  for (int64_t n = 0; n < 2; ++n) {
    for (int64_t c = 0; c < 32; ++c)
      for (int64_t i = 0; i < 4; ++i)
        for (int64_t j = 0; j < 4; ++j) {
          double shortcut = c >= 8 && c < 24 ? at(n, c - 8, 2 * i, 2 * j) : 0.0;
          want_y.push_back(std::max(0.0, m[static_cast<size_t>(((n * 32 + c) * 4 + i) * 4 + j)] + shortcut));
        }
    for (int64_t c = 15; c > -1; c -= 3)
      for (int64_t i = 1; i < 7; i += 2)
        for (int64_t j = 7; j > -1; j -= 2) want_rev.push_back(at(n, c, i, j));
    for (int64_t c = 0; c < 16; ++c)       // channels 1..15 then one 0.5 channel
      for (int64_t i = 0; i < 8; ++i)      // rows: 2 of 0.5, then 0..5
        for (int64_t j = 0; j < 6; ++j) {  // cols 3..7, then one 0.5
          bool in = c < 15 && i >= 2 && j < 5;
          want_crop.push_back(in ? at(n, c + 1, i - 2, j + 3) : 0.5);
        }
  }
  expect_close(res[0], want_y);
  EXPECT_EQ(res[1].shape(), (Shape{2, 6, 3, 4}));
  expect_close(res[1], want_rev);
  EXPECT_EQ(res[2].shape(), (Shape{2, 16, 8, 6}));
  expect_close(res[2], want_crop);
}

TEST(Conv, WeightsComputedAtRunTime) {
  GraphBuilder b;
  Shape xs = {2, 4, 6, 6}, ws = {8, 4, 3, 3};
  ValueId x = b.input("x", xs);
  ValueId w = b.input("w", ws, -1);
  ValueId y = b.node(OpKind::Conv, {x, w}, same3x3());
  b.output(y);
  const Graph& g = b.finish();
  Tensor xt = random_tensor(xs, 40), wt = random_tensor(ws, 41);
  expect_close(run_graph(g, {xt, wt}).at(0), naive_conv(xt, wt, nullptr, same3x3(), g.value(y).shape));
}

}  // namespace
}  // namespace aimc::test
