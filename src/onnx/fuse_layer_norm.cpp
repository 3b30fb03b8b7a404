#include "onnx/fuse_layer_norm.h"

#include <optional>
#include <vector>

#include "onnx/index_maps.h"

namespace aimc {

namespace {

class Fuser {
 public:
  explicit Fuser(Graph& g) : m_g(g), m_uses(g.num_values(), 0) {
    for (const Node& n : g.nodes()) {
      for (ValueId v : n.inputs) {
        if (v != kNoValue) ++m_uses[static_cast<size_t>(v)];
      }
    }
    for (ValueId v : g.outputs) ++m_uses[static_cast<size_t>(v)];
  }

  // Fuses the LayerNorm whose normalisation (the Div) is node `div`; false when it does not match.
  bool fuse(int32_t div) {
    const Node& d = m_g.node(div);
    if (d.op != OpKind::Div || d.inputs.size() != 2) return false;
    const Node* sub = producer(d.inputs[0], OpKind::Sub);
    const Node* sqrt = producer(d.inputs[1], OpKind::Sqrt);
    if (!sub || !sqrt) return false;
    const ValueId x = sub->inputs[0], centred = d.inputs[0];
    const Value& xv = m_g.value(x);
    const std::optional<int64_t> axis = trailing_mean_axis(sub->inputs[1], x);
    if (!axis || xv.dtype != DType::f32 || *axis <= xv.batch_axis) return false;
    // Sqrt(Add(ReduceMean(Pow(centred, 2)), ε)), ε on either side.
    const Node* add = producer(sqrt->inputs[0], OpKind::Add);
    if (!add) return false;
    std::optional<float> eps = scalar(add->inputs[1]);
    ValueId var = add->inputs[0];
    if (!eps) {
      eps = scalar(add->inputs[0]);
      var = add->inputs[1];
    }
    if (!eps || *eps < 0.0f || trailing_mean_axis(var, squared(var, centred)) != axis) return false;

    const Shape norm(xv.shape.begin() + *axis, xv.shape.end());
    // γ and β: the Mul and Add that alone read the normalised value, when their other operand is a
    // constant over the normalised axes.
    int32_t last = div;
    std::optional<Tensor> gamma, beta;
    if (const auto mul = only_reader(d.outputs[0], OpKind::Mul)) {
      if ((gamma = affine_operand(*mul, d.outputs[0], norm))) {
        last = *mul;
        if (const auto shift = only_reader(m_g.node(*mul).outputs[0], OpKind::Add)) {
          if ((beta = affine_operand(*shift, m_g.node(*mul).outputs[0], norm))) last = *shift;
        }
      }
    }
    if (!gamma) {
      gamma = Tensor(DType::f32, norm);
      for (float& v : gamma->span<float>()) v = 1.0f;
    }
    Node& out = m_g.node(last);
    const std::string base = out.name;
    std::vector<ValueId> inputs = {x, m_g.add_constant(base + "/fused_scale", std::move(*gamma))};
    if (beta) inputs.push_back(m_g.add_constant(base + "/fused_bias", std::move(*beta)));
    m_uses.resize(m_g.num_values(), 0);
    for (ValueId v : out.inputs) --m_uses[static_cast<size_t>(v)];
    for (ValueId v : inputs) ++m_uses[static_cast<size_t>(v)];
    out.op = OpKind::LayerNormalization;
    out.inputs = std::move(inputs);
    out.attrs = NormAttrs{.axis = *axis, .epsilon = *eps};
    out.outputs.resize(1);
    return true;
  }

 private:
  // The node producing `v` when it is of kind `op`.
  const Node* producer(ValueId v, OpKind op) const {
    if (v == kNoValue) return nullptr;
    const int32_t p = m_g.value(v).producer;
    if (p < 0 || m_g.node(p).op != op) return nullptr;
    return &m_g.node(p);
  }

