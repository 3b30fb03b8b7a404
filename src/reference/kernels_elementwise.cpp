// Element-wise binary ops with numpy broadcasting (Add Sub Mul Div Pow; f32 and integer types)
// and unary ops (Relu ... Round; Neg Abs Sign Relu also on integers).
//
// Blocked (oneDNN) inputs are processed in their layout when every operand has the same layout
// and the op maps the zero padding to zero; the output keeps that layout. An input no later
// step reads is overwritten in place.
#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "core/threads.h"
#include "reference/dnnl_util.h"
#include "reference/elementwise.h"

namespace aimc::ref {

BroadcastPlan make_broadcast(const Shape& a, const Shape& b, const Shape& out) {
  const size_t r = out.size();
  auto strides = [r, &out](const Shape& s) {
    std::vector<int64_t> st(r, 0);
    int64_t acc = 1;
    for (size_t i = s.size(); i-- > 0;) {
      size_t o = i + (r - s.size());
      st[o] = (s[i] == 1 && out[o] != 1) ? 0 : acc;
      acc *= s[i];
    }
    return st;
  };
  std::vector<int64_t> sa = strides(a), sb = strides(b);
  BroadcastPlan p;
  for (size_t i = 0; i < r; ++i) {
    if (out[i] == 1) continue;
    if (!p.dims.empty()) {
      size_t k = p.dims.size() - 1;
      // Merge with the previous dim when both operands step through them as one.
      if (p.a_strides[k] == sa[i] * out[i] && p.b_strides[k] == sb[i] * out[i]) {
        p.dims[k] *= out[i];
        p.a_strides[k] = sa[i];
        p.b_strides[k] = sb[i];
        continue;
      }
    }
    p.dims.push_back(out[i]);
    p.a_strides.push_back(sa[i]);
    p.b_strides.push_back(sb[i]);
  }
  if (p.dims.empty()) {
    p.dims = {1};
    p.a_strides = {1};
    p.b_strides = {1};
  }
  p.total = numel(out);
  return p;
}

namespace {

// Over the threads for large n, else without opening a region (a region ends with a system call even
// when its `if` clause is false: core/threads.h).
template <class F>
void map_floats(const float* x, float* y, int64_t n, F f) {
  if (n >= (int64_t{1} << 16) && spread_over_threads(n)) {
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
    return;
  }
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

}  // namespace

void apply_unary(OpKind op, const ScalarAttrs& a, const float* x, float* y, int64_t n) {
  switch (op) {
    case OpKind::Relu:
      return map_floats(x, y, n, [](float v) { return v > 0.0f ? v : 0.0f; });
    case OpKind::LeakyRelu: {
      const float alpha = a.alpha;
      return map_floats(x, y, n, [alpha](float v) { return v < 0.0f ? alpha * v : v; });
    }
    case OpKind::Clip: {
      const float lo = a.min, hi = a.max;
      return map_floats(x, y, n, [lo, hi](float v) { return v < lo ? lo : (v > hi ? hi : v); });
    }
    case OpKind::Sigmoid:
      return map_floats(x, y, n, [](float v) { return sigmoid(v); });
    case OpKind::Tanh:
      return map_floats(x, y, n, [](float v) { return std::tanh(v); });
    case OpKind::Sign:
      return map_floats(x, y, n, [](float v) { return v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : 0.0f); });
    case OpKind::Erf:
      return map_floats(x, y, n, [](float v) { return std::erf(v); });
    case OpKind::Sqrt:
      return map_floats(x, y, n, [](float v) { return std::sqrt(v); });
    case OpKind::Exp:
      return map_floats(x, y, n, [](float v) { return std::exp(v); });
    case OpKind::Log:
      return map_floats(x, y, n, [](float v) { return std::log(v); });
    case OpKind::Neg:
      return map_floats(x, y, n, [](float v) { return -v; });
    case OpKind::Abs:
      return map_floats(x, y, n, [](float v) { return std::fabs(v); });
    case OpKind::Reciprocal:
      return map_floats(x, y, n, [](float v) { return 1.0f / v; });
    case OpKind::Floor:
      return map_floats(x, y, n, [](float v) { return std::floor(v); });
    case OpKind::Ceil:
      return map_floats(x, y, n, [](float v) { return std::ceil(v); });
    case OpKind::Round:  // the default rounding mode: to nearest, halves to even
      return map_floats(x, y, n, [](float v) { return std::nearbyint(v); });
    default:
      break;
  }
  throw InternalError(fmt::format("apply_unary: {} is not a unary op", op_name(op)));
}

namespace {

template <class T>
T int_unary(OpKind op, T v) {
  if constexpr (std::is_signed_v<T>) {
    switch (op) {
      case OpKind::Neg:
        return static_cast<T>(-v);
      case OpKind::Abs:
        return v < 0 ? static_cast<T>(-v) : v;
      case OpKind::Sign:
        return static_cast<T>(v > 0 ? 1 : (v < 0 ? -1 : 0));
      default:
        return v > 0 ? v : T{0};  // Relu
    }
  } else {
    switch (op) {
      case OpKind::Neg:
        return static_cast<T>(-v);
      case OpKind::Sign:
        return static_cast<T>(v > 0 ? 1 : 0);
      default:
        return v;  // Abs, Relu
    }
  }
}

// out = op(a, b) over a broadcast, for one element type.
template <class T>
void binary_typed(const KernelSpec& spec, OpKind op, const BroadcastPlan& p, const T* a, const T* b, T* out, int64_t b_count) {
  switch (op) {
    case OpKind::Add:
      return broadcast_apply(p, a, b, out, [](T x, T y) { return static_cast<T>(x + y); });
    case OpKind::Sub:
      return broadcast_apply(p, a, b, out, [](T x, T y) { return static_cast<T>(x - y); });
    case OpKind::Mul:
      return broadcast_apply(p, a, b, out, [](T x, T y) { return static_cast<T>(x * y); });
    case OpKind::Div:
      if constexpr (std::is_integral_v<T>) {
        for (int64_t i = 0; i < b_count; ++i) {
          if (b[i] == 0) throw spec.error("integer division by zero");
        }
      }
      return broadcast_apply(p, a, b, out, [](T x, T y) { return static_cast<T>(x / y); });
    case OpKind::Pow:
      if constexpr (std::is_same_v<T, float>) {
        return broadcast_apply(p, a, b, out, [](float x, float y) { return std::pow(x, y); });
      } else {
        return broadcast_apply(p, a, b, out,
                               [](T x, T y) { return static_cast<T>(std::pow(static_cast<double>(x), static_cast<double>(y))); });
      }
    default:
      break;
  }
  throw InternalError("binary_typed: not a binary op");
}

template <class T>
void binary_dispatch(const KernelSpec& spec, const BroadcastPlan& p, const Tensor& a, const Tensor& b, std::byte* out) {
  binary_typed<T>(spec, spec.node->op, p, a.data<T>(), b.data<T>(), reinterpret_cast<T*>(out), b.numel());
}

void run_binary(const KernelSpec& spec, const BroadcastPlan& p, const Tensor& a, const Tensor& b, std::byte* out) {
  switch (a.dtype()) {
    case DType::f32:
      return binary_dispatch<float>(spec, p, a, b, out);
    case DType::i32:
      return binary_dispatch<int32_t>(spec, p, a, b, out);
    case DType::i64:
      return binary_dispatch<int64_t>(spec, p, a, b, out);
    case DType::i8:
      return binary_dispatch<int8_t>(spec, p, a, b, out);
    case DType::u8:
      return binary_dispatch<uint8_t>(spec, p, a, b, out);
  }
}

// Whether op(0, 0) == 0 (so blocked zero padding stays zero).
bool keeps_zero(const KernelSpec& spec) {
  OpKind op = spec.node->op;
  if (is_elementwise_binary(op)) return op == OpKind::Add || op == OpKind::Sub || op == OpKind::Mul;
  float zero = 0.0f, y = 1.0f;
  bool has_attrs = op == OpKind::Clip || op == OpKind::LeakyRelu;
  apply_unary(op, has_attrs ? spec.attr<ScalarAttrs>() : ScalarAttrs{}, &zero, &y, 1);
  return y == 0.0f;
}

// Output storage for an element-wise op: a dying same-shaped input's buffer, else a fresh one.
Buffer output_like(RunContext& ctx, size_t n_inputs, const memory::desc& blocked) {
  for (size_t i = 0; i < n_inputs; ++i) {
    if (!ctx.stealable(i) || ctx.in_shape(i) != ctx.out_shape(0) || ctx.in_dtype(i) != ctx.spec().output_value(0).dtype) {
      continue;
    }
    const Buffer& b = ctx.in_buffer(i);
    if (blocked.data.ndims != 0 ? (b.blocked() && b.desc == blocked) : !b.blocked()) return ctx.steal(i);
  }
  if (blocked.data.ndims != 0) return Buffer{ctx.new_storage(blocked), blocked};
  return Buffer{ctx.new_output(0), {}};
}

class BinaryKernel final : public Kernel {
 public:
  explicit BinaryKernel(const KernelSpec& spec) : m_keeps_zero(keeps_zero(spec)) {}

