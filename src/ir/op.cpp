#include "ir/op.h"

#include <array>

namespace aimc {

namespace {
constexpr std::array<std::string_view, kOpKindCount> kNames = {
    "Conv",
    "Gemm",
    "MatMul",
    "LSTM",
    "GRU",
    "Add",
    "Sub",
    "Mul",
    "Div",
    "Pow",
    "Relu",
    "LeakyRelu",
    "Clip",
    "Sigmoid",
    "Tanh",
    "Sign",
    "Erf",
    "Sqrt",
    "Exp",
    "Log",
    "Neg",
    "Abs",
    "Reciprocal",
    "Floor",
    "Ceil",
    "Round",
    "BatchNormalization",
    "LayerNormalization",
    "Softmax",
    "MaxPool",
    "AveragePool",
    "GlobalAveragePool",
    "ReduceMean",
    "ReduceSum",
    "ReduceMax",
    "ReduceMin",
    "ArgMax",
    "ArgMin",
    "TopK",
    "CumSum",
    "Reshape",
    "Transpose",
    "Concat",
    "Split",
    "Slice",
    "Pad",
    "Resize",
    "Gather",
    "Cast",
    "Expand",
    "Where",
    "Equal",
    "Less",
    "Greater",
    "FakeQuant",
};
}  // namespace

std::string_view op_name(OpKind op) { return kNames[static_cast<size_t>(op)]; }

std::optional<OpKind> op_from_name(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<OpKind>(i);
  }
  return std::nullopt;
}

bool is_elementwise_binary(OpKind op) { return op >= OpKind::Add && op <= OpKind::Pow; }
bool is_elementwise_unary(OpKind op) { return op >= OpKind::Relu && op <= OpKind::Round; }

}  // namespace aimc
