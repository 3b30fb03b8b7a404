// Index arithmetic on constant tensors at import (constant folding, fusions): row-major strides, a
// gather of elements by linear index, and numpy broadcasting as such an index map.
#pragma once

#include <cstring>
#include <vector>

#include "core/tensor.h"

namespace aimc::onnx_import {

// Row-major strides. In unsigned (wrapping) arithmetic: a tensor with an axis of 0 may have others whose product
// passes int64, and no element of it is ever addressed; one with elements has strides below its size.
inline std::vector<int64_t> strides_of(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (size_t i = s.size(); i-- > 1;)
    st[i - 1] = static_cast<int64_t>(static_cast<uint64_t>(st[i]) * static_cast<uint64_t>(s[i]));
  return st;
}

// out[i] = in[index_map(i)] for every element, whatever the dtype.
template <class F>
Tensor remap(const Tensor& in, Shape out_shape, F index_map) {
  Tensor out = Tensor::uninitialized(in.dtype(), std::move(out_shape));
  size_t es = dtype_size(in.dtype());
  const std::byte* src = in.raw();
  std::byte* dst = out.raw();
  for (int64_t i = 0; i < out.numel(); ++i) std::memcpy(dst + i * es, src + index_map(i) * es, es);
  return out;
}

// The source index of output element i when a tensor of shape `s` is broadcast to shape `out`
// (numpy rules: right-aligned, extent-1 axes repeat).
struct Broadcaster {
  std::vector<int64_t> out_st, src_st;
  Broadcaster(const Shape& out, const Shape& s) : out_st(strides_of(out)), src_st(out.size(), 0) {
    auto st = strides_of(s);
    size_t off = out.size() - s.size();
    for (size_t d = 0; d < s.size(); ++d) src_st[d + off] = s[d] == 1 ? 0 : st[d];
  }
  int64_t operator()(int64_t i) const {
    int64_t src = 0;
    for (size_t d = 0; d < out_st.size(); ++d) {
      src += (i / out_st[d]) * src_st[d];
      i %= out_st[d];
    }
    return src;
  }
};

}  // namespace aimc::onnx_import