  void run(RunContext& ctx) override {
    const Shape& os = ctx.out_shape(0);
    const Buffer& a = ctx.in_buffer(0);
    const Buffer& b = ctx.in_buffer(1);
    if (a.blocked() && b.blocked() && a.desc == b.desc && ctx.in_shape(0) == os && ctx.in_shape(1) == os &&
        (m_keeps_zero || !has_padding(a.desc))) {
      Tensor ta = a.data, tb = b.data;  // keep both alive if one is taken over
      memory::desc desc = a.desc;
      Buffer out = output_like(ctx, 2, desc);
      Shape flat{ta.numel()};
      run_binary(ctx.spec(), make_broadcast(flat, flat, flat), ta, tb, out.data.raw());
      ctx.set_output(0, std::move(out));
      return;
    }
    Tensor ta = ctx.in(0), tb = ctx.in(1);
    BroadcastPlan p = make_broadcast(ta.shape(), tb.shape(), os);
    Buffer out = output_like(ctx, 2, memory::desc());
    run_binary(ctx.spec(), p, ta, tb, out.data.raw());
    ctx.set_output(0, std::move(out));
  }

 private:
  bool m_keeps_zero;
};

template <class T>
void int_unary_loop(OpKind op, const T* x, T* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = int_unary(op, x[i]);
}

class UnaryKernel final : public Kernel {
 public:
  explicit UnaryKernel(const KernelSpec& spec) : m_op(spec.node->op), m_keeps_zero(keeps_zero(spec)) {
    if (m_op == OpKind::LeakyRelu || m_op == OpKind::Clip) m_attrs = spec.attr<ScalarAttrs>();
  }

