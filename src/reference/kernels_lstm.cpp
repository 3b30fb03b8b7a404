// ONNX LSTM, forward direction, default activations (sigmoid, tanh, tanh), no peepholes.
//
// Gates are laid out i, o, f, c (ONNX order) in W [1,4H,I], R [1,4H,H] and B [1,8H] (Wb then Rb).
// The input projection of all timesteps is one GEMM: G[T*N, 4H] = X·Wᵀ + (Wb + Rb); each step then
// accumulates H_{t-1}·Rᵀ into its slice of G (a matmul with a sum post-op) and applies the gates.
#include <map>
#include <optional>
#include <unordered_map>

#include "reference/dnnl_util.h"
#include "reference/elementwise.h"

namespace aimc::ref {

namespace {

using dnnl::matmul;

class LstmKernel final : public Kernel {
 public:
  explicit LstmKernel(const KernelSpec& spec) : m_h(spec.attr<LstmAttrs>().hidden_size) {
    m_i = spec.input_value(0).shape[2];
    // Wᵀ [I, 4H] and Rᵀ [H, 4H] as strided views of W [4H, I] and R [4H, H].
    m_w_layout = strided_desc({m_i, 4 * m_h}, {1, m_i});
    m_r_layout = strided_desc({m_h, 4 * m_h}, {1, m_h});
    if (const Tensor* w = spec.constant_input(1)) m_w = WeightCache(*w, m_w_layout);
    if (const Tensor* r = spec.constant_input(2)) m_r = WeightCache(*r, m_r_layout);
    dnnl::post_ops sum;
    sum.append_sum(1.0f);
    m_sum_attr.set_post_ops(sum);
    const Shape& xs = spec.input_value(0).shape;  // prepared for the import batch
    Prims& p = prims(spec.engine, xs[0], xs[1]);
    dnnl::stream stream(spec.engine);
    if (m_w) m_w->get(p.proj_pd.weights_desc(), spec.engine, stream);
    if (m_r) m_r->get(p.step_pd.weights_desc(), spec.engine, stream);
  }

  void run(RunContext& ctx) override {
    const Shape& xs = ctx.in_shape(0);
    const int64_t t_len = xs[0], n = xs[1], h = m_h, g4 = 4 * m_h;
    Prims& p = prims(ctx.engine(), t_len, n);
    // Input projection with the summed biases.
    Tensor gates = ctx.temp(DType::f32, {t_len * n, g4});
    Tensor bias = ctx.temp(DType::f32, {1, g4});
    float* bsum = bias.data<float>();
    for (int64_t j = 0; j < g4; ++j) bsum[j] = 0.0f;
    if (ctx.has_input(3)) {
      const float* b = ctx.in(3).data<float>();
      for (int64_t j = 0; j < g4; ++j) bsum[j] = b[j] + b[g4 + j];
    }
    memory w = m_w ? m_w->get(p.proj_pd.weights_desc(), ctx.engine(), ctx.stream()) : wrap(ctx.in(1), m_w_layout, ctx.engine());
    memory r = m_r ? m_r->get(p.step_pd.weights_desc(), ctx.engine(), ctx.stream()) : wrap(ctx.in(2), m_r_layout, ctx.engine());
    p.proj.execute(ctx.stream(), {{DNNL_ARG_SRC, wrap(ctx.in(0), plain_desc({t_len * n, m_i}), ctx.engine())},
                                  {DNNL_ARG_WEIGHTS, w},
                                  {DNNL_ARG_BIAS, wrap(bias, plain_desc({1, g4}), ctx.engine())},
                                  {DNNL_ARG_DST, wrap(gates, plain_desc({t_len * n, g4}), ctx.engine())}});
    Tensor hs = ctx.temp(DType::f32, {n, h});
    Tensor cs = ctx.temp(DType::f32, {n, h});
    init_state(ctx, 5, hs);
    init_state(ctx, 6, cs);
    float* y = ctx.has_output(0) ? ctx.new_output(0).data<float>() : nullptr;
    float* hp = hs.data<float>();
    float* cp = cs.data<float>();
    memory h_mem = wrap(hs, plain_desc({n, h}), ctx.engine());
    for (int64_t t = 0; t < t_len; ++t) {
      float* g = gates.data<float>() + t * n * g4;
      p.step.execute(
          ctx.stream(),
          {{DNNL_ARG_SRC, h_mem}, {DNNL_ARG_WEIGHTS, r}, {DNNL_ARG_DST, memory(plain_desc({n, g4}), ctx.engine(), g)}});
#pragma omp parallel for schedule(static) if (n * h >= 4096)
      for (int64_t b = 0; b < n; ++b) cell(g + b * g4, hp + b * h, cp + b * h, h);
      if (y) std::copy(hp, hp + n * h, y + t * n * h);
    }
    if (ctx.has_output(1)) std::copy(hp, hp + n * h, ctx.new_output(1).data<float>());
    if (ctx.has_output(2)) std::copy(cp, cp + n * h, ctx.new_output(2).data<float>());
  }

