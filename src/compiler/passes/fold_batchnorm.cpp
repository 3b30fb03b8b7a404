// fold-batchnorm: a BatchNormalization whose input comes only from a Conv or Gemm with constant
// weights is folded into that layer's weights and bias (W' = W·γ/σ per output channel,
// b' = (b − μ)·γ/σ + β with σ = sqrt(var + ε)). Any other BatchNormalization stays and becomes a
// digital affine op (assign-digital).
#include <cmath>

#include "compiler/pass.h"
#include "compiler/passes/common.h"
#include "program/weights.h"

namespace aimc::compiler {

namespace {

class FoldBatchnorm final : public Pass {
 public:
  std::string_view name() const override { return "fold-batchnorm"; }
  std::string_view summary() const override {
    return "fold BatchNormalization after Conv/Gemm into its weights and bias; others become digital affine ops";
  }

  void run(CompileContext& ctx) override {
    Graph& g = ctx.graph;
    int64_t folded = 0, standalone = 0;
    for (size_t i = 0; i < g.num_nodes(); ++i) {
      if (g.node(static_cast<int32_t>(i)).op != OpKind::BatchNormalization) continue;
      if (fold(g, static_cast<int32_t>(i))) {
        ++folded;
      } else {
        ++standalone;
      }
    }
    if (folded > 0) g.remove_dead_nodes();
    statistics()["folded"] = folded;
    statistics()["standalone"] = standalone;
  }

 private:
  static bool fold(Graph& g, int32_t bi) {
    const Node bn = g.node(bi);
    const ValueId x = bn.input(0);
    const Value& xv = g.value(x);
    if (xv.producer < 0 || is_graph_output(g, x)) return false;
    if (value_readers(g)[static_cast<size_t>(x)].size() != 1) return false;
    const int32_t pi = xv.producer;
    const Node& p = g.node(pi);
    if (p.op != OpKind::Conv && !(p.op == OpKind::Gemm && !p.attr<GemmAttrs>().trans_a)) return false;
    if (!g.value(p.input(1)).is_constant()) return false;  // quantised (FakeQuant) weights stay as trained
    auto scale = constant_value(g, bn.input(1)), beta = constant_value(g, bn.input(2));
    auto mean = constant_value(g, bn.input(3)), var = constant_value(g, bn.input(4));
    if (!scale || !beta || !mean || !var) return false;
    const int64_t M = scale->numel();
    const float eps = bn.attr<NormAttrs>().epsilon;
    std::vector<float> a(static_cast<size_t>(M)), shift(static_cast<size_t>(M));
    for (int64_t m = 0; m < M; ++m) {
      a[m] = scale->data<float>()[m] / std::sqrt(var->data<float>()[m] + eps);
      shift[m] = beta->data<float>()[m] - mean->data<float>()[m] * a[m];
    }
    Tensor w = g.value(p.input(1)).constant->cast(DType::f32);  // a copy: cast always copies
    float* W = w.data<float>();
    std::vector<float> bias(static_cast<size_t>(M), 0.0f);
    auto old_bias = constant_value(g, p.input(2));
    if (p.input(2) != kNoValue && !old_bias) return false;
    if (p.op == OpKind::Conv) {
      if (w.dim(0) != M) return false;
      const int64_t per = w.numel() / M;
      for (int64_t m = 0; m < M; ++m) {
        for (int64_t k = 0; k < per; ++k) W[m * per + k] *= a[m];
      }
      if (old_bias) std::copy(old_bias->data<float>(), old_bias->data<float>() + M, bias.begin());
    } else {
      const GemmAttrs ga = g.node(pi).attr<GemmAttrs>();
      if (w.rank() != 2 || (ga.trans_b ? w.dim(0) : w.dim(1)) != M) return false;
      const int64_t K = ga.trans_b ? w.dim(1) : w.dim(0);
      for (int64_t m = 0; m < M; ++m) {
        for (int64_t k = 0; k < K; ++k) (ga.trans_b ? W[m * K + k] : W[k * M + m]) *= a[m];
      }
      if (old_bias) {
        if (old_bias->numel() != M && old_bias->numel() != 1) return false;
        for (int64_t m = 0; m < M; ++m) bias[m] = ga.beta * old_bias->data<float>()[old_bias->numel() == 1 ? 0 : m];
      }
      g.node(pi).attr<GemmAttrs>().beta = 1.0f;
    }
    for (int64_t m = 0; m < M; ++m) bias[m] = bias[m] * a[m] + shift[m];
    Node& pn = g.node(pi);
    const std::string base = pn.name;
    pn.inputs.resize(3, kNoValue);
    pn.inputs[1] = g.add_constant(base + ".weight_bnfold", w);
    pn.inputs[2] = g.add_constant(base + ".bias_bnfold", Tensor::from(bias, {M}));
    // The layer now produces the BatchNormalization's output; the BN is left dead and removed.
    const ValueId y = bn.outputs[0];
    g.value(y).producer = pi;
    g.value(x).producer = bi;
    g.node(pi).outputs[0] = y;
    g.node(bi).outputs[0] = x;
    return true;
  }
};

}  // namespace

std::unique_ptr<Pass> make_fold_batchnorm_pass() { return std::make_unique<FoldBatchnorm>(); }

}  // namespace aimc::compiler
