#include "onnx/converters.h"

#include <fmt/format.h>

#include "onnx/tensor_proto.h"

namespace aimc::onnx_import {

int64_t axis_arg(const Context& ctx, int64_t axis, int64_t rank) {
  int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) ctx.fail(fmt::format("axis {} is out of range for rank {}", axis, rank));
  return a;
}

DType cast_target(const Context& ctx) {
  if (!ctx.attr("to")) ctx.fail("attribute 'to' is required");
  return dtype_from_onnx(static_cast<int>(ctx.attr_int("to", 0)), "Cast target");
}

const Converter* find_converter(const std::string& op_type) {
  static const ConverterTable table = [] {
    ConverterTable t;
    register_nn_converters(t);
    register_elementwise_converters(t);
    register_shape_converters(t);
    register_quant_converters(t);
    return t;
  }();
  auto it = table.find(op_type);
  return it == table.end() ? nullptr : &it->second;
}

}  // namespace aimc::onnx_import
