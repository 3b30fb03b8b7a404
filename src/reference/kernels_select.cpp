// Comparisons (Equal, Less, Greater: u8 0/1 outputs, as ONNX bool), Where and Expand, all with
// numpy broadcasting. Masks in attention (padding, causal) are what these run; they are small next
// to the matrix products, so plain strided loops suffice.
#include <array>
#include <cstring>
#include <vector>

#include "reference/elementwise.h"
#include "reference/kernel.h"

namespace aimc::ref {

namespace {

// Element strides of `s` broadcast (right-aligned) onto `out`: 0 along broadcast axes.
std::vector<int64_t> broadcast_strides(const Shape& s, const Shape& out) {
  std::vector<int64_t> st(out.size(), 0);
  int64_t acc = 1;
  for (size_t i = s.size(); i-- > 0;) {
    const size_t o = i + (out.size() - s.size());
    st[o] = s[i] == 1 && out[o] != 1 ? 0 : acc;
    acc *= s[i];
  }
  return st;
}

// Calls f(out_index, offsets...) for every output element, with each operand's element offset.
template <size_t N, class F>
void for_each_broadcast(const Shape& out, const std::array<Shape, N>& shapes, F f) {
  std::array<std::vector<int64_t>, N> st;
  for (size_t k = 0; k < N; ++k) st[k] = broadcast_strides(shapes[k], out);
  const int64_t total = numel(out);
  std::vector<int64_t> idx(out.size(), 0);
  std::array<int64_t, N> off{};
  for (int64_t i = 0; i < total; ++i) {
    f(i, off);
    for (size_t d = out.size(); d-- > 0;) {  // odometer step, offsets follow
      ++idx[d];
      for (size_t k = 0; k < N; ++k) off[k] += st[k][d];
      if (idx[d] < out[d]) break;
      for (size_t k = 0; k < N; ++k) off[k] -= st[k][d] * out[d];
      idx[d] = 0;
    }
  }
}

template <class T>
void compare_typed(OpKind op, const BroadcastPlan& p, const Tensor& a, const Tensor& b, uint8_t* out) {
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  switch (op) {
    case OpKind::Equal:
      broadcast_apply(p, pa, pb, out, [](T x, T y) { return static_cast<uint8_t>(x == y); });
      break;
    case OpKind::Less:
      broadcast_apply(p, pa, pb, out, [](T x, T y) { return static_cast<uint8_t>(x < y); });
      break;
    default:
      broadcast_apply(p, pa, pb, out, [](T x, T y) { return static_cast<uint8_t>(x > y); });
      break;
  }
}

class CompareKernel final : public Kernel {
 public:
  explicit CompareKernel(const KernelSpec& spec) : m_op(spec.node->op) {}

  void run(RunContext& ctx) override {
    const Tensor a = ctx.in(0), b = ctx.in(1);
    const BroadcastPlan p = make_broadcast(a.shape(), b.shape(), ctx.out_shape(0));
    uint8_t* out = ctx.new_output(0).data<uint8_t>();
    switch (a.dtype()) {
      case DType::f32:
        return compare_typed<float>(m_op, p, a, b, out);
      case DType::i32:
        return compare_typed<int32_t>(m_op, p, a, b, out);
      case DType::i64:
        return compare_typed<int64_t>(m_op, p, a, b, out);
      case DType::i8:
        return compare_typed<int8_t>(m_op, p, a, b, out);
      case DType::u8:
        return compare_typed<uint8_t>(m_op, p, a, b, out);
    }
  }

 private:
  OpKind m_op;
};

class WhereKernel final : public Kernel {
 public:
  void run(RunContext& ctx) override {
    const Tensor c = ctx.in(0), x = ctx.in(1), y = ctx.in(2);
    Tensor& out = ctx.new_output(0);
    const size_t es = dtype_size(out.dtype());
    const uint8_t* pc = c.data<uint8_t>();
    for_each_broadcast<3>(out.shape(), {c.shape(), x.shape(), y.shape()}, [&](int64_t i, const std::array<int64_t, 3>& off) {
      const std::byte* src =
          pc[off[0]] != 0 ? x.raw() + static_cast<size_t>(off[1]) * es : y.raw() + static_cast<size_t>(off[2]) * es;
      std::memcpy(out.raw() + static_cast<size_t>(i) * es, src, es);
    });
  }
};

class ExpandKernel final : public Kernel {
 public:
  void run(RunContext& ctx) override {
    const Tensor x = ctx.in(0);
    Tensor& out = ctx.new_output(0);
    const size_t es = dtype_size(out.dtype());
    for_each_broadcast<1>(out.shape(), {x.shape()}, [&](int64_t i, const std::array<int64_t, 1>& off) {
      std::memcpy(out.raw() + static_cast<size_t>(i) * es, x.raw() + static_cast<size_t>(off[0]) * es, es);
    });
  }
};

}  // namespace

std::unique_ptr<Kernel> make_select_kernel(const KernelSpec& spec) {
  switch (spec.node->op) {
    case OpKind::Where:
      return std::make_unique<WhereKernel>();
    case OpKind::Expand:
      return std::make_unique<ExpandKernel>();
    default:
      return std::make_unique<CompareKernel>(spec);
  }
}

}  // namespace aimc::ref
