// Gather (any axis, negative indices wrap, out-of-range indices are an Error naming the node)
// and Cast (float -> integer truncates toward zero and saturates, NaN -> 0, as numpy's astype
// and onnxruntime do for in-range values).
#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include "core/threads.h"
#include "reference/kernel.h"

namespace aimc::ref {

namespace {

class GatherKernel final : public Kernel {
 public:
  explicit GatherKernel(const KernelSpec& spec) : m_axis(spec.attr<AxisAttrs>().axis) {}

  void run(RunContext& ctx) override {
    const Tensor& data = ctx.in(0);
    const Shape& ds = data.shape();
    const int64_t rank = static_cast<int64_t>(ds.size());
    const auto ax = static_cast<size_t>(m_axis < 0 ? m_axis + rank : m_axis);
    std::vector<int64_t> idx = ctx.in(1).to_int64_vector();
    const AroundAxis around = around_axis(ds, ax);
    const int64_t outer = around.outer, len = around.extent, inner = around.inner;
    for (int64_t& i : idx) {
      if (i < -len || i >= len) {
        throw ctx.error(fmt::format("index {} is out of range [{}, {}) for axis {} of '{}' {}", i, -len, len, ax,
                                    ctx.spec().input_value(0).name, shape_str(ds)));
      }
      if (i < 0) i += len;
    }
    const size_t row = static_cast<size_t>(inner) * dtype_size(data.dtype());
    const std::byte* src = data.raw();
    std::byte* dst = ctx.new_output(0).raw();
    const auto n = static_cast<int64_t>(idx.size());
    parallel_static(outer, outer * n * inner, int64_t{1} << 16, [&](int64_t o) {
      for (int64_t j = 0; j < n; ++j) {
        std::memcpy(dst + static_cast<size_t>(o * n + j) * row, src + static_cast<size_t>(o * len + idx[j]) * row, row);
      }
    });
  }

 private:
  int64_t m_axis;
};

template <class To, class From>
To convert(From v) {
  if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
    if (std::isnan(v)) return 0;
    const double t = std::trunc(static_cast<double>(v));
    if (t <= static_cast<double>(std::numeric_limits<To>::lowest())) return std::numeric_limits<To>::lowest();
    if (t >= static_cast<double>(std::numeric_limits<To>::max())) return std::numeric_limits<To>::max();
    return static_cast<To>(t);
  } else if constexpr (std::is_integral_v<From> && std::is_integral_v<To>) {
    if (std::cmp_less(v, std::numeric_limits<To>::lowest())) return std::numeric_limits<To>::lowest();
    if (std::cmp_greater(v, std::numeric_limits<To>::max())) return std::numeric_limits<To>::max();
    return static_cast<To>(v);
  } else {
    return static_cast<To>(v);
  }
}

template <class To, class From>
void cast_loop(const Tensor& x, Tensor& y) {
  const From* s = x.data<From>();
  To* d = y.data<To>();
  for (int64_t i = 0; i < x.numel(); ++i) d[i] = convert<To>(s[i]);
}

template <class To>
void cast_to(const Tensor& x, Tensor& y) {
  switch (x.dtype()) {
    case DType::f32:
      return cast_loop<To, float>(x, y);
    case DType::i32:
      return cast_loop<To, int32_t>(x, y);
    case DType::i64:
      return cast_loop<To, int64_t>(x, y);
    case DType::i8:
      return cast_loop<To, int8_t>(x, y);
    case DType::u8:
      return cast_loop<To, uint8_t>(x, y);
  }
}

class CastKernel final : public Kernel {
 public:
  void run(RunContext& ctx) override {
    const Tensor& x = ctx.in(0);
    Tensor& y = ctx.new_output(0);
    switch (y.dtype()) {
      case DType::f32:
        return cast_to<float>(x, y);
      case DType::i32:
        return cast_to<int32_t>(x, y);
      case DType::i64:
        return cast_to<int64_t>(x, y);
      case DType::i8:
        return cast_to<int8_t>(x, y);
      case DType::u8:
        return cast_to<uint8_t>(x, y);
    }
  }
};

}  // namespace

std::unique_ptr<Kernel> make_gather_cast_kernel(const KernelSpec& spec) {
  if (spec.node->op == OpKind::Gather) return std::make_unique<GatherKernel>(spec);
  return std::make_unique<CastKernel>();
}

}  // namespace aimc::ref
