// program::layer_matrix against Layer's layouts written element by element (program.h): the blocked
// transposes it uses must agree at every element, block edges and zero blocks included.
#include <gtest/gtest.h>

#include "compiler_test_util.h"
#include "program/weights.h"

namespace aimc {
namespace {

using program::Program;

// The one layer of `p` and its matrix.
Tensor only_matrix(const Graph& g, const Program& p) {
  EXPECT_EQ(p.layers.size(), 1u);
  const program::Layer& l = p.layers.at(0);
  return program::layer_matrix(g, l, program::layer_node(g, l));
}

float at(const Tensor& m, int64_t r, int64_t c) { return m.data<float>()[r * m.dim(1) + c]; }

const char* kLower = "quantize{calibration=none},lower-to-crossbar{grouped=crossbar}";

TEST(LayerMatrix, ConvIsTheTransposedKernelPerGroup) {
  for (int64_t group : {1, 4}) {
    test::GraphBuilder b("conv");
    const int64_t cin = 40, cout = 36, k = 3;  // 360 / group rows: not multiples of the 32-element blocks
    ValueId x = b.input("x", {1, cin, 6, 6});
    Graph g = b.finish({b.conv("conv", x, cin, cout, k, group)});
    const Program p = test::compile(g, test::preset("cluster-512"), kLower);
    const Tensor m = only_matrix(g, p);
    const Tensor& w = *g.value(g.node(0).input(1)).constant;
    const int64_t cg = cin / group, K = k * k, mg = cout / group;
    ASSERT_EQ(m.dim(0), cin * K);
    ASSERT_EQ(m.dim(1), cout);
    for (int64_t row = 0; row < m.dim(0); ++row) {
      for (int64_t mo = 0; mo < cout; ++mo) {
        const int64_t grp = row / (cg * K), local = row % (cg * K);
        const float want = grp == mo / mg ? w.data<float>()[mo * cg * K + local] : 0.0f;
        ASSERT_EQ(at(m, row, mo), want) << "group " << group << " row " << row << " col " << mo;
      }
    }
  }
}

TEST(LayerMatrix, GemmIsAlphaTimesBTransposedWhenTransB) {
  for (bool trans_b : {true, false}) {
    test::GraphBuilder b("gemm");
    const int64_t K = 70, N = 45;
    ValueId x = b.input("x", {1, K});
    ValueId w = b.constant("W", trans_b ? test::weights({N, K}, 2) : test::weights({K, N}, 2));
    Graph g = b.finish({b.node("fc", OpKind::Gemm, {x, w}, GemmAttrs{0.5f, 1.0f, false, trans_b})});
    const Tensor m = only_matrix(g, test::compile(g, test::preset("cluster-512"), kLower));
    const float* B = g.value(w).constant->data<float>();
    for (int64_t r = 0; r < K; ++r) {
      for (int64_t c = 0; c < N; ++c) ASSERT_EQ(at(m, r, c), 0.5f * (trans_b ? B[c * K + r] : B[r * N + c]));
    }
  }
}

TEST(LayerMatrix, RecurrentLayersStackXAndHRows) {
  const int64_t I = 37, H = 45;
  for (OpKind op : {OpKind::LSTM, OpKind::GRU}) {
    const int64_t gates = op == OpKind::LSTM ? 4 : 3;
    test::GraphBuilder b("rnn");
    ValueId x = b.input("x", {5, 1, I}, 1);
    ValueId w = b.constant("W", test::weights({1, gates * H, I}, 3));
    ValueId r = b.constant("R", test::weights({1, gates * H, H}, 4));
    ValueId bias = b.constant("B", test::weights({1, 2 * gates * H}, 5));
    Graph g = b.finish({b.node("rnn", op, {x, w, r, bias}, RecurrentAttrs{H}, op == OpKind::LSTM ? 3 : 2)});
    const Tensor m = only_matrix(g, test::compile(g, test::preset("hermes"), kLower));
    const float* W = g.value(w).constant->data<float>();
    const float* R = g.value(r).constant->data<float>();
    ASSERT_EQ(m.dim(0), I + H);
    ASSERT_EQ(m.dim(1), 4 * H);
    for (int64_t c = 0; c < 4 * H; ++c) {
      // LSTM: every column reads x and h. GRU: z, r read both; h·x reads x only; h·h reads h only (R's h rows).
      const bool x_part = op == OpKind::LSTM || c < 3 * H, h_part = op == OpKind::LSTM || c < 2 * H || c >= 3 * H;
      const int64_t hc = op == OpKind::GRU && c >= 3 * H ? c - H : c;
      for (int64_t row = 0; row < I; ++row) ASSERT_EQ(at(m, row, c), x_part ? W[c * I + row] : 0.0f) << c;
      for (int64_t row = 0; row < H; ++row) ASSERT_EQ(at(m, I + row, c), h_part ? R[hc * H + row] : 0.0f) << c;
    }
  }
}

}  // namespace
}  // namespace aimc