  // `v` = ReduceMean(of, keepdims) over axes [a, rank): returns a.
  std::optional<int64_t> trailing_mean_axis(ValueId v, ValueId of) const {
    const Node* mean = producer(v, OpKind::ReduceMean);
    if (!mean || of == kNoValue || mean->inputs[0] != of) return std::nullopt;
    const auto& r = mean->attr<ReduceAttrs>();
    const auto rank = static_cast<int64_t>(m_g.value(of).shape.size());
    if (!r.keepdims || r.axes.empty() || r.axes.back() != rank - 1) return std::nullopt;
    for (size_t i = 1; i < r.axes.size(); ++i) {
      if (r.axes[i] != r.axes[i - 1] + 1) return std::nullopt;
    }
    return r.axes.front();
  }

  // The ReduceMean input under `var` when it is centred² (Pow(centred, 2) or Mul(centred, centred)).
  ValueId squared(ValueId var, ValueId centred) const {
    const Node* mean = producer(var, OpKind::ReduceMean);
    if (!mean) return kNoValue;
    const ValueId sq = mean->inputs[0];
    if (const Node* pow = producer(sq, OpKind::Pow)) {
      return pow->inputs[0] == centred && scalar(pow->inputs[1]) == 2.0f ? sq : kNoValue;
    }
    if (const Node* mul = producer(sq, OpKind::Mul)) {
      return mul->inputs[0] == centred && mul->inputs[1] == centred ? sq : kNoValue;
    }
    return kNoValue;
  }

  // A one-element f32 constant's value.
  std::optional<float> scalar(ValueId v) const {
    if (v == kNoValue) return std::nullopt;
    const Value& c = m_g.value(v);
    if (!c.is_constant() || c.dtype != DType::f32 || c.constant->numel() != 1) return std::nullopt;
    return c.constant->data<float>()[0];
  }

  // The node that is the only reader of `v`, when it is of kind `op` and `v` is not a graph output.
  std::optional<int32_t> only_reader(ValueId v, OpKind op) const {
    if (m_uses[static_cast<size_t>(v)] != 1) return std::nullopt;
    for (size_t i = 0; i < m_g.num_nodes(); ++i) {
      const Node& n = m_g.nodes()[i];
      for (ValueId in : n.inputs) {
        if (in == v) return n.op == op ? std::optional<int32_t>(static_cast<int32_t>(i)) : std::nullopt;
      }
    }
    return std::nullopt;
  }

  // The constant operand of binary node `n` (whose other operand is `v`), expanded to the normalised
  // shape `norm`, when it varies over the normalised axes only.
  std::optional<Tensor> affine_operand(int32_t n, ValueId v, const Shape& norm) const {
    const Node& node = m_g.node(n);
    const ValueId c = node.inputs[0] == v ? node.inputs[1] : node.inputs[0];
    const Value& cv = m_g.value(c);
    if (!cv.is_constant() || cv.dtype != DType::f32 || m_g.value(node.outputs[0]).shape != m_g.value(v).shape) {
      return std::nullopt;
    }
    // Its last k dims (the leading ones must be 1), broadcast over the normalised axes.
    const size_t k = norm.size();
    Shape cs = cv.shape;
    for (; cs.size() > k; cs.erase(cs.begin())) {
      if (cs.front() != 1) return std::nullopt;  // varies over an axis before the normalised ones
    }
    for (size_t j = 0; j < cs.size(); ++j) {
      const int64_t dim = cs[cs.size() - 1 - j];
      if (dim != 1 && dim != norm[k - 1 - j]) return std::nullopt;
    }
    return onnx_import::remap(cv.constant->reshaped(cs), norm, onnx_import::Broadcaster(norm, cs));
  }

  Graph& m_g;
  std::vector<int32_t> m_uses;  // readers of each value (node inputs and graph outputs)
};

}  // namespace

int fuse_layer_norms(Graph& g) {
  Fuser f(g);
  int fused = 0;
  for (size_t i = 0; i < g.num_nodes(); ++i) fused += f.fuse(static_cast<int32_t>(i)) ? 1 : 0;
  return fused;
}

}  // namespace aimc
