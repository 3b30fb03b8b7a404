// Gemm and MatMul through oneDNN's matmul primitive.
//
// Constant right operands are reordered once per layout oneDNN picks (format_tag::any); Gemm's
// alpha is folded into a constant B and a row-broadcast constant C becomes the primitive's bias.
// Whatever cannot be folded (alpha with a run-time B, a general C) is applied after the product.
// Primitives are cached per runtime operand shapes (i.e. per batch size).
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>

#include "reference/dnnl_util.h"
#include "reference/elementwise.h"

namespace aimc::ref {

namespace {

using dnnl::matmul;

// Eltwise post-ops that could not go into the primitive, applied to the plain result.
void apply_post_ops(const std::vector<PostOp>& ops, Tensor& out) {
  for (const PostOp& p : ops) apply_unary(p.op, p.attrs, out.data<float>(), out.data<float>(), out.numel());
}

class GemmKernel final : public Kernel {
 public:
  explicit GemmKernel(const KernelSpec& spec) : m_attrs(spec.attr<GemmAttrs>()), m_post(spec.post_ops) {
    const Shape& bs = spec.input_value(1).shape;
    m_k = m_attrs.trans_b ? bs[1] : bs[0];
    m_n = m_attrs.trans_b ? bs[0] : bs[1];
    m_b_layout = strided_desc({m_k, m_n}, m_attrs.trans_b ? memory::dims{1, m_k} : memory::dims{m_n, 1});
    if (const Tensor* b = spec.constant_input(1)) {
      Tensor scaled = *b;
      if (m_attrs.alpha != 1.0f) {
        scaled = b->clone();
        for (float& v : scaled.span<float>()) v *= m_attrs.alpha;
      }
      m_weights = WeightCache(scaled, m_b_layout);
    }
    m_alpha_after = m_attrs.alpha != 1.0f && !m_weights;
    if (spec.has_input(2)) {
      const Tensor* c = spec.constant_input(2);
      const Shape& cs = spec.input_value(2).shape;
      bool row = numel(cs) == 1 || (numel(cs) == m_n && (cs.size() == 1 || cs[0] == 1));
      if (c && row && !m_alpha_after && m_attrs.beta != 0.0f) {
        m_bias = Tensor(DType::f32, {1, m_n});
        for (int64_t j = 0; j < m_n; ++j) {
          m_bias->data<float>()[j] = m_attrs.beta * c->data<float>()[numel(cs) == 1 ? 0 : j];
        }
      } else {
        m_c_after = m_attrs.beta != 0.0f;
      }
    }
    m_post_after = m_alpha_after || m_c_after;
    m_attr = post_op_attr(m_post_after ? std::vector<PostOp>{} : m_post);
    const int64_t m = spec.output_value(0).shape[0];  // prepared for the import batch
    get(spec.engine, m);
    if (m_weights) {
      dnnl::stream stream(spec.engine);
      m_weights->get(m_pds.at(m).weights_desc(), spec.engine, stream);
    }
  }

  void run(RunContext& ctx) override {
    const Shape& os = ctx.out_shape(0);
    int64_t m = os[0];
    const matmul& prim = get(ctx.engine(), m);
    const auto& pd = m_pds.at(m);
    Tensor& out = ctx.new_output(0);
    memory a = wrap(ctx.in(0), src_desc(m), ctx.engine());
    memory b =
        m_weights ? m_weights->get(pd.weights_desc(), ctx.engine(), ctx.stream()) : wrap(ctx.in(1), m_b_layout, ctx.engine());
    std::unordered_map<int, memory> args = {
        {DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, wrap(out, plain_desc(os), ctx.engine())}};
    if (m_bias) args.emplace(DNNL_ARG_BIAS, wrap(*m_bias, plain_desc({1, m_n}), ctx.engine()));
    prim.execute(ctx.stream(), args);
    if (!m_post_after) return;
    float* y = out.data<float>();
    if (m_alpha_after) {
      for (int64_t i = 0; i < out.numel(); ++i) y[i] *= m_attrs.alpha;
    }
    if (m_c_after) {
      const float beta = m_attrs.beta;
      BroadcastPlan plan = make_broadcast(os, ctx.in_shape(2), os);
      broadcast_apply(plan, y, ctx.in(2).data<float>(), y, [beta](float o, float c) { return o + beta * c; });
    }
    apply_post_ops(m_post, out);
  }

 private:
  memory::desc src_desc(int64_t m) const {
    return strided_desc({m, m_k}, m_attrs.trans_a ? memory::dims{1, m} : memory::dims{m_k, 1});
  }

