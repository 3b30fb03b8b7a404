// ONNX LSTM and GRU, forward direction, default activations, no peepholes; GRU with linear_before_reset=1.
//
// Gates are laid out in ONNX order in W [1,GH,I], R [1,GH,H] and B [1,2GH] (Wb then Rb): LSTM i, o, f, c
// (G = 4), GRU z, r, h (G = 3). The input projection of all timesteps is one GEMM: P[T*N, GH] = X·Wᵀ +
// bias, where the bias is Wb + Rb except for the GRU's h gate (Wb only: its Rb is added to h·Rᵀ before the
// reset gate scales it). Each LSTM step accumulates H_{t-1}·Rᵀ into its slice of P (a matmul with a sum
// post-op); each GRU step writes H_{t-1}·Rᵀ apart, as the h gate needs it unsummed.
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/threads.h"
#include "reference/dnnl_util.h"
#include "reference/elementwise.h"

namespace aimc::ref {

namespace {

using dnnl::matmul;

class RecurrentKernel final : public Kernel {
 public:
  explicit RecurrentKernel(const KernelSpec& spec)
      : m_lstm(spec.node->op == OpKind::LSTM), m_h(spec.attr<RecurrentAttrs>().hidden_size), m_gh((m_lstm ? 4 : 3) * m_h) {
    m_i = spec.input_value(0).shape[2];
    // Wᵀ [I, GH] and Rᵀ [H, GH] as strided views of W [GH, I] and R [GH, H].
    m_w_layout = strided_desc({m_i, m_gh}, {1, m_i});
    m_r_layout = strided_desc({m_h, m_gh}, {1, m_h});
    if (const Tensor* w = spec.constant_input(1)) m_w = WeightCache(*w, m_w_layout);
    if (const Tensor* r = spec.constant_input(2)) m_r = WeightCache(*r, m_r_layout);
    if (m_lstm) {
      dnnl::post_ops sum;
      sum.append_sum(1.0f);
      m_step_attr.set_post_ops(sum);
    }
    const Shape& xs = spec.input_value(0).shape;  // prepared for the import batch
    Prims& p = prims(spec.engine, xs[0], xs[1]);
    dnnl::stream stream(spec.engine);
    if (m_w) m_w->get(p.proj_pd.weights_desc(), spec.engine, stream);
    if (m_r) m_r->get(p.step_pd.weights_desc(), spec.engine, stream);
  }

  void run(RunContext& ctx) override {
    const Shape& xs = ctx.in_shape(0);
    const int64_t t_len = xs[0], n = xs[1], h = m_h, gh = m_gh;
    Prims& p = prims(ctx.engine(), t_len, n);
    // Input projection with the summed biases; the GRU's h-gate Rb is kept for the step.
    Tensor gates = ctx.temp(DType::f32, {t_len * n, gh});
    Tensor bias = ctx.temp(DType::f32, {1, gh});
    float* bsum = bias.data<float>();
    std::vector<float> rb_h(static_cast<size_t>(h), 0.0f);
    for (int64_t j = 0; j < gh; ++j) bsum[j] = 0.0f;
    if (ctx.has_input(3)) {
      const float* b = ctx.in(3).data<float>();
      for (int64_t j = 0; j < gh; ++j) bsum[j] = b[j] + (m_lstm || j < 2 * h ? b[gh + j] : 0.0f);
      if (!m_lstm) std::copy(b + gh + 2 * h, b + 2 * gh, rb_h.begin());
    }
    memory w = m_w ? m_w->get(p.proj_pd.weights_desc(), ctx.engine(), ctx.stream()) : wrap(ctx.in(1), m_w_layout, ctx.engine());
    memory r = m_r ? m_r->get(p.step_pd.weights_desc(), ctx.engine(), ctx.stream()) : wrap(ctx.in(2), m_r_layout, ctx.engine());
    p.proj.execute(ctx.stream(), {{DNNL_ARG_SRC, wrap(ctx.in(0), plain_desc({t_len * n, m_i}), ctx.engine())},
                                  {DNNL_ARG_WEIGHTS, w},
                                  {DNNL_ARG_BIAS, wrap(bias, plain_desc({1, gh}), ctx.engine())},
                                  {DNNL_ARG_DST, wrap(gates, plain_desc({t_len * n, gh}), ctx.engine())}});
    Tensor hs = ctx.temp(DType::f32, {n, h});
    Tensor cs = ctx.temp(DType::f32, {n, m_lstm ? h : 1});
    Tensor hr = ctx.temp(DType::f32, {n, m_lstm ? 1 : gh});  // the GRU's H_{t-1}·Rᵀ
    init_state(ctx, 5, hs);
    if (m_lstm) init_state(ctx, 6, cs);
    float* y = ctx.has_output(0) ? ctx.new_output(0).data<float>() : nullptr;
    float* hp = hs.data<float>();
    float* cp = cs.data<float>();
    float* hrp = hr.data<float>();
    memory h_mem = wrap(hs, plain_desc({n, h}), ctx.engine());
    for (int64_t t = 0; t < t_len; ++t) {
      float* g = gates.data<float>() + t * n * gh;
      p.step.execute(ctx.stream(), {{DNNL_ARG_SRC, h_mem},
                                    {DNNL_ARG_WEIGHTS, r},
                                    {DNNL_ARG_DST, memory(plain_desc({n, gh}), ctx.engine(), m_lstm ? g : hrp)}});
      if (m_lstm) {
        parallel_static(n, n * h, 4096, [&](int64_t b) { lstm_cell(g + b * gh, hp + b * h, cp + b * h, h); });
      } else {
        parallel_static(n, n * h, 4096, [&](int64_t b) { gru_cell(g + b * gh, hrp + b * gh, rb_h.data(), hp + b * h, h); });
      }
      if (y) std::copy(hp, hp + n * h, y + t * n * h);
    }
    if (ctx.has_output(1)) std::copy(hp, hp + n * h, ctx.new_output(1).data<float>());
    if (m_lstm && ctx.has_output(2)) std::copy(cp, cp + n * h, ctx.new_output(2).data<float>());
  }

