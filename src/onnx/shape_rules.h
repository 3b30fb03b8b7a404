// ONNX shape-manipulation rules shared by the converters (run-time values) and the folder
// (constants): each resolves ONNX's conventions (0 = copy, -1 = infer, negative axes,
// clamped slice bounds) into aimc's fully resolved attributes.
#pragma once

#include <optional>
#include <vector>

#include "ir/attrs.h"
#include "onnx/context.h"

namespace aimc::onnx_import {

Shape reshape_target(const Context& ctx, const Shape& in, const std::vector<int64_t>& target, bool allowzero);
Shape flatten_target(const Context& ctx, const Shape& in, int64_t axis);
// Axes of Squeeze/Unsqueeze from the attribute (opset < 13) or input 1 (opset >= 13).
std::optional<std::vector<int64_t>> squeeze_axes(const Context& ctx);
// `keep_axis` (the batch axis, or -1) is never squeezed implicitly.
Shape squeeze_target(const Context& ctx, const Shape& in, const std::optional<std::vector<int64_t>>& axes, int keep_axis);
Shape unsqueeze_target(const Context& ctx, const Shape& in, const std::vector<int64_t>& axes);
std::vector<int64_t> transpose_perm(const Context& ctx, size_t rank);
// Slice attributes of the current node (opset >= 10 inputs, or opset < 10 attributes).
SliceAttrs slice_attrs(const Context& ctx, const Shape& in);
SplitAttrs split_attrs(const Context& ctx, const Shape& in);
PadAttrs pad_attrs(const Context& ctx, size_t rank);

}  // namespace aimc::onnx_import
