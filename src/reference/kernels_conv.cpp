// Conv (1-D and 2-D, groups, dilations, asymmetric pads, optional bias) through oneDNN.
//
// Source and destination use oneDNN's preferred layout (format_tag::any, typically nChw16c) so
// consecutive convolutions, pools and element-wise ops exchange blocked data without reorders.
// Constant weights are reordered once per chosen layout; primitives are cached per batch size.
// Fused post-ops (ReLU, LeakyReLU, Clip, and a residual Add accumulated into the destination)
// come from the planner.
#include <map>
#include <optional>
#include <unordered_map>

#include "reference/dnnl_util.h"

namespace aimc::ref {

namespace {

using dnnl::convolution_forward;

class ConvKernel final : public Kernel {
 public:
  explicit ConvKernel(const KernelSpec& spec)
      : m_attrs(spec.attr<ConvAttrs>()), m_sum(spec.sum_input()), m_attr(post_op_attr(spec.post_ops)) {
    const Value& w = spec.input_value(1);
    m_w_dims = weight_dims(w.shape);
    m_w_plain = plain_desc(w.shape).reshape(m_w_dims);
    if (const Tensor* t = spec.constant_input(1)) m_weights = WeightCache(*t, m_w_plain);
    m_has_bias = spec.has_input(2);
    if (m_has_bias && spec.constant_input(2)) m_bias = *spec.constant_input(2);
    // Primitive and weight layout for the import batch now, not on the first run.
    const Prim& p = prim(spec.engine, spec.input_value(0).shape, spec.output_value(0).shape);
    if (m_weights) {
      dnnl::stream stream(spec.engine);
      m_weights->get(p.pd.weights_desc(), spec.engine, stream);
    }
  }

  void run(RunContext& ctx) override {
    const Shape& xs = ctx.in_shape(0);
    const Prim& p = prim(ctx.engine(), xs, ctx.out_shape(0));
    memory src = input_as(ctx, 0, p.pd.src_desc());
    memory weights =
        m_weights ? m_weights->get(p.pd.weights_desc(), ctx.engine(), ctx.stream()) : input_as_weights(ctx, p.pd.weights_desc());
    memory::desc dst_desc = p.pd.dst_desc();
    Tensor dst = m_sum >= 0 ? sum_destination(ctx, static_cast<size_t>(m_sum), dst_desc) : ctx.new_storage(dst_desc);
    memory dst_mem = wrap(dst, dst_desc, ctx.engine());
    std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, dst_mem}};
    if (m_has_bias) {
      const Tensor& b = m_bias ? *m_bias : ctx.in(2);
      args.emplace(DNNL_ARG_BIAS, wrap(b, p.pd.bias_desc(), ctx.engine()));
    }
    p.conv.execute(ctx.stream(), args);
    ctx.set_output(0, Buffer{dst, dst_desc});
  }

 private:
  struct Prim {
    convolution_forward::primitive_desc pd;
    convolution_forward conv;
  };

  // ONNX [M, C/g, k...] as oneDNN [g, M/g, C/g, k...] when grouped.
  memory::dims weight_dims(const Shape& w) const {
    memory::dims d = to_dims(w);
    if (m_attrs.group == 1) return d;
    d[0] /= m_attrs.group;
    d.insert(d.begin(), m_attrs.group);
    return d;
  }

  const Prim& prim(const dnnl::engine& engine, const Shape& xs, const Shape& ys) {
    auto it = m_prims.find(xs[0]);
    if (it != m_prims.end()) return it->second;
    const WindowAttrs& w = m_attrs.window;
    size_t sd = w.kernel.size();
    memory::dims strides(w.strides.begin(), w.strides.end());
    memory::dims dil(sd), pad_l(sd), pad_r(sd);
    for (size_t i = 0; i < sd; ++i) {
      dil[i] = w.dilations[i] - 1;
      pad_l[i] = w.pads[i];
      pad_r[i] = w.pads[i + sd];
    }
    auto any = memory::format_tag::any;
    auto f32 = memory::data_type::f32;
    memory::desc src(to_dims(xs), f32, any);
    memory::desc wei(m_w_dims, f32, any);
    memory::desc dst(to_dims(ys), f32, any);
    memory::desc bias;
    if (m_has_bias) bias = memory::desc({ys[1]}, f32, memory::format_tag::x);
    convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src, wei, bias, dst,
                                strides, dil, pad_l, pad_r);
    convolution_forward::primitive_desc pd(d, m_attr, engine);
    return m_prims.emplace(xs[0], Prim{pd, convolution_forward(pd)}).first->second;
  }

  // Weights computed at run time: reordered on every run.
  memory input_as_weights(RunContext& ctx, const memory::desc& want) {
    const Tensor& w = ctx.in(1);
    memory user = wrap(w, m_w_plain, ctx.engine());
    if (m_w_plain == want) return user;
    Tensor t = ctx.temp(DType::f32, {static_cast<int64_t>(want.get_size() / 4)});
    memory mem = wrap(t, want, ctx.engine());
    reorder(ctx.stream(), user, mem);
    return mem;
  }

  ConvAttrs m_attrs;
  int m_sum;
  dnnl::primitive_attr m_attr;
  memory::dims m_w_dims;
  memory::desc m_w_plain;
  std::optional<WeightCache> m_weights;
  bool m_has_bias = false;
  std::optional<Tensor> m_bias;
  std::map<int64_t, Prim> m_prims;
};

}  // namespace

std::unique_ptr<Kernel> make_conv_kernel(const KernelSpec& spec) { return std::make_unique<ConvKernel>(spec); }

}  // namespace aimc::ref
