// Gemm, MatMul and LSTM against plain loops in double precision.
#include "reference_test_util.h"

namespace aimc::test {
namespace {

struct GemmCase {
  const char* name;
  bool trans_a, trans_b;
  float alpha, beta;
  Shape c;  // shape of C ({} = no C)
  bool b_constant;
  bool c_constant;
  bool relu;  // followed by a (fused) Relu
};

class GemmTest : public ::testing::TestWithParam<GemmCase> {};

TEST_P(GemmTest, MatchesLoop) {
  const GemmCase& p = GetParam();
  const int64_t m = 5, k = 7, n = 6;
  Shape as = p.trans_a ? Shape{k, m} : Shape{m, k};
  Shape bs = p.trans_b ? Shape{n, k} : Shape{k, n};
  GraphBuilder gb;
  ValueId a = gb.input("a", as, p.trans_a ? 1 : 0);
  Tensor at = random_tensor(as, 1), bt = random_tensor(bs, 2), ct = random_tensor(p.c, 3);
  std::vector<Tensor> inputs = {at};
  ValueId b = p.b_constant ? gb.constant("b", bt) : gb.input("b", bs, -1);
  if (!p.b_constant) inputs.push_back(bt);
  std::vector<ValueId> ins = {a, b};
  if (!p.c.empty()) {
    ins.push_back(p.c_constant ? gb.constant("c", ct) : gb.input("c", p.c, -1));
    if (!p.c_constant) inputs.push_back(ct);
  }
  ValueId y = gb.node(OpKind::Gemm, ins, GemmAttrs{.alpha = p.alpha, .beta = p.beta, .trans_a = p.trans_a, .trans_b = p.trans_b});
  if (p.relu) y = gb.node(OpKind::Relu, {y});
  gb.output(y);
  Tensor out = run_graph(gb.finish(), inputs).at(0);
  std::vector<double> want(static_cast<size_t>(m * n));
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t q = 0; q < k; ++q) {
        double av = at.data<float>()[p.trans_a ? q * m + i : i * k + q];
        double bv = bt.data<float>()[p.trans_b ? j * k + q : q * n + j];
        s += av * bv;
      }
      s *= p.alpha;
      if (!p.c.empty()) {
        int64_t ci = p.c.size() == 2 ? (p.c[0] == 1 ? 0 : i) * p.c[1] + (p.c[1] == 1 ? 0 : j) : (p.c[0] == 1 ? 0 : j);
        s += p.beta * ct.data<float>()[ci];
      }
      want[static_cast<size_t>(i * n + j)] = p.relu ? std::max(0.0, s) : s;
    }
  }
  expect_close(out, want);
}

INSTANTIATE_TEST_SUITE_P(Flags, GemmTest,
                         ::testing::Values(GemmCase{"plain_bias", false, true, 1.0f, 1.0f, {6}, true, true, false},
                                           GemmCase{"bias_relu", false, true, 1.0f, 1.0f, {1, 6}, true, true, true},
                                           GemmCase{"trans_a_alpha_beta", true, false, 0.5f, 2.0f, {6}, true, true, false},
                                           GemmCase{"both_trans_full_c", true, true, 1.5f, -1.0f, {5, 6}, true, true, false},
                                           GemmCase{"column_c", false, false, 1.0f, 0.5f, {5, 1}, true, true, true},
                                           GemmCase{"scalar_c", false, false, 1.0f, 1.0f, {1}, true, true, false},
                                           GemmCase{"runtime_b_alpha", false, true, 2.0f, 1.0f, {6}, false, true, true},
                                           GemmCase{"runtime_c", false, false, 1.0f, 3.0f, {6}, true, false, false},
                                           GemmCase{"no_c", true, false, 1.0f, 1.0f, {}, false, true, false}),
                         [](const auto& info) { return std::string(info.param.name); });

