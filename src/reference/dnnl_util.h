// Small helpers between aimc tensors and oneDNN memory.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "reference/kernel.h"

namespace aimc::ref {

using dnnl::memory;

memory::dims to_dims(const Shape& shape);
memory::data_type dnnl_type(DType t);
// Row-major (C order) descriptor of `shape`.
memory::desc plain_desc(const Shape& shape, DType dtype = DType::f32);
// Row-major descriptor of `dims` viewed with explicit strides (for transposed operands).
memory::desc strided_desc(const memory::dims& dims, const memory::dims& strides);
// oneDNN memory over a tensor's storage (no copy; the tensor must outlive the use).
memory wrap(const Tensor& t, const memory::desc& desc, const dnnl::engine& engine);
// True when the layout has padding (blocked channels beyond the logical size).
bool has_padding(const memory::desc& desc);
// A buffer's layout: its blocked desc, or the plain desc of `shape`.
memory::desc layout_of(const Buffer& b, const Shape& shape);
void reorder(dnnl::stream& stream, const memory& src, const memory& dst);

// Input i of the step in layout `want`: the stored buffer when it already has that layout,
// otherwise a reordered scratch copy.
memory input_as(RunContext& ctx, size_t i, const memory::desc& want);
// Destination for a fused sum: input i's buffer taken over when its layout is `want`,
// otherwise fresh storage holding a reordered copy of it.
Tensor sum_destination(RunContext& ctx, size_t i, const memory::desc& want);
// oneDNN post-ops for a step's fused element-wise ops and sum.
dnnl::primitive_attr post_op_attr(const std::vector<PostOp>& ops);

// A constant weight tensor reordered once per requested layout.
class WeightCache {
 public:
  WeightCache() = default;
  WeightCache(Tensor plain, memory::desc plain_layout) : m_plain(std::move(plain)), m_layout(std::move(plain_layout)) {}
  memory get(const memory::desc& want, const dnnl::engine& engine, dnnl::stream& stream);

 private:
  Tensor m_plain;
  memory::desc m_layout;
  std::vector<std::pair<memory::desc, memory>> m_reordered;
};

}  // namespace aimc::ref
