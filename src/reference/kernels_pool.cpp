// MaxPool, AveragePool and GlobalAveragePool through oneDNN pooling (in the input's layout, so
// blocked activations stay blocked), plus the reductions (Reduce*, Arg*, TopK) on plain data.
//
// ceil_mode is expressed as extra end padding. The one case oneDNN cannot express, AveragePool
// with count_include_pad whose last window reaches past the declared end pads, runs a plain loop
// with PyTorch's divisor (the window clipped to the padded input).
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <optional>

#include "core/threads.h"
#include "reference/dnnl_util.h"

namespace aimc::ref {

namespace {

using dnnl::pooling_v2_forward;

// Plain NC[H]W pooling, 1-D or 2-D (a 1-D window is a 2-D one of height 1).
void pool_plain(const Tensor& x, Tensor& y, bool is_max, const PoolAttrs& a) {
  const Shape& xs = x.shape();
  const Shape& ys = y.shape();
  const bool two = xs.size() == 4;
  const int64_t nc = xs[0] * xs[1], ih = two ? xs[2] : 1, iw = xs.back(), oh = two ? ys[2] : 1, ow = ys.back();
  const WindowAttrs& w = a.window;
  const size_t sd = w.kernel.size();
  const int64_t kh = two ? w.kernel[0] : 1, kw = w.kernel.back();
  const int64_t sh = two ? w.strides[0] : 1, sw = w.strides.back();
  const int64_t dh = two ? w.dilations[0] : 1, dw = w.dilations.back();
  const int64_t ph = two ? w.pads[0] : 0, pw = w.pads[sd - 1];
  const int64_t eh = two ? w.pads[sd] : 0, ew = w.pads[2 * sd - 1];
  const float* xp = x.data<float>();
  float* yp = y.data<float>();
  parallel_static(nc, nc * ih * iw, int64_t{1} << 15, [&](int64_t c) {
    const float* xc = xp + c * ih * iw;
    float* yc = yp + c * oh * ow;
    for (int64_t oy = 0; oy < oh; ++oy) {
      for (int64_t ox = 0; ox < ow; ++ox) {
        const int64_t y0 = oy * sh - ph, x0 = ox * sw - pw;
        float acc = is_max ? -std::numeric_limits<float>::infinity() : 0.0f;
        int64_t count = 0;
        for (int64_t ky = 0; ky < kh; ++ky) {
          const int64_t yy = y0 + ky * dh;
          if (yy < 0 || yy >= ih) continue;
          for (int64_t kx = 0; kx < kw; ++kx) {
            const int64_t xx = x0 + kx * dw;
            if (xx < 0 || xx >= iw) continue;
            const float v = xc[yy * iw + xx];
            acc = is_max ? std::max(acc, v) : acc + v;
            ++count;
          }
        }
        if (!is_max) {
          if (a.count_include_pad) {
            count = (std::min(y0 + kh, ih + eh) - y0) * (std::min(x0 + kw, iw + ew) - x0);
          }
          acc = count > 0 ? acc / static_cast<float>(count) : 0.0f;
        }
        yc[oy * ow + ox] = acc;
      }
    }
  });
}

class PoolKernel final : public Kernel {
 public:
  explicit PoolKernel(const KernelSpec& spec) : m_op(spec.node->op) {
    if (m_op != OpKind::GlobalAveragePool) m_attrs = spec.attr<PoolAttrs>();
  }

  void run(RunContext& ctx) override {
    const Shape& xs = ctx.in_shape(0);
    const Shape& ys = ctx.out_shape(0);
    const size_t sd = xs.size() - 2;
    memory::dims kernel(sd), strides(sd, 1), dil(sd, 0), pad_l(sd, 0), pad_r(sd, 0);
    bool plain_only = false;
    for (size_t i = 0; i < sd; ++i) {
      if (m_op == OpKind::GlobalAveragePool) {
        kernel[i] = xs[i + 2];
        continue;
      }
      const WindowAttrs& w = m_attrs.window;
      kernel[i] = w.kernel[i];
      strides[i] = w.strides[i];
      dil[i] = w.dilations[i] - 1;
      pad_l[i] = w.pads[i];
      pad_r[i] = w.pads[i + sd];
      const int64_t span = (w.kernel[i] - 1) * w.dilations[i] + 1;
      const int64_t needed = (ys[i + 2] - 1) * w.strides[i] + span - xs[i + 2] - pad_l[i];
      if (needed > pad_r[i]) {  // ceil_mode window past the declared end padding
        pad_r[i] = needed;
        plain_only = plain_only || (m_op == OpKind::AveragePool && m_attrs.count_include_pad);
      }
      plain_only = plain_only || pad_l[i] >= span || pad_r[i] >= span;
    }
    if (plain_only) {
      const Tensor& x = ctx.in(0);
      pool_plain(x, ctx.new_output(0), m_op == OpKind::MaxPool, m_attrs);
      return;
    }
    const Buffer& in = ctx.in_buffer(0);
    memory::desc src = layout_of(in, xs);
    const Prim& p = prim(ctx, src, kernel, strides, dil, pad_l, pad_r);
    memory::desc dst_desc = p.pd.dst_desc();
    Tensor dst = ctx.new_storage(dst_desc);
    p.prim.execute(ctx.stream(),
                   {{DNNL_ARG_SRC, wrap(in.data, src, ctx.engine())}, {DNNL_ARG_DST, wrap(dst, dst_desc, ctx.engine())}});
    ctx.set_output(0, Buffer{dst, dst_desc});
  }

