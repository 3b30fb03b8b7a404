// Data movement of any element type: Reshape (a view), Transpose, Concat, Split on plain data;
// Slice (negative steps) and Pad (constant, negative pads crop) also on permuted oneDNN layouts;
// Resize (nearest of any type, linear of floats).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>

#include "core/threads.h"
#include "reference/dnnl_util.h"

namespace aimc::ref {

namespace {

std::vector<int64_t> row_major_strides(const Shape& s) {
  std::vector<int64_t> st(s.size());
  int64_t acc = 1;
  for (size_t i = s.size(); i-- > 0;) {
    st[i] = acc;
    acc *= s[i];
  }
  return st;
}

// out[out_base + Σ i_d·out_strides_d] = in[in_base + Σ i_d·in_strides_d] for every index i < dims.
template <class T>
void copy_nd(const std::vector<int64_t>& dims, const T* in, int64_t in_base, const std::vector<int64_t>& in_st, T* out,
             int64_t out_base, const std::vector<int64_t>& out_st) {
  const size_t r = dims.size();
  if (r == 0) {
    out[out_base] = in[in_base];
    return;
  }
  const int64_t n = dims[r - 1], si = in_st[r - 1], so = out_st[r - 1];
  int64_t rows = 1;
  for (size_t d = 0; d + 1 < r; ++d) rows *= dims[d];
  if (n == 0) return;
  parallel_static(rows, rows * n, int64_t{1} << 16, [&](int64_t row) {
    int64_t rem = row, oi = in_base, oo = out_base;
    for (size_t d = r - 1; d-- > 0;) {
      const int64_t i = rem % dims[d];
      rem /= dims[d];
      oi += i * in_st[d];
      oo += i * out_st[d];
    }
    const T* src = in + oi;
    T* dst = out + oo;
    if (si == 1 && so == 1) {
      for (int64_t i = 0; i < n; ++i) dst[i] = src[i];
    } else {
      for (int64_t i = 0; i < n; ++i) dst[i * so] = src[i * si];
    }
  });
}

// Calls f with a value of an unsigned type as wide as one element of t.
template <class F>
void with_element_type(DType t, F f) {
  switch (dtype_size(t)) {
    case 1:
      return f(uint8_t{});
    case 4:
      return f(uint32_t{});
    case 8:
      return f(uint64_t{});
    default:
      throw InternalError("unexpected element size");
  }
}

void copy_nd_any(DType t, const std::vector<int64_t>& dims, const std::byte* in, int64_t in_base,
                 const std::vector<int64_t>& in_st, std::byte* out, int64_t out_base, const std::vector<int64_t>& out_st) {
  with_element_type(t, [&](auto e) {
    using E = decltype(e);
    copy_nd(dims, reinterpret_cast<const E*>(in), in_base, in_st, reinterpret_cast<E*>(out), out_base, out_st);
  });
}

class ReshapeKernel final : public Kernel {
 public:
  void run(RunContext& ctx) override { ctx.set_output(0, Buffer{ctx.in(0).reshaped(ctx.out_shape(0)), {}}); }
};

class TransposeKernel final : public Kernel {
 public:
  explicit TransposeKernel(const KernelSpec& spec) : m_perm(spec.attr<TransposeAttrs>().perm) {}
  void run(RunContext& ctx) override {
    const Tensor& x = ctx.in(0);
    Tensor& y = ctx.new_output(0);
    std::vector<int64_t> xs = row_major_strides(x.shape()), in_st(m_perm.size());
    for (size_t i = 0; i < m_perm.size(); ++i) in_st[i] = xs[static_cast<size_t>(m_perm[i])];
    copy_nd_any(x.dtype(), y.shape(), x.raw(), 0, in_st, y.raw(), 0, row_major_strides(y.shape()));
  }

 private:
  std::vector<int64_t> m_perm;
};

// Concat and Split: contiguous chunks per index of the dims before the axis.
class ConcatSplitKernel final : public Kernel {
 public:
  explicit ConcatSplitKernel(const KernelSpec& spec)
      : m_concat(spec.node->op == OpKind::Concat),
        m_axis(m_concat ? spec.attr<AxisAttrs>().axis : spec.attr<SplitAttrs>().axis) {}

