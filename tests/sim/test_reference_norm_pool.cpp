// Pooling (ceil mode, pads, count_include_pad, dilation), reductions and normalisations.
#include "reference_test_util.h"

namespace aimc::test {
namespace {

// PyTorch/ONNX pooling over an N,C,H,W tensor: windows clipped to the input; the average divides
// by the window clipped to the padded input (count_include_pad) or to the input.
std::vector<double> naive_pool(const Tensor& x, const Shape& ys, bool is_max, const PoolAttrs& a) {
  const int64_t nc = x.dim(0) * x.dim(1), h = x.dim(2), w = x.dim(3), oh = ys[2], ow = ys[3];
  const WindowAttrs& win = a.window;
  std::vector<double> y;
  for (int64_t c = 0; c < nc; ++c)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox) {
        const int64_t y0 = oy * win.strides[0] - win.pads[0], x0 = ox * win.strides[1] - win.pads[1];
        double acc = is_max ? -1e300 : 0.0;
        int64_t count = 0;
        for (int64_t ky = 0; ky < win.kernel[0]; ++ky)
          for (int64_t kx = 0; kx < win.kernel[1]; ++kx) {
            const int64_t iy = y0 + ky * win.dilations[0], ix = x0 + kx * win.dilations[1];
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            const double v = x.data<float>()[(c * h + iy) * w + ix];
            acc = is_max ? std::max(acc, v) : acc + v;
            ++count;
          }
        if (!is_max) {
          if (a.count_include_pad) {
            count = (std::min(y0 + win.kernel[0], h + win.pads[2]) - y0) * (std::min(x0 + win.kernel[1], w + win.pads[3]) - x0);
          }
          acc /= static_cast<double>(count);
        }
        y.push_back(acc);
      }
  return y;
}

struct PoolCase {
  const char* name;
  OpKind op;
  Shape x;
  PoolAttrs attrs;
};

class PoolTest : public ::testing::TestWithParam<PoolCase> {};

TEST_P(PoolTest, MatchesLoop) {
  const PoolCase& c = GetParam();
  GraphBuilder gb;
  ValueId x = gb.input("x", c.x);
  ValueId y = gb.node(c.op, {x}, c.attrs);
  gb.output(y);
  const Graph& g = gb.finish();
  Tensor xt = random_tensor(c.x, 5);
  Tensor out = run_graph(g, {xt}).at(0);
  EXPECT_EQ(out.shape(), g.value(y).shape);
  expect_close(out, naive_pool(xt, g.value(y).shape, c.op == OpKind::MaxPool, c.attrs));
}

PoolAttrs pool(std::vector<int64_t> k, std::vector<int64_t> s, std::vector<int64_t> p, bool ceil, bool include_pad = false,
               std::vector<int64_t> d = {1, 1}) {
  return PoolAttrs{.window = {.kernel = std::move(k), .strides = std::move(s), .dilations = std::move(d), .pads = std::move(p)},
                   .ceil_mode = ceil,
                   .count_include_pad = include_pad};
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PoolTest,
    ::testing::Values(
        PoolCase{"max2", OpKind::MaxPool, {2, 16, 8, 8}, pool({2, 2}, {2, 2}, {0, 0, 0, 0}, false)},
        PoolCase{"max_ceil", OpKind::MaxPool, {2, 3, 7, 6}, pool({3, 3}, {2, 2}, {0, 1, 0, 1}, true)},
        PoolCase{"max_dilated", OpKind::MaxPool, {1, 4, 9, 9}, pool({3, 2}, {1, 2}, {1, 1, 1, 0}, false, false, {2, 3})},
        PoolCase{"avg_exclude_pad", OpKind::AveragePool, {2, 5, 7, 7}, pool({3, 3}, {2, 2}, {1, 1, 1, 1}, false)},
        PoolCase{"avg_include_pad", OpKind::AveragePool, {2, 5, 7, 7}, pool({3, 3}, {2, 2}, {1, 1, 1, 1}, false, true)},
        PoolCase{"avg_ceil_exclude", OpKind::AveragePool, {2, 3, 6, 8}, pool({3, 3}, {2, 2}, {1, 0, 1, 0}, true)},
        PoolCase{"avg_ceil_include", OpKind::AveragePool, {2, 3, 6, 8}, pool({3, 3}, {2, 2}, {1, 0, 1, 0}, true, true)},
        PoolCase{"avg_ceil_include_nopad", OpKind::AveragePool, {1, 2, 5, 5}, pool({2, 2}, {2, 2}, {0, 0, 0, 0}, true, true)}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Pool, OneDimensionalMaxPool) {
  GraphBuilder gb;
  ValueId x = gb.input("x", {2, 3, 11});
  PoolAttrs a = pool({3}, {2}, {1, 1}, true, false, {1});
  ValueId y = gb.node(OpKind::MaxPool, {x}, a);
  gb.output(y);
  const Graph& g = gb.finish();
  Tensor xt = random_tensor({2, 3, 11}, 9);
  Tensor out = run_graph(g, {xt}).at(0);
  PoolAttrs a2 = pool({1, 3}, {1, 2}, {0, 1, 0, 1}, true);
  expect_close(out, naive_pool(xt.reshaped({2, 3, 1, 11}), {2, 3, 1, g.value(y).shape[2]}, true, a2));
}

TEST(Pool, GlobalAveragePoolAndReductions) {
  GraphBuilder gb;
  Shape s = {3, 20, 5, 6};
  ValueId x = gb.input("x", s);
  ValueId gap = gb.node(OpKind::GlobalAveragePool, {x});
  ValueId mean = gb.node(OpKind::ReduceMean, {x}, ReduceAttrs{.axes = {1, 3}, .keepdims = true});
  ValueId sum = gb.node(OpKind::ReduceSum, {x}, ReduceAttrs{.axes = {2}, .keepdims = false});
  for (ValueId v : {gap, mean, sum}) gb.output(v);
  const Graph& g = gb.finish();
  Tensor xt = random_tensor(s, 4);
  auto res = run_graph(g, {xt});
  std::vector<double> want_gap(3 * 20, 0.0), want_mean(3 * 5, 0.0), want_sum(3 * 20 * 6, 0.0);
  for (int64_t i = 0; i < xt.numel(); ++i) {
    auto id = unravel(i, s);
    const double v = xt.data<float>()[i];
    want_gap[static_cast<size_t>(id[0] * 20 + id[1])] += v / 30.0;
    want_mean[static_cast<size_t>(id[0] * 5 + id[2])] += v / 120.0;
    want_sum[static_cast<size_t>((id[0] * 20 + id[1]) * 6 + id[3])] += v;
  }
  EXPECT_EQ(res[0].shape(), (Shape{3, 20, 1, 1}));
  EXPECT_EQ(res[1].shape(), (Shape{3, 1, 5, 1}));
  EXPECT_EQ(res[2].shape(), (Shape{3, 20, 6}));
  expect_close(res[0], want_gap);
  expect_close(res[1], want_mean);
  expect_close(res[2], want_sum);
}

TEST(Pool, ExtremesArgAndTopKWithTies) {
  // Rows of x: [3, 1, 3, 0] and [-1, -1, 2, 2]. Max/min per row; ArgMax keeps the first of equal values,
  // or the last with select_last; TopK(2, largest) takes ties by the lower index.
  GraphBuilder gb;
  ValueId x = gb.input("x", {2, 4});
  ValueId mx = gb.node(OpKind::ReduceMax, {x}, ReduceAttrs{.axes = {1}, .keepdims = false});
  ValueId mn = gb.node(OpKind::ReduceMin, {x}, ReduceAttrs{.axes = {1}, .keepdims = true});
  ValueId am = gb.node(OpKind::ArgMax, {x}, ReduceAttrs{.axes = {1}, .keepdims = false});
  ValueId al = gb.node(OpKind::ArgMax, {x}, ReduceAttrs{.axes = {1}, .keepdims = false, .select_last = true});
  ValueId an = gb.node(OpKind::ArgMin, {x}, ReduceAttrs{.axes = {1}, .keepdims = false});
  auto top = gb.nodes(OpKind::TopK, {x}, TopKAttrs{.axis = 1, .k = 2, .largest = true}, 2);
  auto low = gb.nodes(OpKind::TopK, {x}, TopKAttrs{.axis = 1, .k = 3, .largest = false}, 2);
  for (ValueId v : {mx, mn, am, al, an, top[0], top[1], low[0], low[1]}) gb.output(v);
  const Graph& g = gb.finish();
  EXPECT_EQ(g.value(am).dtype, DType::i64);
  auto res = run_graph(g, {Tensor::from<float>({3, 1, 3, 0, -1, -1, 2, 2}, {2, 4})});
  expect_close(res[0], {3, 2});
  expect_close(res[1], {0, -1});
  EXPECT_EQ(res[2].to_int64_vector(), (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(res[3].to_int64_vector(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(res[4].to_int64_vector(), (std::vector<int64_t>{3, 0}));
  expect_close(res[5], {3, 3, 2, 2});
  EXPECT_EQ(res[6].to_int64_vector(), (std::vector<int64_t>{0, 2, 2, 3}));
  expect_close(res[7], {0, 1, 3, -1, -1, 2});
  EXPECT_EQ(res[8].to_int64_vector(), (std::vector<int64_t>{3, 1, 0, 0, 1, 2}));
}

TEST(Norm, SoftmaxOverMiddleAndLastAxisIsStable) {
  for (int64_t axis : {1, 2}) {
    GraphBuilder gb;
    Shape s = {2, 5, 7};
    ValueId x = gb.input("x", s);
    gb.output(gb.node(OpKind::Softmax, {x}, AxisAttrs{.axis = axis}));
    Tensor xt = random_tensor(s, 3, -50.0f, 50.0f);
    xt.data<float>()[0] = 1000.0f;  // would overflow exp() without the max subtraction
    Tensor out = run_graph(gb.finish(), {xt}).at(0);
    std::vector<double> want(static_cast<size_t>(numel(s)));
    for (int64_t i = 0; i < numel(s); ++i) {
      auto id = unravel(i, s);
      double mx = -1e300, sum = 0;
      for (int64_t j = 0; j < s[static_cast<size_t>(axis)]; ++j) {
        id[static_cast<size_t>(axis)] = j;
        mx = std::max(mx, static_cast<double>(xt.data<float>()[(id[0] * 5 + id[1]) * 7 + id[2]]));
      }
      for (int64_t j = 0; j < s[static_cast<size_t>(axis)]; ++j) {
        id[static_cast<size_t>(axis)] = j;
        sum += std::exp(xt.data<float>()[(id[0] * 5 + id[1]) * 7 + id[2]] - mx);
      }
      want[static_cast<size_t>(i)] = std::exp(xt.data<float>()[i] - mx) / sum;
    }
    expect_close(out, want, 1e-4, 1e-7);
  }
}

TEST(Norm, LayerNormalizationOverTrailingAxes) {
  GraphBuilder gb;
  Shape s = {3, 4, 2, 5};
  ValueId x = gb.input("x", s);
  Tensor scale = random_tensor({2, 5}, 2), bias = random_tensor({2, 5}, 3);
  ValueId y = gb.node(OpKind::LayerNormalization, {x, gb.constant("s", scale), gb.constant("b", bias)},
                      NormAttrs{.axis = 2, .epsilon = 1e-3f});
  ValueId y2 = gb.node(OpKind::LayerNormalization, {x, gb.constant("s2", scale)}, NormAttrs{.axis = 2, .epsilon = 1e-5f});
  gb.output(y);
  gb.output(y2);
  Tensor xt = random_tensor(s, 1, -3.0f, 5.0f);
  auto res = run_graph(gb.finish(), {xt});
  std::vector<double> want, want2;
  for (int64_t r = 0; r < 12; ++r) {
    double mean = 0, var = 0;
    for (int64_t j = 0; j < 10; ++j) mean += xt.data<float>()[r * 10 + j] / 10.0;
    for (int64_t j = 0; j < 10; ++j) var += std::pow(xt.data<float>()[r * 10 + j] - mean, 2) / 10.0;
    for (int64_t j = 0; j < 10; ++j) {
      double z = xt.data<float>()[r * 10 + j] - mean;
      want.push_back(z / std::sqrt(var + 1e-3) * scale.data<float>()[j] + bias.data<float>()[j]);
      want2.push_back(z / std::sqrt(var + 1e-5) * scale.data<float>()[j]);
    }
  }
  expect_close(res[0], want);
  expect_close(res[1], want2);
}

TEST(Norm, BatchNormalizationInference) {
  GraphBuilder gb;
  Shape s = {2, 3, 4, 5};
  ValueId x = gb.input("x", s);
  Tensor scale = random_tensor({3}, 2), bias = random_tensor({3}, 3), mean = random_tensor({3}, 4),
         var = random_tensor({3}, 5, 0.1f, 2.0f);
  ValueId y = gb.node(OpKind::BatchNormalization,
                      {x, gb.constant("s", scale), gb.constant("b", bias), gb.constant("m", mean), gb.input("v", {3}, -1)},
                      NormAttrs{.epsilon = 1e-3f});
  gb.output(y);
  Tensor xt = random_tensor(s, 1);
  Tensor out = run_graph(gb.finish(), {xt, var}).at(0);
  std::vector<double> want;
  for (int64_t i = 0; i < xt.numel(); ++i) {
    const int64_t c = (i / 20) % 3;
    want.push_back((xt.data<float>()[i] - mean.data<float>()[c]) / std::sqrt(var.data<float>()[c] + 1e-3) *
                       scale.data<float>()[c] +
                   bias.data<float>()[c]);
  }
  expect_close(out, want);
}

}  // namespace
}  // namespace aimc::test
