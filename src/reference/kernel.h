// The per-step kernel interface of the reference executor, and what a kernel sees while it runs.
//
// A step is one node, or a Conv/Gemm/MatMul node with the element-wise nodes fused into it
// (post-ops). Kernels are built once at preparation (constant weights reordered there or on first
// use, once per layout) and run once per batch; they may cache oneDNN primitives per batch size.
#pragma once

#include <functional>
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/tensor.h"
#include "ir/graph.h"

namespace aimc::ref {

// A value at run time: plain row-major `data`, or oneDNN blocked storage laid out as `desc`.
struct Buffer {
  Tensor data;              // plain: the value itself; blocked: f32 storage of desc.get_size() bytes
  dnnl::memory::desc desc;  // zero desc when plain
  bool blocked() const { return desc.data.ndims != 0; }
};

// An element-wise op fused into a Conv/Gemm/MatMul step and applied, in order, to its result.
// op is Relu, LeakyRelu or Clip (oneDNN eltwise), or Add: accumulate the step's last input (sum).
struct PostOp {
  OpKind op = OpKind::Relu;
  ScalarAttrs attrs;
};

// What a kernel is built from (at preparation).
struct KernelSpec {
  const Graph* graph = nullptr;
  const Node* node = nullptr;    // the primary node: names errors, carries the attributes
  std::vector<ValueId> inputs;   // the node's inputs, then the sum operand of a fused Add
  std::vector<ValueId> outputs;  // the step's outputs (those of its last fused node)
  std::vector<PostOp> post_ops;
  dnnl::engine engine;
  std::function<const Tensor*(ValueId)> constant;  // a graph or folded constant, else nullptr

  ValueId input(size_t i) const { return i < inputs.size() ? inputs[i] : kNoValue; }
  bool has_input(size_t i) const { return input(i) != kNoValue; }
  const Tensor* constant_input(size_t i) const { return has_input(i) ? constant(inputs[i]) : nullptr; }
  const Value& input_value(size_t i) const { return graph->value(inputs.at(i)); }
  const Value& output_value(size_t i) const { return graph->value(outputs.at(i)); }
  template <class T>
  const T& attr() const {
    return node->attr<T>();
  }
  Error error(const std::string& message) const;
  // Index of the fused sum operand among `inputs`, or -1.
  int sum_input() const;
};

class ValueStore;

// A kernel's view of the values while one step runs.
class RunContext {
 public:
  // stealable: per input, whether its buffer may be taken over (nullptr: never).
  RunContext(ValueStore& store, const KernelSpec& spec, const std::vector<char>* stealable);

  int64_t batch() const;
  const dnnl::engine& engine() const { return m_spec.engine; }
  dnnl::stream& stream();
  const KernelSpec& spec() const { return m_spec; }
  Error error(const std::string& message) const { return m_spec.error(message); }

  bool has_input(size_t i) const { return m_spec.has_input(i); }
  const Shape& in_shape(size_t i) const;  // runtime (logical) shape
  DType in_dtype(size_t i) const;
  const Buffer& in_buffer(size_t i);  // as stored: plain or blocked
  const Tensor& in(size_t i);         // plain (a blocked value is reordered once and kept)
  // True if input i's buffer may be reused for an output (no later step reads it).
  bool stealable(size_t i) const;
  Buffer steal(size_t i);  // precondition: stealable(i)

  bool has_output(size_t i) const;
  const Shape& out_shape(size_t i) const;
  // A plain output with the runtime shape and dtype of output i; contents undefined.
  Tensor& new_output(size_t i);
  // Storage for a blocked (or any oneDNN) layout, to be passed to set_output; contents undefined.
  Tensor new_storage(const dnnl::memory::desc& desc);
  // Sets output i (a plain view of an input, a stolen buffer, oneDNN storage).
  void set_output(size_t i, Buffer b);
  // Scratch returned to the pool when the step ends; contents undefined.
  Tensor temp(DType dtype, Shape shape);

 private:
  ValueStore& m_store;
  const KernelSpec& m_spec;
  const std::vector<char>* m_stealable;
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  // Computes the step's outputs for ctx.batch(). Throws Error naming the node on bad data.
  virtual void run(RunContext& ctx) = 0;
};

// One factory per kernel family (kernels_*.cpp); make_kernel dispatches on the node's op.
std::unique_ptr<Kernel> make_kernel(const KernelSpec& spec);
std::unique_ptr<Kernel> make_conv_kernel(const KernelSpec& spec);
std::unique_ptr<Kernel> make_gemm_kernel(const KernelSpec& spec);
std::unique_ptr<Kernel> make_matmul_kernel(const KernelSpec& spec);
std::unique_ptr<Kernel> make_recurrent_kernel(const KernelSpec& spec);  // LSTM, GRU
std::unique_ptr<Kernel> make_binary_kernel(const KernelSpec& spec);
std::unique_ptr<Kernel> make_unary_kernel(const KernelSpec& spec);
std::unique_ptr<Kernel> make_norm_kernel(const KernelSpec& spec);      // BatchNorm, LayerNorm, Softmax
std::unique_ptr<Kernel> make_pool_kernel(const KernelSpec& spec);      // Max/Average/GlobalAveragePool
std::unique_ptr<Kernel> make_reduce_kernel(const KernelSpec& spec);    // ReduceMean, ReduceSum
std::unique_ptr<Kernel> make_movement_kernel(const KernelSpec& spec);  // Reshape ... Pad
std::unique_ptr<Kernel> make_gather_cast_kernel(const KernelSpec& spec);
std::unique_ptr<Kernel> make_fake_quant_kernel(const KernelSpec& spec);
std::unique_ptr<Kernel> make_select_kernel(const KernelSpec& spec);  // Equal Less Greater, Where, Expand

}  // namespace aimc::ref