// numpy matmul of a [..., M, K] and b [..., K, N] with broadcast batch dims.
std::vector<double> naive_matmul(const Tensor& a, const Tensor& b, const Shape& os) {
  Shape as = a.shape(), bs = b.shape();
  if (as.size() == 1) as.insert(as.begin(), 1);
  if (bs.size() == 1) bs.push_back(1);
  const size_t r = std::max(as.size(), bs.size());
  as.insert(as.begin(), r - as.size(), 1);
  bs.insert(bs.begin(), r - bs.size(), 1);
  const int64_t m = as[r - 2], k = as[r - 1], n = bs[r - 1];
  Shape batch(as.begin(), as.end() - 2);
  for (size_t i = 0; i + 2 < r; ++i) batch[i] = std::max(as[i], bs[i]);
  const int64_t nb = numel(batch);
  std::vector<double> out(static_cast<size_t>(nb * m * n));
  EXPECT_EQ(numel(os), nb * m * n);
  for (int64_t bi = 0; bi < nb; ++bi) {
    std::vector<int64_t> idx = unravel(bi, batch);
    int64_t oa = 0, ob = 0, sa = m * k, sb = k * n;
    for (size_t d = batch.size(); d-- > 0;) {
      oa += (as[d] == 1 ? 0 : idx[d]) * sa;
      ob += (bs[d] == 1 ? 0 : idx[d]) * sb;
      sa *= as[d];
      sb *= bs[d];
    }
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double s = 0;
        for (int64_t q = 0; q < k; ++q) {
          s += static_cast<double>(a.data<float>()[oa + i * k + q]) * b.data<float>()[ob + q * n + j];
        }
        out[static_cast<size_t>((bi * m + i) * n + j)] = s;
      }
  }
  return out;
}

struct MatMulCase {
  const char* name;
  Shape a, b;
  int a_batch_axis;
  bool b_constant;
};

class MatMulTest : public ::testing::TestWithParam<MatMulCase> {};

TEST_P(MatMulTest, MatchesLoop) {
  const MatMulCase& p = GetParam();
  GraphBuilder gb;
  ValueId a = gb.input("a", p.a, p.a_batch_axis);
  Tensor at = random_tensor(p.a, 1), bt = random_tensor(p.b, 2);
  std::vector<Tensor> inputs = {at};
  ValueId b = p.b_constant ? gb.constant("b", bt) : gb.input("b", p.b, -1);
  if (!p.b_constant) inputs.push_back(bt);
  ValueId y = gb.node(OpKind::MatMul, {a, b});
  gb.output(y);
  const Graph& g = gb.finish();
  Tensor out = run_graph(g, inputs).at(0);
  EXPECT_EQ(out.shape(), g.value(y).shape);
  expect_close(out, naive_matmul(at, bt, g.value(y).shape));
}