 private:
  struct Prim {
    memory::desc src;
    pooling_v2_forward::primitive_desc pd;
    pooling_v2_forward prim;
  };

  const Prim& prim(RunContext& ctx, const memory::desc& src, const memory::dims& kernel, const memory::dims& strides,
                   const memory::dims& dil, const memory::dims& pad_l, const memory::dims& pad_r) {
    const int64_t n = ctx.in_shape(0)[0];
    auto it = m_prims.find(n);
    if (it != m_prims.end() && it->second.src == src) return it->second;
    dnnl::algorithm alg = m_op == OpKind::MaxPool ? dnnl::algorithm::pooling_max
                          : (m_op == OpKind::AveragePool && m_attrs.count_include_pad)
                              ? dnnl::algorithm::pooling_avg_include_padding
                              : dnnl::algorithm::pooling_avg_exclude_padding;
    memory::desc dst(to_dims(ctx.out_shape(0)), memory::data_type::f32, memory::format_tag::any);
    pooling_v2_forward::desc d(dnnl::prop_kind::forward_inference, alg, src, dst, strides, kernel, dil, pad_l, pad_r);
    pooling_v2_forward::primitive_desc pd(d, ctx.engine());
    m_prims.erase(n);
    return m_prims.emplace(n, Prim{src, pd, pooling_v2_forward(pd)}).first->second;
  }

  OpKind m_op;
  PoolAttrs m_attrs;
  std::map<int64_t, Prim> m_prims;
};

// ReduceMean / ReduceSum / ReduceMax / ReduceMin and ArgMax / ArgMin over sorted axes, in input order
// (sums accumulated in double): deterministic. An arg reduction's index is along its one axis; ties
// keep the first (or, with select_last, the last) index.
class ReduceKernel final : public Kernel {
 public:
  explicit ReduceKernel(const KernelSpec& spec) : m_op(spec.node->op), m_attrs(spec.attr<ReduceAttrs>()) {}

  void run(RunContext& ctx) override {
    const Tensor& x = ctx.in(0);
    const Shape& xs = x.shape();
    const size_t r = xs.size();
    const auto& axes = m_attrs.axes;
    // Output element stride for each input dim (0 along reduced dims).
    std::vector<int64_t> ostride(r, 0);
    int64_t acc = 1, reduced = 1;
    for (size_t i = r; i-- > 0;) {
      if (std::find(axes.begin(), axes.end(), static_cast<int64_t>(i)) != axes.end()) {
        reduced *= xs[i];
      } else {
        ostride[i] = acc;
        acc *= xs[i];
      }
    }
    const bool is_max = m_op == OpKind::ReduceMax || m_op == OpKind::ArgMax;
    const bool is_min = m_op == OpKind::ReduceMin || m_op == OpKind::ArgMin;
    const bool arg = m_op == OpKind::ArgMax || m_op == OpKind::ArgMin;
    const double init =
        is_max ? -std::numeric_limits<double>::infinity() : (is_min ? std::numeric_limits<double>::infinity() : 0.0);
    std::vector<double> best(static_cast<size_t>(acc), init);
    std::vector<int64_t> where(arg ? static_cast<size_t>(acc) : 0, 0);
    std::vector<char> seen(arg ? static_cast<size_t>(acc) : 0, 0);
    const size_t arg_axis = arg ? static_cast<size_t>(axes.front()) : 0;
    std::vector<int64_t> idx(r, 0);
    const float* xp = x.data<float>();
    int64_t off = 0;
    for (int64_t e = 0; e < x.numel(); ++e) {
      const double v = xp[e];
      double& b = best[static_cast<size_t>(off)];
      if (is_max || is_min) {
        const bool better = !arg ? (is_max ? v > b : v < b)
                                 : (!seen[static_cast<size_t>(off)] ||
                                    (m_attrs.select_last ? (is_max ? v >= b : v <= b) : (is_max ? v > b : v < b)));
        if (better || std::isnan(v)) {
          b = v;
          if (arg) {
            where[static_cast<size_t>(off)] = idx[arg_axis];
            seen[static_cast<size_t>(off)] = 1;
          }
        }
      } else {
        b += v;
      }
      for (size_t d = r; d-- > 0;) {  // advance the counter, keeping `off` in step
        off += ostride[d];
        if (++idx[d] < xs[d]) break;
        off -= ostride[d] * xs[d];
        idx[d] = 0;
      }
    }
    if (arg) {
      int64_t* y = ctx.new_output(0).data<int64_t>();
      std::copy(where.begin(), where.end(), y);
      return;
    }
    float* y = ctx.new_output(0).data<float>();
    const double div = m_op == OpKind::ReduceMean && reduced > 0 ? static_cast<double>(reduced) : 1.0;
    for (size_t i = 0; i < best.size(); ++i) y[i] = static_cast<float>(best[i] / div);
  }