 private:
  struct Prims {
    matmul::primitive_desc proj_pd, step_pd;
    matmul proj, step;
  };

  static void cell(const float* g, float* hv, float* cv, int64_t h) {
    for (int64_t j = 0; j < h; ++j) {
      float i = sigmoid(g[j]);
      float o = sigmoid(g[h + j]);
      float f = sigmoid(g[2 * h + j]);
      float c = std::tanh(g[3 * h + j]);
      cv[j] = f * cv[j] + i * c;
      hv[j] = o * std::tanh(cv[j]);
    }
  }

  // initial_h / initial_c [1, N or 1, H] (zeros when absent; batch 1 broadcasts).
  void init_state(RunContext& ctx, size_t i, Tensor& s) {
    float* d = s.data<float>();
    const int64_t n = s.dim(0), h = s.dim(1);
    if (!ctx.has_input(i)) {
      std::fill(d, d + n * h, 0.0f);
      return;
    }
    const float* src = ctx.in(i).data<float>();
    bool bcast = ctx.in_shape(i)[1] == 1;
    for (int64_t b = 0; b < n; ++b) std::copy(src + (bcast ? 0 : b * h), src + (bcast ? 0 : b * h) + h, d + b * h);
  }

  Prims& prims(const dnnl::engine& engine, int64_t t_len, int64_t n) {
    auto key = std::make_pair(t_len, n);
    auto it = m_prims.find(key);
    if (it != m_prims.end()) return it->second;
    auto any = [](int64_t r, int64_t c) { return memory::desc({r, c}, memory::data_type::f32, memory::format_tag::any); };
    const int64_t g4 = 4 * m_h;
    matmul::desc proj(plain_desc({t_len * n, m_i}), m_w ? any(m_i, g4) : m_w_layout, plain_desc({1, g4}),
                      plain_desc({t_len * n, g4}));
    matmul::desc step(plain_desc({n, m_h}), m_r ? any(m_h, g4) : m_r_layout, plain_desc({n, g4}));
    matmul::primitive_desc proj_pd(proj, engine);
    matmul::primitive_desc step_pd(step, m_sum_attr, engine);
    return m_prims.emplace(key, Prims{proj_pd, step_pd, matmul(proj_pd), matmul(step_pd)}).first->second;
  }

  int64_t m_h, m_i = 0;
  memory::desc m_w_layout, m_r_layout;
  std::optional<WeightCache> m_w, m_r;
  dnnl::primitive_attr m_sum_attr;
  std::map<std::pair<int64_t, int64_t>, Prims> m_prims;
};

}  // namespace

std::unique_ptr<Kernel> make_lstm_kernel(const KernelSpec& spec) { return std::make_unique<LstmKernel>(spec); }

}  // namespace aimc::ref