  const matmul& get(const dnnl::engine& engine, int64_t m) {
    auto it = m_prims.find(m);
    if (it != m_prims.end()) return it->second;
    memory::desc wei = m_weights ? memory::desc({m_k, m_n}, memory::data_type::f32, memory::format_tag::any) : m_b_layout;
    memory::desc bias = m_bias ? plain_desc({1, m_n}) : memory::desc();
    matmul::desc d(src_desc(m), wei, bias, plain_desc({m, m_n}));
    matmul::primitive_desc pd(d, m_attr, engine);
    m_pds.emplace(m, pd);
    return m_prims.emplace(m, matmul(pd)).first->second;
  }

  GemmAttrs m_attrs;
  std::vector<PostOp> m_post;
  int64_t m_k = 0, m_n = 0;
  memory::desc m_b_layout;
  std::optional<WeightCache> m_weights;
  std::optional<Tensor> m_bias;
  bool m_alpha_after = false, m_c_after = false, m_post_after = false;
  dnnl::primitive_attr m_attr;
  std::map<int64_t, matmul::primitive_desc> m_pds;
  std::map<int64_t, matmul> m_prims;
};

// numpy matmul: 1-D operands are promoted (and the added dim dropped from the output), batch
// dims broadcast. A 2-D right operand multiplies all rows of the left one in a single product.
class MatMulKernel final : public Kernel {
 public:
  explicit MatMulKernel(const KernelSpec& spec) : m_attr(post_op_attr(spec.post_ops)) {
    const Shape& bs = spec.input_value(1).shape;
    if (const Tensor* b = spec.constant_input(1); b && bs.size() <= 2) {
      Shape b2 = bs.size() == 1 ? Shape{bs[0], 1} : bs;
      m_weights = WeightCache(*b, plain_desc(b2));
      Shape as = spec.input_value(0).shape;  // prepared for the import batch
      if (as.size() == 1) as.insert(as.begin(), 1);
      Prim& p = m_prims.emplace(std::make_pair(as, b2), make(spec.engine, as, b2)).first->second;
      dnnl::stream stream(spec.engine);
      m_weights->get(p.pd.weights_desc(), spec.engine, stream);
    }
  }

  void run(RunContext& ctx) override {
    Shape as = ctx.in_shape(0), bs = ctx.in_shape(1);
    if (as.size() == 1) as.insert(as.begin(), 1);
    if (bs.size() == 1) bs.push_back(1);
    auto key = std::make_pair(as, bs);
    auto it = m_prims.find(key);
    if (it == m_prims.end()) it = m_prims.emplace(key, make(ctx.engine(), as, bs)).first;
    Prim& p = it->second;
    Tensor& out = ctx.new_output(0);
    memory a = wrap(ctx.in(0), p.pd.src_desc(), ctx.engine());
    memory b = m_weights ? m_weights->get(p.pd.weights_desc(), ctx.engine(), ctx.stream())
                         : wrap(ctx.in(1), p.pd.weights_desc(), ctx.engine());
    p.prim.execute(ctx.stream(),
                   {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, wrap(out, p.pd.dst_desc(), ctx.engine())}});
  }

 private:
  struct Prim {
    matmul::primitive_desc pd;
    matmul prim;
  };

  Prim make(const dnnl::engine& engine, const Shape& as, const Shape& bs) {
    int64_t k = as.back(), n = bs.back();
    memory::desc src, wei, dst;
    if (bs.size() == 2) {  // one product over all rows of A
      int64_t rows = numel(as) / k;
      src = plain_desc({rows, k});
      wei = m_weights ? memory::desc({k, n}, memory::data_type::f32, memory::format_tag::any) : plain_desc(bs);
      dst = plain_desc({rows, n});
    } else {
      size_t r = std::max(as.size(), bs.size());
      Shape a = as, b = bs;
      a.insert(a.begin(), r - as.size(), 1);
      b.insert(b.begin(), r - bs.size(), 1);
      Shape o(r);
      for (size_t i = 0; i + 2 < r; ++i) o[i] = std::max(a[i], b[i]);
      o[r - 2] = a[r - 2];
      o[r - 1] = n;
      src = plain_desc(a);
      wei = plain_desc(b);
      dst = plain_desc(o);
    }
    matmul::primitive_desc pd(matmul::desc(src, wei, dst), m_attr, engine);
    return Prim{pd, matmul(pd)};
  }

  dnnl::primitive_attr m_attr;
  std::optional<WeightCache> m_weights;
  std::map<std::pair<Shape, Shape>, Prim> m_prims;
};

}  // namespace

std::unique_ptr<Kernel> make_gemm_kernel(const KernelSpec& spec) { return std::make_unique<GemmKernel>(spec); }
std::unique_ptr<Kernel> make_matmul_kernel(const KernelSpec& spec) { return std::make_unique<MatMulKernel>(spec); }

}  // namespace aimc::ref