 private:
  OpKind m_op;
  ReduceAttrs m_attrs;
};

// TopK: per slice along the axis, the k largest (or smallest) values in order, ties by the lower index
// (ONNX), with their int64 indices.
class TopKKernel final : public Kernel {
 public:
  explicit TopKKernel(const KernelSpec& spec) : m_attrs(spec.attr<TopKAttrs>()) {}

  void run(RunContext& ctx) override {
    const Tensor& x = ctx.in(0);
    const Shape& xs = x.shape();
    const AroundAxis around = around_axis(xs, static_cast<size_t>(m_attrs.axis));
    const int64_t outer = around.outer, n = around.extent, inner = around.inner;
    const int64_t k = m_attrs.k;
    const float* xp = x.data<float>();
    float* values = ctx.new_output(0).data<float>();
    int64_t* indices = ctx.has_output(1) ? ctx.new_output(1).data<int64_t>() : nullptr;
    std::vector<int64_t> order(static_cast<size_t>(n));
    for (int64_t b = 0; b < outer; ++b) {
      for (int64_t i = 0; i < inner; ++i) {
        const float* src = xp + b * n * inner + i;
        std::iota(order.begin(), order.end(), int64_t{0});
        auto before = [&](int64_t p, int64_t q) {
          const float a = src[p * inner], c = src[q * inner];
          if (a != c) return m_attrs.largest ? a > c : a < c;
          return p < q;
        };
        std::partial_sort(order.begin(), order.begin() + k, order.end(), before);
        for (int64_t j = 0; j < k; ++j) {
          const int64_t o = (b * k + j) * inner + i;
          values[o] = src[order[static_cast<size_t>(j)] * inner];
          if (indices) indices[o] = order[static_cast<size_t>(j)];
        }
      }
    }
  }

 private:
  TopKAttrs m_attrs;
};

// CumSum: running sums along the axis, in the element type, in order (from the end with reverse; exclusive: each
// output leaves its own element out), as torch.cumsum and numpy's cumsum add.
class CumSumKernel final : public Kernel {
 public:
  explicit CumSumKernel(const KernelSpec& spec) : m_attrs(spec.attr<CumSumAttrs>()) {}

  void run(RunContext& ctx) override {
    const Tensor& x = ctx.in(0);
    Tensor& y = ctx.new_output(0);
    switch (x.dtype()) {
      case DType::f32:
        return sums(x.data<float>(), y.data<float>(), x.shape());
      case DType::i64:
        return sums(x.data<int64_t>(), y.data<int64_t>(), x.shape());
      case DType::i32:
        return sums(x.data<int32_t>(), y.data<int32_t>(), x.shape());
      default:
        throw InternalError(fmt::format("CumSum of {}", dtype_name(x.dtype())));
    }
  }

 private:
  template <class T>
  void sums(const T* x, T* y, const Shape& xs) const {
    const AroundAxis around = around_axis(xs, static_cast<size_t>(m_attrs.axis));
    const int64_t outer = around.outer, n = around.extent, inner = around.inner;
    for (int64_t b = 0; b < outer; ++b) {
      for (int64_t i = 0; i < inner; ++i) {
        const int64_t base = b * n * inner + i;
        T acc{};
        for (int64_t j = 0; j < n; ++j) {
          const int64_t at = base + (m_attrs.reverse ? n - 1 - j : j) * inner;
          if (m_attrs.exclusive) {
            y[at] = acc;
            acc = static_cast<T>(acc + x[at]);
          } else {
            acc = static_cast<T>(acc + x[at]);
            y[at] = acc;
          }
        }
      }
    }
  }

  CumSumAttrs m_attrs;
};

}  // namespace

std::unique_ptr<Kernel> make_pool_kernel(const KernelSpec& spec) { return std::make_unique<PoolKernel>(spec); }
std::unique_ptr<Kernel> make_reduce_kernel(const KernelSpec& spec) {
  if (spec.node->op == OpKind::TopK) return std::make_unique<TopKKernel>(spec);
  if (spec.node->op == OpKind::CumSum) return std::make_unique<CumSumKernel>(spec);
  return std::make_unique<ReduceKernel>(spec);
}

}  // namespace aimc::ref