INSTANTIATE_TEST_SUITE_P(Shapes, MatMulTest,
                         ::testing::Values(MatMulCase{"rows_by_weight", {3, 5, 8}, {8, 4}, 0, true},
                                           MatMulCase{"activation_weight", {4, 8}, {8, 6}, 0, false},
                                           MatMulCase{"batched", {2, 3, 5, 4}, {2, 3, 4, 6}, -1, false},
                                           MatMulCase{"broadcast_b", {2, 3, 5, 4}, {1, 3, 4, 6}, 0, false},
                                           MatMulCase{"broadcast_a", {2, 1, 5, 4}, {3, 4, 6}, 0, false},
                                           MatMulCase{"const_batched_b", {2, 3, 5, 4}, {3, 4, 6}, 0, true},
                                           MatMulCase{"vector_left", {7}, {2, 7, 3}, -1, false},
                                           MatMulCase{"vector_right", {2, 3, 7}, {7}, 0, true}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(MatMul, FusedReluAndClip) {
  GraphBuilder gb;
  ValueId a = gb.input("a", {2, 3, 8});
  Tensor bt = random_tensor({8, 5}, 2);
  ValueId y = gb.node(OpKind::MatMul, {a, gb.constant("b", bt)});
  y = gb.node(OpKind::Clip, {gb.node(OpKind::Relu, {y})}, ScalarAttrs{.min = 0.0f, .max = 0.4f});
  gb.output(y);
  const Graph& g = gb.finish();
  Tensor at = random_tensor({2, 3, 8}, 1);
  std::vector<double> want = naive_matmul(at, bt, g.value(y).shape);
  for (double& v : want) v = std::clamp(v, 0.0, 0.4);
  expect_close(run_graph(g, {at}).at(0), want);
}

// ---- LSTM ----

struct LstmRef {
  std::vector<double> y, h, c;
};

// Direct ONNX LSTM recurrence (gate order i, o, f, c) in double precision.
LstmRef naive_lstm(const Tensor& x, const Tensor& w, const Tensor& r, const Tensor* b, const Tensor* h0, const Tensor* c0,
                   int64_t hs) {
  const int64_t t_len = x.dim(0), n = x.dim(1), in = x.dim(2);
  std::vector<double> h(static_cast<size_t>(n * hs), 0.0), c(h);
  for (int64_t i = 0; i < n * hs; ++i) {
    int64_t src = h0 && h0->dim(1) == 1 ? i % hs : i;
    if (h0) h[static_cast<size_t>(i)] = h0->data<float>()[src];
    if (c0) c[static_cast<size_t>(i)] = c0->data<float>()[c0->dim(1) == 1 ? i % hs : i];
  }
  LstmRef out;
  auto sig = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
  for (int64_t t = 0; t < t_len; ++t) {
    std::vector<double> nh(h.size()), nc(c.size());
    for (int64_t bi = 0; bi < n; ++bi) {
      for (int64_t j = 0; j < hs; ++j) {
        double g[4];
        for (int64_t q = 0; q < 4; ++q) {
          const int64_t row = q * hs + j;
          double s = b ? static_cast<double>(b->data<float>()[row]) + b->data<float>()[4 * hs + row] : 0.0;
          for (int64_t e = 0; e < in; ++e)
            s += static_cast<double>(x.data<float>()[(t * n + bi) * in + e]) * w.data<float>()[row * in + e];
          for (int64_t e = 0; e < hs; ++e) s += h[static_cast<size_t>(bi * hs + e)] * r.data<float>()[row * hs + e];
          g[q] = s;
        }
        const auto k = static_cast<size_t>(bi * hs + j);
        nc[k] = sig(g[2]) * c[k] + sig(g[0]) * std::tanh(g[3]);
        nh[k] = sig(g[1]) * std::tanh(nc[k]);
      }
    }
    h = nh;
    c = nc;
    out.y.insert(out.y.end(), h.begin(), h.end());
  }
  out.h = h;
  out.c = c;
  return out;
}

TEST(Lstm, MatchesCellLoopWithBiasAndInitialState) {
  const int64_t t_len = 5, n = 3, in = 4, hs = 6;
  GraphBuilder gb;
  ValueId x = gb.input("x", {t_len, n, in}, 1);
  Tensor w = random_tensor({1, 4 * hs, in}, 2), r = random_tensor({1, 4 * hs, hs}, 3), b = random_tensor({1, 8 * hs}, 4),
         h0 = random_tensor({1, n, hs}, 5), c0 = random_tensor({1, n, hs}, 6);
  ValueId h0v = gb.input("h0", {1, n, hs}, 1);
  auto outs = gb.nodes(OpKind::LSTM,
                       {x, gb.constant("w", w), gb.constant("r", r), gb.constant("b", b), kNoValue, h0v, gb.constant("c0", c0)},
                       RecurrentAttrs{.hidden_size = hs}, 3);
  for (ValueId o : outs) gb.output(o);
  const Graph& g = gb.finish();
  Tensor xt = random_tensor({t_len, n, in}, 1);
  auto res = run_graph(g, {xt, h0});
  LstmRef want = naive_lstm(xt, w, r, &b, &h0, &c0, hs);
  EXPECT_EQ(res[0].shape(), (Shape{t_len, 1, n, hs}));
  expect_close(res[0], want.y);
  expect_close(res[1], want.h);
  expect_close(res[2], want.c);
}

TEST(Lstm, ConstantBatchOneStateBroadcastsAndOutputsMayBeAbsent) {
  const int64_t t_len = 4, n = 5, in = 3, hs = 8;
  GraphBuilder gb;
  ValueId x = gb.input("x", {t_len, n, in}, 1);
  Tensor w = random_tensor({1, 4 * hs, in}, 12), r = random_tensor({1, 4 * hs, hs}, 13), h0 = random_tensor({1, 1, hs}, 15);
  ValueId wv = gb.input("w", {1, 4 * hs, in}, -1);  // weights given at run time
  auto outs = gb.nodes(OpKind::LSTM, {x, wv, gb.constant("r", r), kNoValue, kNoValue, gb.constant("h0", h0)},
                       RecurrentAttrs{.hidden_size = hs}, 3);
  Node& node = gb.g.nodes().back();
  node.outputs = {kNoValue, outs[1], kNoValue};
  gb.output(outs[1]);
  const Graph& g = gb.finish();
  Tensor xt = random_tensor({t_len, n, in}, 11);
  auto res = run_graph(g, {xt, w});
  expect_close(res[0], naive_lstm(xt, w, r, nullptr, &h0, nullptr, hs).h);
}

// ---- GRU ----

// Direct ONNX GRU recurrence (gate order z, r, h; linear_before_reset = 1) in double precision.
LstmRef naive_gru(const Tensor& x, const Tensor& w, const Tensor& r, const Tensor* b, const Tensor* h0, int64_t hs) {
  const int64_t t_len = x.dim(0), n = x.dim(1), in = x.dim(2);
  std::vector<double> h(static_cast<size_t>(n * hs), 0.0);
  for (int64_t i = 0; i < n * hs; ++i) {
    if (h0) h[static_cast<size_t>(i)] = h0->data<float>()[h0->dim(1) == 1 ? i % hs : i];
  }
  LstmRef out;
  auto sig = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
  auto bias = [&](int64_t k) { return b ? static_cast<double>(b->data<float>()[k]) : 0.0; };
  for (int64_t t = 0; t < t_len; ++t) {
    std::vector<double> nh(h.size());
    for (int64_t bi = 0; bi < n; ++bi) {
      for (int64_t j = 0; j < hs; ++j) {
        double gx[3], gh[3];
        for (int64_t q = 0; q < 3; ++q) {
          const int64_t row = q * hs + j;
          gx[q] = bias(row);
          gh[q] = bias(3 * hs + row);
          for (int64_t e = 0; e < in; ++e)
            gx[q] += static_cast<double>(x.data<float>()[(t * n + bi) * in + e]) * w.data<float>()[row * in + e];
          for (int64_t e = 0; e < hs; ++e) gh[q] += h[static_cast<size_t>(bi * hs + e)] * r.data<float>()[row * hs + e];
        }
        const double z = sig(gx[0] + gh[0]), rr = sig(gx[1] + gh[1]), c = std::tanh(gx[2] + rr * gh[2]);
        const auto k = static_cast<size_t>(bi * hs + j);
        nh[k] = (1.0 - z) * c + z * h[k];
      }
    }
    h = nh;
    out.y.insert(out.y.end(), h.begin(), h.end());
  }
  out.h = h;
  return out;
}

TEST(Gru, MatchesCellLoopWithBiasAndInitialState) {
  const int64_t t_len = 5, n = 3, in = 4, hs = 6;
  GraphBuilder gb;
  ValueId x = gb.input("x", {t_len, n, in}, 1);
  Tensor w = random_tensor({1, 3 * hs, in}, 22), r = random_tensor({1, 3 * hs, hs}, 23), b = random_tensor({1, 6 * hs}, 24),
         h0 = random_tensor({1, n, hs}, 25);
  ValueId h0v = gb.input("h0", {1, n, hs}, 1);
  auto outs = gb.nodes(OpKind::GRU, {x, gb.constant("w", w), gb.constant("r", r), gb.constant("b", b), kNoValue, h0v},
                       RecurrentAttrs{.hidden_size = hs}, 2);
  for (ValueId o : outs) gb.output(o);
  const Graph& g = gb.finish();
  Tensor xt = random_tensor({t_len, n, in}, 21);
  auto res = run_graph(g, {xt, h0});
  LstmRef want = naive_gru(xt, w, r, &b, &h0, hs);
  EXPECT_EQ(res[0].shape(), (Shape{t_len, 1, n, hs}));
  expect_close(res[0], want.y);
  expect_close(res[1], want.h);
}

TEST(Gru, RuntimeWeightsNoBiasAndABroadcastState) {
  const int64_t t_len = 4, n = 5, in = 3, hs = 8;
  GraphBuilder gb;
  ValueId x = gb.input("x", {t_len, n, in}, 1);
  Tensor w = random_tensor({1, 3 * hs, in}, 32), r = random_tensor({1, 3 * hs, hs}, 33), h0 = random_tensor({1, 1, hs}, 35);
  ValueId wv = gb.input("w", {1, 3 * hs, in}, -1);
  auto outs = gb.nodes(OpKind::GRU, {x, wv, gb.constant("r", r), kNoValue, kNoValue, gb.constant("h0", h0)},
                       RecurrentAttrs{.hidden_size = hs}, 2);
  Node& node = gb.g.nodes().back();
  node.outputs = {kNoValue, outs[1]};
  gb.output(outs[1]);
  const Graph& g = gb.finish();
  Tensor xt = random_tensor({t_len, n, in}, 31);
  auto res = run_graph(g, {xt, w});
  expect_close(res[0], naive_gru(xt, w, r, nullptr, &h0, hs).h);
}

}  // namespace
}  // namespace aimc::test
