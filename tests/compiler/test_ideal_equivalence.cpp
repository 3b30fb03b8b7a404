// An ideal-device run of a compiled Program — every tile an exact fp32 x·W of its block, row blocks
// summed, bias added — equals the digital reference on each layer's output. This checks the matrix
// layouts the simulators rely on (conv rows in (c, kh, kw) order, grouped convs block diagonal,
// Gemm trans_b, LSTM-free here) until the functional simulator runs Programs (issue 6).
#include <gtest/gtest.h>

#include "compiler_test_util.h"
#include "program/weights.h"
#include "reference/executor.h"

namespace aimc {
namespace {

// im2col of a conv input [1, C, H, W] → [positions, C·kh·kw] in (c, kh, kw) row order.
Tensor im2col(const Tensor& x, const ConvAttrs& a, int64_t ho, int64_t wo) {
  const int64_t C = x.dim(1), H = x.dim(2), W = x.dim(3);
  const int64_t kh = a.window.kernel[0], kw = a.window.kernel[1];
  Tensor out(DType::f32, {ho * wo, C * kh * kw});
  float* o = out.data<float>();
  const float* in = x.data<float>();
  for (int64_t oy = 0; oy < ho; ++oy) {
    for (int64_t ox = 0; ox < wo; ++ox) {
      for (int64_t c = 0; c < C; ++c) {
        for (int64_t i = 0; i < kh; ++i) {
          for (int64_t j = 0; j < kw; ++j) {
            const int64_t y = oy * a.window.strides[0] - a.window.pads[0] + i * a.window.dilations[0];
            const int64_t xx = ox * a.window.strides[1] - a.window.pads[1] + j * a.window.dilations[1];
            const bool in_range = y >= 0 && y < H && xx >= 0 && xx < W;
            o[(oy * wo + ox) * C * kh * kw + (c * kh + i) * kw + j] = in_range ? in[(c * H + y) * W + xx] : 0.0f;
          }
        }
      }
    }
  }
  return out;
}

// y[v, col] = Σ_tiles x[v, rows] · block (one replica), + bias.
Tensor run_tiles(const program::Program& p, const Graph& g, const program::Layer& l, const Tensor& x) {
  const int32_t node = program::layer_node(g, l);
  const Tensor m = program::layer_matrix(g, l, node);
  const std::vector<float> bias = program::layer_bias(g, l, node);
  const int64_t V = x.dim(0);
  Tensor y(DType::f32, {V, l.cols});
  for (int32_t ti : p.tiles_of(l.id, 0)) {
    const program::Tile& t = p.tiles[static_cast<size_t>(ti)];
    const Tensor w = program::tile_weights(m, t);
    for (int64_t v = 0; v < V; ++v) {
      for (int64_t c = 0; c < t.cols(); ++c) {
        double s = 0;
        for (int64_t r = 0; r < t.rows(); ++r)
          s += x.data<float>()[v * l.rows + t.row_begin + r] * w.data<float>()[r * t.cols() + c];
        y.data<float>()[v * l.cols + t.col_begin + c] += static_cast<float>(s);
      }
    }
  }
  for (int64_t v = 0; v < V; ++v) {
    for (int64_t c = 0; c < static_cast<int64_t>(bias.size()); ++c)
      y.data<float>()[v * l.cols + c] += bias[static_cast<size_t>(c)];
  }
  return y;
}

TEST(IdealEquivalence, ConvGroupedConvAndGemmFromTilesEqualTheReference) {
  test::GraphBuilder b("eq");
  ValueId x = b.input("x", {1, 40, 6, 6});
  ValueId c1 = b.conv("c1", x, 40, 300, 3, 1, true, 1);  // 360 rows x 300 cols: 2 x 2 tiles
  ValueId r1 = b.node("r1", OpKind::Relu, {c1});
  ValueId c2 = b.conv("c2", r1, 300, 300, 3, 30, true, 2, 2);  // grouped: 30 groups of 90 x 10
  ValueId f = b.node("flat", OpKind::Reshape, {c2}, ReshapeAttrs{{1, 300 * 9}});
  ValueId fc = b.gemm("fc", f, 300 * 9, 20, true, 3);  // 2700 rows: 11 row tiles
  Graph g = b.finish({fc});
  program::Program p = test::compile(g, test::preset("hermes"));
  ASSERT_EQ(p.layers.size(), 3u);
  Graph probe = g;
  probe.outputs = {c1, r1, c2, f, fc};
  ReferenceExecutor exec(probe, {});
  Tensor in = test::weights({1, 40, 6, 6}, 42);
  std::vector<Tensor> ref = exec.run({in});
  auto check = [&](const program::Layer& l, const Tensor& input, const Tensor& want_nchw, int64_t ho, int64_t wo,
                   const ConvAttrs* a) {
    Tensor rows = a ? im2col(input, *a, ho, wo) : input;
    Tensor y = run_tiles(p, g, l, rows);
    for (int64_t v = 0; v < rows.dim(0); ++v) {
      for (int64_t c = 0; c < l.cols; ++c) {
        const float want = a ? want_nchw.data<float>()[c * ho * wo + v] : want_nchw.data<float>()[v * l.cols + c];
        ASSERT_NEAR(y.data<float>()[v * l.cols + c], want, 1e-3f * (1.0f + std::fabs(want))) << l.name << " " << v << " " << c;
      }
    }
  };
  check(p.layers[0], in, ref[0], 6, 6, &g.node(0).attr<ConvAttrs>());
  check(p.layers[1], ref[1], ref[2], 3, 3, &g.node(2).attr<ConvAttrs>());
  check(p.layers[2], ref[3], ref[4], 1, 1, nullptr);
}

}  // namespace
}  // namespace aimc
