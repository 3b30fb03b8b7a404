// Element-wise building blocks shared by kernels: numpy broadcasting and unary float maps.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "core/threads.h"
#include "ir/attrs.h"
#include "ir/op.h"

namespace aimc::ref {

// Two operands broadcast onto an output shape, dims of size 1 dropped and adjacent dims merged,
// so the innermost loop runs over contiguous (stride 1) or repeated (stride 0) elements.
struct BroadcastPlan {
  std::vector<int64_t> dims;       // merged output dims, outermost first; never empty
  std::vector<int64_t> a_strides;  // element strides of operand a per merged dim (0: broadcast)
  std::vector<int64_t> b_strides;
  int64_t total = 1;
};
BroadcastPlan make_broadcast(const Shape& a, const Shape& b, const Shape& out);

// out[i] = f(a[...], b[...]) over the broadcast; parallel over outer rows when large.
template <class T, class U, class F>
void broadcast_apply(const BroadcastPlan& p, const T* a, const T* b, U* out, F f) {
  const size_t r = p.dims.size();
  const int64_t n = p.dims[r - 1];
  const int64_t sa = p.a_strides[r - 1], sb = p.b_strides[r - 1];
  const int64_t outer = n == 0 ? 0 : p.total / n;
  parallel_static(outer, p.total, int64_t{1} << 15, [&](int64_t o) {
    int64_t rem = o, oa = 0, ob = 0;
    for (size_t d = r - 1; d-- > 0;) {
      int64_t i = rem % p.dims[d];
      rem /= p.dims[d];
      oa += i * p.a_strides[d];
      ob += i * p.b_strides[d];
    }
    const T* pa = a + oa;
    const T* pb = b + ob;
    U* po = out + o * n;
    if (sa == 1 && sb == 1) {
      for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], pb[i]);
    } else if (sa == 1 && sb == 0) {
      const T vb = *pb;
      for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], vb);
    } else if (sa == 0 && sb == 1) {
      const T va = *pa;
      for (int64_t i = 0; i < n; ++i) po[i] = f(va, pb[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i * sa], pb[i * sb]);
    }
  });
}

// y[i] = op(x[i]) for a float unary op (Relu ... Round); x may equal y.
void apply_unary(OpKind op, const ScalarAttrs& attrs, const float* x, float* y, int64_t n);

inline float sigmoid(float x) {
  if (x >= 0) return 1.0f / (1.0f + std::exp(-x));
  float e = std::exp(x);
  return e / (1.0f + e);
}

}  // namespace aimc::ref