 private:
  struct Prims {
    matmul::primitive_desc proj_pd, step_pd;
    matmul proj, step;
  };

  static void lstm_cell(const float* g, float* hv, float* cv, int64_t h) {
    for (int64_t j = 0; j < h; ++j) {
      float i = sigmoid(g[j]);
      float o = sigmoid(g[h + j]);
      float f = sigmoid(g[2 * h + j]);
      float c = std::tanh(g[3 * h + j]);
      cv[j] = f * cv[j] + i * c;
      hv[j] = o * std::tanh(cv[j]);
    }
  }

  // x-projections gx (z, r, h; z and r with both biases, h with Wb), hr = H_{t-1}·Rᵀ, rb_h = the h gate's Rb.
  static void gru_cell(const float* gx, const float* hr, const float* rb_h, float* hv, int64_t h) {
    for (int64_t j = 0; j < h; ++j) {
      const float z = sigmoid(gx[j] + hr[j]);
      const float r = sigmoid(gx[h + j] + hr[h + j]);
      const float c = std::tanh(gx[2 * h + j] + r * (hr[2 * h + j] + rb_h[j]));
      hv[j] = (1.0f - z) * c + z * hv[j];
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
    const int64_t gh = m_gh;
    matmul::desc proj(plain_desc({t_len * n, m_i}), m_w ? any(m_i, gh) : m_w_layout, plain_desc({1, gh}),
                      plain_desc({t_len * n, gh}));
    matmul::desc step(plain_desc({n, m_h}), m_r ? any(m_h, gh) : m_r_layout, plain_desc({n, gh}));
    matmul::primitive_desc proj_pd(proj, engine);
    matmul::primitive_desc step_pd(step, m_step_attr, engine);
    return m_prims.emplace(key, Prims{proj_pd, step_pd, matmul(proj_pd), matmul(step_pd)}).first->second;
  }

  bool m_lstm;
  int64_t m_h, m_gh, m_i = 0;
  memory::desc m_w_layout, m_r_layout;
  std::optional<WeightCache> m_w, m_r;
  dnnl::primitive_attr m_step_attr;  // LSTM: sum into the projection
  std::map<std::pair<int64_t, int64_t>, Prims> m_prims;
};

}  // namespace

std::unique_ptr<Kernel> make_recurrent_kernel(const KernelSpec& spec) { return std::make_unique<RecurrentKernel>(spec); }

}  // namespace aimc::ref