  void run(RunContext& ctx) override {
    const auto ax = static_cast<size_t>(m_axis);
    const Shape& whole = m_concat ? ctx.out_shape(0) : ctx.in_shape(0);
    const size_t esize = dtype_size(m_concat ? ctx.in_dtype(0) : ctx.spec().output_value(0).dtype);
    const AroundAxis around = around_axis(whole, ax);
    const int64_t outer = around.outer, extent = around.extent, inner = around.inner;
    const size_t row = static_cast<size_t>(extent * inner) * esize;
    std::byte* big = m_concat ? ctx.new_output(0).raw() : const_cast<std::byte*>(ctx.in(0).raw());
    const size_t parts = m_concat ? ctx.spec().inputs.size() : ctx.spec().outputs.size();
    size_t offset = 0;
    for (size_t p = 0; p < parts; ++p) {
      const Shape& s = m_concat ? ctx.in_shape(p) : ctx.out_shape(p);
      const size_t chunk = static_cast<size_t>(s[ax] * inner) * esize;
      std::byte* part = nullptr;
      if (m_concat) {
        part = const_cast<std::byte*>(ctx.in(p).raw());
      } else if (ctx.has_output(p)) {
        part = ctx.new_output(p).raw();
      }
      if (part != nullptr && chunk > 0) {
        for (int64_t o = 0; o < outer; ++o) {
          std::byte* b = big + static_cast<size_t>(o) * row + offset;
          std::byte* c = part + static_cast<size_t>(o) * chunk;
          m_concat ? std::memcpy(b, c, chunk) : std::memcpy(c, b, chunk);
        }
      }
      offset += chunk;
    }
  }

 private:
  bool m_concat;
  int64_t m_axis;
};

// A value's element strides as stored: row-major when plain, else the strides of a oneDNN layout
// without inner blocks (a permutation of the dims such as NHWC); nullopt for other layouts.
std::optional<std::vector<int64_t>> stored_strides(const Buffer& b, const Shape& shape) {
  if (!b.blocked()) return row_major_strides(shape);
  const dnnl_memory_desc_t& d = b.desc.data;
  if (d.format_kind != dnnl_blocked || d.format_desc.blocking.inner_nblks != 0 || d.offset0 != 0 || has_padding(b.desc)) {
    return std::nullopt;
  }
  return std::vector<int64_t>(d.format_desc.blocking.strides, d.format_desc.blocking.strides + d.ndims);
}

// Dense strides of `shape` nesting its dims in the order of `like` (largest stride outermost).
std::vector<int64_t> strides_like(const Shape& shape, const std::vector<int64_t>& like) {
  std::vector<size_t> order(shape.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return like[a] > like[b]; });
  std::vector<int64_t> st(shape.size());
  int64_t acc = 1;
  for (size_t k = order.size(); k-- > 0;) {
    st[order[k]] = acc;
    acc *= shape[order[k]];
  }
  return st;
}

// Slice and Pad read their input in its stored order (plain, or a permuted oneDNN layout, which
// they keep for the output so that a following convolution needs no reorder).
struct StridedIo {
  Tensor src;
  std::vector<int64_t> in_st, out_st;
  Buffer out;

  StridedIo(RunContext& ctx, const Shape& out_shape) {
    const Buffer& in = ctx.in_buffer(0);
    auto st = stored_strides(in, ctx.in_shape(0));
    if (in.blocked() && st) {
      src = in.data;
      in_st = *st;
      out_st = strides_like(out_shape, in_st);
      memory::desc desc(to_dims(out_shape), memory::data_type::f32, out_st);
      out = Buffer{ctx.new_storage(desc), desc};
    } else {
      src = ctx.in(0);
      in_st = row_major_strides(src.shape());
      out_st = row_major_strides(out_shape);
      out = Buffer{ctx.new_output(0), {}};
    }
  }

  // Copies dims elements from src[in_base + Σ i·in_strides] to out[out_base + Σ i·out_st], walking
  // the output in memory order.
  void copy(std::vector<int64_t> dims, int64_t in_base, std::vector<int64_t> in_strides, int64_t out_base) {
    std::vector<size_t> order(dims.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return out_st[a] > out_st[b]; });
    std::vector<int64_t> d(dims.size()), si(dims.size()), so(dims.size());
    for (size_t k = 0; k < order.size(); ++k) {
      d[k] = dims[order[k]];
      si[k] = in_strides[order[k]];
      so[k] = out_st[order[k]];
    }
    copy_nd_any(src.dtype(), d, src.raw(), in_base, si, out.data.raw(), out_base, so);
  }
};

