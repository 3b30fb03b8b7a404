// Decomposed LayerNorms (opset < 17 exports) fused back into LayerNormalization at import.
#include <gtest/gtest.h>

#include <cmath>

#include "model_builder.h"
#include "onnx/importer.h"

namespace aimc {

using test::ModelBuilder;

namespace {

int count(const Graph& g, OpKind op) {
  int n = 0;
  for (const Node& node : g.nodes()) n += node.op == op ? 1 : 0;
  return n;
}

// x [batch, 4, 6] → mean over `mean_axes`, variance over `var_axes` (torch 1.13's opset-13 LayerNorm),
// then × γ (shape gamma_dims) + β [6] when `affine`.
ModelBuilder decomposed(std::vector<int64_t> mean_axes, std::vector<int64_t> var_axes, bool affine,
                        std::vector<int64_t> gamma_dims = {6}) {
  ModelBuilder m(13);
  m.input("x", {-1, 4, 6}).output("y");
  int64_t gamma_n = 1;
  for (int64_t d : gamma_dims) gamma_n *= d;
  std::vector<float> gamma(static_cast<size_t>(gamma_n)), beta(6);
  for (size_t i = 0; i < gamma.size(); ++i) gamma[i] = 0.5f + 0.1f * static_cast<float>(i);
  for (size_t i = 0; i < beta.size(); ++i) beta[i] = -0.2f * static_cast<float>(i);
  m.init_f("two", {}, {2.0f}).init_f("eps", {}, {1e-5f}).init_f("gamma", gamma_dims, gamma).init_f("beta", {6}, beta);
  ModelBuilder::attr_ints(m.node("ReduceMean", {"x"}, {"mean"}), "axes", mean_axes);
  m.node("Sub", {"x", "mean"}, {"d"});
  m.node("Pow", {"d", "two"}, {"sq"});
  ModelBuilder::attr_ints(m.node("ReduceMean", {"sq"}, {"var"}), "axes", var_axes);
  m.node("Add", {"var", "eps"}, {"ve"});
  m.node("Sqrt", {"ve"}, {"std"});
  m.node("Div", {"d", "std"}, {affine ? "n" : "y"});
  if (affine) {
    m.node("Mul", {"n", "gamma"}, {"s"});
    m.node("Add", {"s", "beta"}, {"y"});
  }
  return m;
}

const Node& only(const Graph& g, OpKind op) {
  for (const Node& n : g.nodes()) {
    if (n.op == op) return n;
  }
  throw std::runtime_error("no such node");
}

}  // namespace

TEST(FuseLayerNorm, DecompositionWithAffineBecomesOneNode) {
  const Graph g = import_onnx_bytes(decomposed({-1}, {-1}, true).bytes(), "ln.onnx");
  ASSERT_EQ(g.num_nodes(), 1u);
  const Node& ln = only(g, OpKind::LayerNormalization);
  EXPECT_EQ(ln.attr<NormAttrs>().axis, 2);
  EXPECT_FLOAT_EQ(ln.attr<NormAttrs>().epsilon, 1e-5f);
  ASSERT_EQ(ln.inputs.size(), 3u);
  EXPECT_FLOAT_EQ(g.value(ln.inputs[1]).constant->data<float>()[5], 1.0f);   // γ
  EXPECT_FLOAT_EQ(g.value(ln.inputs[2]).constant->data<float>()[5], -1.0f);  // β
  EXPECT_EQ(ln.outputs[0], g.outputs[0]);
}

TEST(FuseLayerNorm, WithoutAffineTakesUnitScale) {
  const Graph g = import_onnx_bytes(decomposed({-1}, {-1}, false).bytes(), "ln.onnx");
  ASSERT_EQ(g.num_nodes(), 1u);
  const Node& ln = only(g, OpKind::LayerNormalization);
  ASSERT_EQ(ln.inputs.size(), 2u);
  for (float v : g.value(ln.inputs[1]).constant->span<float>()) EXPECT_EQ(v, 1.0f);
}

TEST(FuseLayerNorm, OverTwoTrailingAxesBroadcastsGamma) {
  const Graph g = import_onnx_bytes(decomposed({1, 2}, {1, 2}, true).bytes(), "ln.onnx");
  ASSERT_EQ(g.num_nodes(), 1u);
  const Node& ln = only(g, OpKind::LayerNormalization);
  EXPECT_EQ(ln.attr<NormAttrs>().axis, 1);
  const Value& gamma = g.value(ln.inputs[1]);
  ASSERT_EQ(gamma.shape, (Shape{4, 6}));
  EXPECT_FLOAT_EQ(gamma.constant->data<float>()[6 + 2], 0.7f);  // row 1, column 2: γ[2]
}

TEST(FuseLayerNorm, GammaVaryingOutsideTheNormalisedAxesStaysAMul) {
  // γ [4, 6] varies over axis 1, which is not normalised: LayerNorm then the Mul and Add.
  const Graph g = import_onnx_bytes(decomposed({-1}, {-1}, true, {4, 6}).bytes(), "ln.onnx");
  EXPECT_EQ(count(g, OpKind::LayerNormalization), 1);
  EXPECT_EQ(count(g, OpKind::Mul), 1);
  EXPECT_EQ(count(g, OpKind::Add), 1);
  EXPECT_EQ(g.num_nodes(), 3u);
}

TEST(FuseLayerNorm, DifferentAxesAreNotALayerNorm) {
  const Graph g = import_onnx_bytes(decomposed({-1}, {1, 2}, true).bytes(), "ln.onnx");
  EXPECT_EQ(count(g, OpKind::LayerNormalization), 0);
  EXPECT_EQ(count(g, OpKind::ReduceMean), 2);
}

}  // namespace aimc