  void run(RunContext& ctx) override {
    const Buffer& in = ctx.in_buffer(0);
    if (in.blocked() && (m_keeps_zero || !has_padding(in.desc))) {
      Tensor x = in.data;
      Buffer out = output_like(ctx, 1, in.desc);
      apply_unary(m_op, m_attrs, x.data<float>(), out.data.data<float>(), x.numel());
      ctx.set_output(0, std::move(out));
      return;
    }
    Tensor x = ctx.in(0);
    Buffer out = output_like(ctx, 1, memory::desc());
    const int64_t n = x.numel();
    switch (x.dtype()) {
      case DType::f32:
        apply_unary(m_op, m_attrs, x.data<float>(), out.data.data<float>(), n);
        break;
      case DType::i32:
        int_unary_loop(m_op, x.data<int32_t>(), out.data.data<int32_t>(), n);
        break;
      case DType::i64:
        int_unary_loop(m_op, x.data<int64_t>(), out.data.data<int64_t>(), n);
        break;
      case DType::i8:
        int_unary_loop(m_op, x.data<int8_t>(), out.data.data<int8_t>(), n);
        break;
      case DType::u8:
        int_unary_loop(m_op, x.data<uint8_t>(), out.data.data<uint8_t>(), n);
        break;
    }
    ctx.set_output(0, std::move(out));
  }

 private:
  OpKind m_op;
  bool m_keeps_zero;
  ScalarAttrs m_attrs;
};

}  // namespace

std::unique_ptr<Kernel> make_binary_kernel(const KernelSpec& spec) { return std::make_unique<BinaryKernel>(spec); }
std::unique_ptr<Kernel> make_unary_kernel(const KernelSpec& spec) { return std::make_unique<UnaryKernel>(spec); }

}  // namespace aimc::ref