class SliceKernel final : public Kernel {
 public:
  explicit SliceKernel(const KernelSpec& spec) : m_attrs(spec.attr<SliceAttrs>()) {}
  void run(RunContext& ctx) override {
    const Shape& xs = ctx.in_shape(0);
    const Shape& ys = ctx.out_shape(0);
    StridedIo io(ctx, ys);
    std::vector<int64_t> in_st(xs.size());
    int64_t base = 0;
    for (size_t d = 0; d < xs.size(); ++d) {
      const int64_t len = ys[d], start = m_attrs.starts[d], step = m_attrs.steps[d];
      if (len > 0 && (start < 0 || start >= xs[d] || start + (len - 1) * step < 0 || start + (len - 1) * step >= xs[d])) {
        throw ctx.error(fmt::format("slice of dim {} (start {}, step {}, {} elements) leaves the input {}", d, start, step, len,
                                    shape_str(xs)));
      }
      base += start * io.in_st[d];
      in_st[d] = step * io.in_st[d];
    }
    io.copy(ys, base, in_st, 0);
    ctx.set_output(0, std::move(io.out));
  }

 private:
  SliceAttrs m_attrs;
};

template <class T>
void fill(std::byte* p, int64_t n, float value) {
  T v = static_cast<T>(value);
  T* d = reinterpret_cast<T*>(p);
  std::fill(d, d + n, v);
}

class PadKernel final : public Kernel {
 public:
  explicit PadKernel(const KernelSpec& spec) : m_attrs(spec.attr<PadAttrs>()) {}
  void run(RunContext& ctx) override {
    const Shape& xs = ctx.in_shape(0);
    const Shape& ys = ctx.out_shape(0);
    StridedIo io(ctx, ys);
    std::byte* y = io.out.data.raw();
    const int64_t n = numel(ys);
    switch (io.src.dtype()) {
      case DType::f32:
        fill<float>(y, n, m_attrs.value);
        break;
      case DType::i32:
        fill<int32_t>(y, n, m_attrs.value);
        break;
      case DType::i64:
        fill<int64_t>(y, n, m_attrs.value);
        break;
      case DType::i8:
        fill<int8_t>(y, n, m_attrs.value);
        break;
      case DType::u8:
        fill<uint8_t>(y, n, m_attrs.value);
        break;
    }
    const size_t r = xs.size();
    std::vector<int64_t> dims(r);
    int64_t in_base = 0, out_base = 0;
    for (size_t d = 0; d < r; ++d) {
      const int64_t before = m_attrs.pads[d];
      const int64_t first_in = std::max<int64_t>(0, -before);  // first input index kept
      const int64_t first_out = std::max<int64_t>(0, before);  // where it lands
      dims[d] = std::max<int64_t>(0, std::min(xs[d] - first_in, ys[d] - first_out));
      in_base += first_in * io.in_st[d];
      out_base += first_out * io.out_st[d];
    }
    if (numel(dims) > 0) io.copy(dims, in_base, io.in_st, out_base);
    ctx.set_output(0, std::move(io.out));
  }

 private:
  PadAttrs m_attrs;
};

