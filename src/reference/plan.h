// The executor's run-time plan: which nodes run, fused how, in what order, and when each
// intermediate value dies.
//
// Fusion: a Conv, Gemm or MatMul whose only reader is a Relu/LeakyRelu/Clip takes it as a
// oneDNN post-op; a Conv whose only reader is an Add of a same-shaped operand accumulates that
// operand into its destination (sum post-op), optionally followed by an element-wise op (the
// ResNet "conv, add shortcut, relu" block). A fused step runs where its last node stood.
// Lifetimes: a value is released after the last step that reads it or a Reshape view of it;
// its buffer may then be overwritten in place by that step or recycled by later ones.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "reference/kernel.h"
#include "reference/value_store.h"

namespace aimc::ref {

struct Step {
  KernelSpec spec;               // its kernel is each lane's own (reference/lane.h)
  std::vector<char> stealable;   // per spec input: its buffer may become an output of this step
  std::vector<ValueId> release;  // values dropped after this step
};

struct Plan {
  std::vector<Step> steps;
  std::vector<char> poolable;  // per value: its buffers are recycled when it is released
};

// Nodes needed for the graph outputs (per node index).
std::vector<char> live_nodes(const Graph& graph);

// Evaluates, once, every node in `run` whose inputs are all constants in `store`; its outputs
// become constants there and the node is cleared from `run`.
void fold_constant_nodes(const Graph& graph, ValueStore& store, const dnnl::engine& engine, std::vector<char>& run);

// The lifetimes of a sequence of steps (a step: the node it computes, the values it reads and writes):
// per value whether its buffers are recycled when released (not a graph input or output, not a
// constant, not a Reshape view), per step and input whether the step may overwrite that input's
// buffer (no later step reads it or a view of it), and per step the values dropped after it.
struct StepValues {
  int32_t node = -1;
  std::vector<ValueId> inputs, outputs;
};
struct Lifetimes {
  std::vector<char> poolable;
  std::vector<std::vector<char>> stealable;
  std::vector<std::vector<ValueId>> release;
};
Lifetimes plan_lifetimes(const Graph& graph, const std::vector<StepValues>& steps,
                         const std::function<const Tensor*(ValueId)>& constant);

// `run`: per node, whether it runs per batch (live and not folded into a constant).
Plan make_plan(const Graph& graph, const std::vector<char>& run, const dnnl::engine& engine,
               const std::function<const Tensor*(ValueId)>& constant);

}  // namespace aimc::ref
