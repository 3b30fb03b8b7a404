#include "onnx/converters.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <vector>

#include "core/suggest.h"
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

namespace {

const ConverterTable& converter_table() {
  static const ConverterTable table = [] {
    ConverterTable t;
    register_nn_converters(t);
    register_elementwise_converters(t);
    register_shape_converters(t);
    register_quant_converters(t);
    return t;
  }();
  return table;
}

// How to get past an op aimc lacks, where a supported form exists (written as torch code would).
const std::map<std::string, std::string>& workarounds() {
  static const std::map<std::string, std::string> m = {
      {"RNN", "export the recurrent layer as nn.GRU or nn.LSTM (ONNX GRU, LSTM) or unroll it into Linear and Tanh"},
      {"LpNormalization", "write it as x / torch.sqrt((x * x).sum(dim, keepdim=True)) (ReduceSum, Sqrt, Div)"},
      {"Loop", "aimc runs static graphs: unroll the loop in the model, or export a fixed number of steps"},
      {"If", "aimc runs static graphs: export one branch (e.g. with the condition fixed at export time)"},
      {"NonZero", "data-dependent shapes are not supported: use a mask and torch.where instead of indexing"},
  };
  return m;
}

}  // namespace

const Converter* find_converter(const std::string& op_type) {
  const ConverterTable& table = converter_table();
  auto it = table.find(op_type);
  return it == table.end() ? nullptr : &it->second;
}

std::string unsupported_op_message(const std::string& op_type) {
  std::string msg = fmt::format("unsupported op '{}'", op_type);
  if (const auto it = workarounds().find(op_type); it != workarounds().end()) return msg + ": " + it->second;
  std::vector<std::string> names;
  for (const auto& [name, converter] : converter_table()) names.push_back(name);
  std::sort(names.begin(), names.end());
  return msg + did_you_mean(op_type, names) + " (the ops aimc imports: docs/user-guide.md)";
}

}  // namespace aimc::onnx_import
