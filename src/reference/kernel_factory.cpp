// Dispatch from an op to its kernel family.
#include <fmt/format.h>

#include "reference/kernel.h"

namespace aimc::ref {

std::unique_ptr<Kernel> make_kernel(const KernelSpec& spec) {
  const OpKind op = spec.node->op;
  switch (op) {
    case OpKind::Conv:
      return make_conv_kernel(spec);
    case OpKind::Gemm:
      return make_gemm_kernel(spec);
    case OpKind::MatMul:
      return make_matmul_kernel(spec);
    case OpKind::LSTM:
    case OpKind::GRU:
      return make_recurrent_kernel(spec);
    case OpKind::BatchNormalization:
    case OpKind::LayerNormalization:
    case OpKind::Softmax:
      return make_norm_kernel(spec);
    case OpKind::MaxPool:
    case OpKind::AveragePool:
    case OpKind::GlobalAveragePool:
      return make_pool_kernel(spec);
    case OpKind::ReduceMean:
    case OpKind::ReduceSum:
    case OpKind::ReduceMax:
    case OpKind::ReduceMin:
    case OpKind::ArgMax:
    case OpKind::ArgMin:
    case OpKind::TopK:
    case OpKind::CumSum:
      return make_reduce_kernel(spec);
    case OpKind::Reshape:
    case OpKind::Transpose:
    case OpKind::Concat:
    case OpKind::Split:
    case OpKind::Slice:
    case OpKind::Pad:
    case OpKind::Resize:
      return make_movement_kernel(spec);
    case OpKind::Gather:
    case OpKind::Cast:
      return make_gather_cast_kernel(spec);
    case OpKind::FakeQuant:
      return make_fake_quant_kernel(spec);
    case OpKind::Expand:
    case OpKind::Where:
    case OpKind::Equal:
    case OpKind::Less:
    case OpKind::Greater:
      return make_select_kernel(spec);
    default:
      break;
  }
  if (is_elementwise_binary(op)) return make_binary_kernel(spec);
  if (is_elementwise_unary(op)) return make_unary_kernel(spec);
  throw InternalError(fmt::format("no reference kernel for {}", op_name(op)));
}

}  // namespace aimc::ref
