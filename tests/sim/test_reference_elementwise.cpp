// Element-wise binary (numpy broadcasting, float and integer) and unary ops.
#include <functional>

#include "reference_test_util.h"

namespace aimc::test {
namespace {

double apply_binary(OpKind op, double a, double b) {
  switch (op) {
    case OpKind::Add:
      return a + b;
    case OpKind::Sub:
      return a - b;
    case OpKind::Mul:
      return a * b;
    case OpKind::Div:
      return a / b;
    default:
      return std::pow(a, b);
  }
}

// Element i of the broadcast of `t` onto `out`.
double broadcast_at(const Tensor& t, const Shape& out, int64_t i) {
  std::vector<int64_t> idx = unravel(i, out);
  const Shape& s = t.shape();
  int64_t off = 0, stride = 1;
  for (size_t d = s.size(); d-- > 0;) {
    off += (s[d] == 1 ? 0 : idx[d + out.size() - s.size()]) * stride;
    stride *= s[d];
  }
  return t.as_double(off);
}

struct BinaryCase {
  Shape a, b;
};

class BinaryTest : public ::testing::TestWithParam<std::tuple<OpKind, BinaryCase>> {};

TEST_P(BinaryTest, BroadcastsLikeNumpy) {
  auto [op, c] = GetParam();
  GraphBuilder gb;
  ValueId a = gb.input("a", c.a, -1);
  Tensor at = random_tensor(c.a, 1, 0.5f, 2.0f), bt = random_tensor(c.b, 2, 0.5f, 2.0f);
  ValueId y = gb.node(op, {a, gb.constant("b", bt)});
  gb.output(y);
  const Graph& g = gb.finish();
  Tensor out = run_graph(g, {at}).at(0);
  const Shape& os = g.value(y).shape;
  std::vector<double> want(static_cast<size_t>(numel(os)));
  for (int64_t i = 0; i < numel(os); ++i) {
    want[static_cast<size_t>(i)] = apply_binary(op, broadcast_at(at, os, i), broadcast_at(bt, os, i));
  }
  expect_close(out, want);
}

INSTANTIATE_TEST_SUITE_P(Ops, BinaryTest,
                         ::testing::Combine(::testing::Values(OpKind::Add, OpKind::Sub, OpKind::Mul, OpKind::Div, OpKind::Pow),
                                            ::testing::Values(BinaryCase{{2, 3, 4, 5}, {2, 3, 4, 5}},
                                                              BinaryCase{{2, 3, 4, 5}, {3, 1, 5}},
                                                              BinaryCase{{2, 3, 4, 5}, {1, 3, 1, 1}}, BinaryCase{{4, 1}, {1, 5}},
                                                              BinaryCase{{3, 70, 80}, {}}, BinaryCase{{6}, {2, 1, 6}})));

TEST(Binary, IntegerArithmeticTruncatesDivision) {
  GraphBuilder gb;
  ValueId a = gb.input("a", {2, 3}, 0, DType::i64);
  ValueId b = gb.constant("b", Tensor::from<int64_t>({2, -3, 5}, {3}));
  ValueId sum = gb.node(OpKind::Add, {a, b});
  ValueId diff = gb.node(OpKind::Sub, {a, b});
  ValueId prod = gb.node(OpKind::Mul, {a, b});
  ValueId quot = gb.node(OpKind::Div, {a, b});
  for (ValueId v : {sum, diff, prod, quot}) gb.output(v);
  Tensor at = Tensor::from<int64_t>({7, -7, 12, -1, 100, int64_t{1} << 40}, {2, 3});
  auto res = run_graph(gb.finish(), {at});
  EXPECT_EQ(res[0].to_int64_vector(), (std::vector<int64_t>{9, -10, 17, 1, 97, (int64_t{1} << 40) + 5}));
  EXPECT_EQ(res[1].to_int64_vector(), (std::vector<int64_t>{5, -4, 7, -3, 103, (int64_t{1} << 40) - 5}));
  EXPECT_EQ(res[2].to_int64_vector(), (std::vector<int64_t>{14, 21, 60, -2, -300, (int64_t{1} << 40) * 5}));
  EXPECT_EQ(res[3].to_int64_vector(), (std::vector<int64_t>{3, 2, 2, 0, -33, (int64_t{1} << 40) / 5}));
  EXPECT_EQ(res[0].dtype(), DType::i64);
}

TEST(Binary, IntegerDivisionByZeroNamesTheNode) {
  GraphBuilder gb;
  ValueId a = gb.input("a", {1, 2}, 0, DType::i32);
  ValueId b = gb.input("b", {1, 2}, 0, DType::i32);
  gb.output(gb.node(OpKind::Div, {a, b}));
  ReferenceExecutor exec(gb.finish(), {});
  try {
    exec.run({Tensor::from<int32_t>({4, 5}, {1, 2}), Tensor::from<int32_t>({2, 0}, {1, 2})});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.context().node, "Div0");
    EXPECT_NE(std::string(e.what()).find("division by zero"), std::string::npos);
  }
}

struct UnaryCase {
  OpKind op;
  ScalarAttrs attrs;
  std::function<double(double)> f;
  float lo, hi;
};

class UnaryTest : public ::testing::TestWithParam<UnaryCase> {};

TEST_P(UnaryTest, MatchesStdFunction) {
  const UnaryCase& c = GetParam();
  GraphBuilder gb;
  Shape s = {3, 5, 7};
  ValueId x = gb.input("x", s);
  gb.output(gb.node(c.op, {x}, c.attrs));
  Tensor xt = random_tensor(s, 7, c.lo, c.hi);
  xt.data<float>()[0] = 0.0f;
  Tensor out = run_graph(gb.finish(), {xt}).at(0);
  std::vector<double> want = to_doubles(xt);
  for (double& v : want) v = c.f(v);
  expect_close(out, want, 1e-5, 1e-6);
}

double sign(double v) { return v > 0 ? 1 : (v < 0 ? -1 : 0); }

INSTANTIATE_TEST_SUITE_P(
    Ops, UnaryTest,
    ::testing::Values(UnaryCase{OpKind::Relu, {}, [](double v) { return std::max(v, 0.0); }, -2, 2},
                      UnaryCase{OpKind::LeakyRelu, {.alpha = 0.2f}, [](double v) { return v < 0 ? 0.2 * v : v; }, -2, 2},
                      UnaryCase{
                          OpKind::Clip, {.min = -0.5f, .max = 0.25f}, [](double v) { return std::clamp(v, -0.5, 0.25); }, -2, 2},
                      UnaryCase{OpKind::Sigmoid, {}, [](double v) { return 1 / (1 + std::exp(-v)); }, -30, 30},
                      UnaryCase{OpKind::Tanh, {}, [](double v) { return std::tanh(v); }, -5, 5},
                      UnaryCase{OpKind::Sign, {}, sign, -2, 2},
                      UnaryCase{OpKind::Erf, {}, [](double v) { return std::erf(v); }, -3, 3},
                      UnaryCase{OpKind::Sqrt, {}, [](double v) { return std::sqrt(v); }, 0, 9},
                      UnaryCase{OpKind::Exp, {}, [](double v) { return std::exp(v); }, -5, 5},
                      UnaryCase{OpKind::Log, {}, [](double v) { return std::log(v); }, 0.01f, 9},
                      UnaryCase{OpKind::Neg, {}, [](double v) { return -v; }, -2, 2},
                      UnaryCase{OpKind::Abs, {}, [](double v) { return std::fabs(v); }, -2, 2},
                      UnaryCase{OpKind::Reciprocal, {}, [](double v) { return 1 / v; }, 0.5f, 4}),
    [](const auto& info) { return std::string(op_name(info.param.op)); });

// Floor and Ceil on both signs; Round to the nearest, halves to even (ONNX Round, torch.round, numpy's round).
TEST(Unary, FloorCeilAndRoundHalvesToEven) {
  GraphBuilder gb;
  ValueId x = gb.input("x", {1, 8}, 0, DType::f32);
  for (OpKind op : {OpKind::Floor, OpKind::Ceil, OpKind::Round}) gb.output(gb.node(op, {x}));
  auto res = run_graph(gb.finish(), {Tensor::from<float>({0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.7f, 2.49f, 3.0f}, {1, 8})});
  const auto values = [](const Tensor& t) { return std::vector<float>(t.span<float>().begin(), t.span<float>().end()); };
  EXPECT_EQ(values(res[0]), (std::vector<float>{0, 1, 2, -1, -2, -3, 2, 3}));
  EXPECT_EQ(values(res[1]), (std::vector<float>{1, 2, 3, 0, -1, -2, 3, 3}));
  EXPECT_EQ(values(res[2]), (std::vector<float>{0, 2, 2, 0, -2, -3, 2, 3}));
}

TEST(Unary, IntegerNegAbsSignRelu) {
  GraphBuilder gb;
  ValueId x = gb.input("x", {1, 4}, 0, DType::i64);
  for (OpKind op : {OpKind::Neg, OpKind::Abs, OpKind::Sign, OpKind::Relu}) gb.output(gb.node(op, {x}));
  auto res = run_graph(gb.finish(), {Tensor::from<int64_t>({-3, 0, 5, -1}, {1, 4})});
  EXPECT_EQ(res[0].to_int64_vector(), (std::vector<int64_t>{3, 0, -5, 1}));
  EXPECT_EQ(res[1].to_int64_vector(), (std::vector<int64_t>{3, 0, 5, 1}));
  EXPECT_EQ(res[2].to_int64_vector(), (std::vector<int64_t>{-1, 0, 1, -1}));
  EXPECT_EQ(res[3].to_int64_vector(), (std::vector<int64_t>{0, 0, 5, 0}));
}

// Element-wise ops between convolutions run on oneDNN's blocked layout; an op with
// f(0) != 0 (Exp, Sigmoid) must not leak into channel padding (6 channels).
TEST(Unary, BetweenConvolutionsInBlockedLayout) {
  for (int64_t ch : {6, 16}) {
    GraphBuilder gb;
    Shape xs = {2, 3, 5, 5};
    ValueId x = gb.input("x", xs);
    Tensor w1 = random_tensor({ch, 3, 1, 1}, 1), w2 = random_tensor({4, ch, 1, 1}, 2);
    ConvAttrs a{.window = {.kernel = {1, 1}, .strides = {1, 1}, .dilations = {1, 1}, .pads = {0, 0, 0, 0}}};
    ValueId c1 = gb.node(OpKind::Conv, {x, gb.constant("w1", w1)}, a);
    ValueId e = gb.node(OpKind::Exp, {c1});
    ValueId s = gb.node(OpKind::Sigmoid, {c1});
    ValueId m = gb.node(OpKind::Sub, {e, s});
    ValueId y = gb.node(OpKind::Conv, {m, gb.constant("w2", w2)}, a);
    gb.output(y);
    Tensor xt = random_tensor(xs, 3);
    Tensor out = run_graph(gb.finish(), {xt}).at(0);
    std::vector<double> want(static_cast<size_t>(2 * 4 * 25));
    for (int64_t n = 0; n < 2; ++n)
      for (int64_t p = 0; p < 25; ++p) {
        std::vector<double> mid(static_cast<size_t>(ch));
        for (int64_t c = 0; c < ch; ++c) {
          double v = 0;
          for (int64_t i = 0; i < 3; ++i)
            v += static_cast<double>(xt.data<float>()[(n * 3 + i) * 25 + p]) * w1.data<float>()[c * 3 + i];
          mid[static_cast<size_t>(c)] = std::exp(v) - 1 / (1 + std::exp(-v));
        }
        for (int64_t o = 0; o < 4; ++o) {
          double v = 0;
          for (int64_t c = 0; c < ch; ++c) v += mid[static_cast<size_t>(c)] * w2.data<float>()[o * ch + c];
          want[static_cast<size_t>((n * 4 + o) * 25 + p)] = v;
        }
      }
    expect_close(out, want);
  }
}

}  // namespace
}  // namespace aimc::test
