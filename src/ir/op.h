// The canonical op set. Semantics match the ONNX operator of the same name unless noted.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace aimc {

enum class OpKind : uint8_t {
  // Weighted layers (the analog candidates).
  Conv,    // X[N,C,H,W] (or [N,C,L]), W[M,C/group,kH,kW], optional B[M]
  Gemm,    // A[M,K], B, optional C; attrs alpha/beta/trans_a/trans_b (ONNX Gemm)
  MatMul,  // numpy matmul semantics with broadcasting of batch dims
  LSTM,    // ONNX LSTM, forward direction; inputs X,W,R,B,sequence_lens(absent),initial_h,initial_c
  GRU,     // ONNX GRU, forward direction, linear_before_reset=1; inputs X,W,R,B,sequence_lens(absent),initial_h
  // Element-wise binary with numpy broadcasting.
  Add,
  Sub,
  Mul,
  Div,
  Pow,
  // Element-wise unary.
  Relu,
  LeakyRelu,
  Clip,
  Sigmoid,
  Tanh,
  Sign,
  Erf,
  Sqrt,
  Exp,
  Log,
  Neg,
  Abs,
  Reciprocal,
  Floor,
  Ceil,
  Round,  // to the nearest integer, halves to even (ONNX Round, torch.round)
  // Normalisation.
  BatchNormalization,  // inference form: X, scale, B, mean, var
  LayerNormalization,  // X, scale, optional B; normalises over axes [axis, rank)
  Softmax,             // over one axis (opset-13 semantics)
  // Pooling and reductions.
  MaxPool,
  AveragePool,
  GlobalAveragePool,
  ReduceMean,
  ReduceSum,
  ReduceMax,
  ReduceMin,
  ArgMax,  // int64 index of the maximum along one axis (ReduceAttrs: one axis)
  ArgMin,
  TopK,    // the k largest (or smallest) along an axis, sorted: values and int64 indices
  CumSum,  // running sums along an axis (CumSumAttrs)
  // Data movement.
  Reshape,  // to attrs.shape (fully resolved; no 0/-1)
  Transpose,
  Concat,
  Split,
  Slice,
  Pad,
  Resize,  // nearest or (multi)linear interpolation to a new size (ONNX Resize)
  Gather,  // table[indices] along an axis (embedding when the table is constant)
  Cast,
  Expand,  // broadcast to attrs.shape (numpy rules; fully resolved at the import batch)
  Where,   // cond (u8: 0/1) ? x : y with numpy broadcasting of all three
  // Comparisons with numpy broadcasting: u8 outputs, 0 or 1 (ONNX bool).
  Equal,
  Less,
  Greater,
  // Quantisation: QuantizeLinear followed by DequantizeLinear, i.e. fake quantisation.
  FakeQuant,  // X -> (clamp(round(X/s)+z, qmin, qmax) - z) * s, per tensor or per axis
};

inline constexpr int kOpKindCount = static_cast<int>(OpKind::FakeQuant) + 1;

std::string_view op_name(OpKind op);
std::optional<OpKind> op_from_name(std::string_view name);

bool is_elementwise_binary(OpKind op);
bool is_elementwise_unary(OpKind op);

}  // namespace aimc