// Resize, one axis at a time (nearest and multilinear interpolation are both separable): along axis d,
// output index o reads input coordinate x(o) (ONNX's coordinate transform), the nearest element or the
// two around it, clamped to the axis.
class ResizeKernel final : public Kernel {
 public:
  explicit ResizeKernel(const KernelSpec& spec) : m_attrs(spec.attr<ResizeAttrs>()) {}
  void run(RunContext& ctx) override {
    const bool linear = m_attrs.mode == ResizeAttrs::Mode::Linear;
    if (linear && ctx.in_dtype(0) != DType::f32) throw ctx.error("linear Resize of a non-float tensor");
    Tensor cur = ctx.in(0);
    const Shape& ys = ctx.out_shape(0);
    for (size_t d = 0; d < ys.size(); ++d) {
      if (cur.shape()[d] == ys[d] && m_attrs.scales[d] == 1.0) continue;
      Shape next = cur.shape();
      next[d] = ys[d];
      Tensor out = ctx.temp(cur.dtype(), next);
      const Taps taps = axis_taps(cur.shape()[d], ys[d], m_attrs.scales[d]);
      const AroundAxis around = around_axis(next, d);  // next[d] is ys[d]
      const int64_t outer = around.outer, out_len = around.extent, inner = around.inner;
      const int64_t in_len = cur.shape()[d];
      if (linear) {
        const float* x = cur.data<float>();
        float* y = out.data<float>();
        parallel_static(outer, outer * out_len * inner, int64_t{1} << 16, [&](int64_t b) {
          for (int64_t o = 0; o < out_len; ++o) {
            const float* a0 = x + (b * in_len + taps.i0[static_cast<size_t>(o)]) * inner;
            const float* a1 = x + (b * in_len + taps.i1[static_cast<size_t>(o)]) * inner;
            const float w1 = taps.w1[static_cast<size_t>(o)], w0 = 1.0f - w1;
            float* dst = y + (b * out_len + o) * inner;
            for (int64_t i = 0; i < inner; ++i) dst[i] = w0 * a0[i] + w1 * a1[i];
          }
        });
      } else {
        const size_t e = dtype_size(cur.dtype());
        const std::byte* x = cur.raw();
        std::byte* y = out.raw();
        for (int64_t b = 0; b < outer; ++b) {
          for (int64_t o = 0; o < out_len; ++o) {
            std::memcpy(y + static_cast<size_t>((b * out_len + o) * inner) * e,
                        x + static_cast<size_t>((b * in_len + taps.i0[static_cast<size_t>(o)]) * inner) * e,
                        static_cast<size_t>(inner) * e);
          }
        }
      }
      cur = std::move(out);
    }
    Tensor& y = ctx.new_output(0);
    if (cur.nbytes() > 0) std::memcpy(y.raw(), cur.raw(), cur.nbytes());
  }

 private:
  struct Taps {
    std::vector<int64_t> i0, i1;
    std::vector<float> w1;  // weight of i1 (linear)
  };

  Taps axis_taps(int64_t in_len, int64_t out_len, double scale) const {
    using C = ResizeAttrs::Coordinates;
    using N = ResizeAttrs::Nearest;
    Taps t;
    for (int64_t o = 0; o < out_len; ++o) {
      const auto od = static_cast<double>(o);
      double x = 0;
      switch (m_attrs.coordinates) {
        case C::HalfPixel:
          x = (od + 0.5) / scale - 0.5;
          break;
        case C::PytorchHalfPixel:
          x = out_len > 1 ? (od + 0.5) / scale - 0.5 : 0.0;
          break;
        case C::AlignCorners:
          x = out_len > 1 ? od * static_cast<double>(in_len - 1) / static_cast<double>(out_len - 1) : 0.0;
          break;
        case C::Asymmetric:
          x = od / scale;
          break;
      }
      if (m_attrs.mode == ResizeAttrs::Mode::Nearest) {
        double r = 0;
        switch (m_attrs.nearest) {
          case N::RoundPreferFloor:
            r = std::ceil(x - 0.5);
            break;
          case N::RoundPreferCeil:
            r = std::floor(x + 0.5);
            break;
          case N::Floor:
            r = std::floor(x);
            break;
          case N::Ceil:
            r = std::ceil(x);
            break;
        }
        t.i0.push_back(std::clamp<int64_t>(static_cast<int64_t>(r), 0, in_len - 1));
        continue;
      }
      x = std::clamp(x, 0.0, static_cast<double>(in_len - 1));
      const auto lo = static_cast<int64_t>(std::floor(x));
      t.i0.push_back(lo);
      t.i1.push_back(std::min(lo + 1, in_len - 1));
      t.w1.push_back(static_cast<float>(x - static_cast<double>(lo)));
    }
    return t;
  }

  ResizeAttrs m_attrs;
};

}  // namespace

std::unique_ptr<Kernel> make_movement_kernel(const KernelSpec& spec) {
  switch (spec.node->op) {
    case OpKind::Reshape:
      return std::make_unique<ReshapeKernel>();
    case OpKind::Transpose:
      return std::make_unique<TransposeKernel>(spec);
    case OpKind::Concat:
    case OpKind::Split:
      return std::make_unique<ConcatSplitKernel>(spec);
    case OpKind::Slice:
      return std::make_unique<SliceKernel>(spec);
    case OpKind::Pad:
      return std::make_unique<PadKernel>(spec);
    case OpKind::Resize:
      return std::make_unique<ResizeKernel>(spec);
    default:
      throw InternalError("make_movement_kernel: unexpected op");
  }
}

}  // namespace aimc::ref
