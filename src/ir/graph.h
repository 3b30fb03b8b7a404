// Graph: values (tensors) and nodes (ops) in topological order.
//
// Contract: after the importer calls infer_shapes(), every value has a dtype and a shape at the
// import batch size, nodes are topologically ordered, and each value has at most one producer.
// Constant values (weights, folded shapes) carry their Tensor and are never produced by a node.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "ir/attrs.h"
#include "ir/op.h"

namespace aimc {

using ValueId = int32_t;
inline constexpr ValueId kNoValue = -1;

struct Value {
  std::string name;
  DType dtype = DType::f32;
  Shape shape;                     // at the import batch size
  int batch_axis = -1;             // axis that carries the batch; -1 if none
  std::optional<Tensor> constant;  // set for weights and folded constants
  int32_t producer = -1;           // index of the producing node, -1 for inputs/constants

  bool is_constant() const { return constant.has_value(); }
};

struct Node {
  std::string name;
  OpKind op;
  std::vector<ValueId> inputs;   // kNoValue for an absent optional input
  std::vector<ValueId> outputs;  // kNoValue for an absent optional output
  Attrs attrs;

  template <class T>
  const T& attr() const {
    return std::get<T>(attrs);
  }
  template <class T>
  T& attr() {
    return std::get<T>(attrs);
  }
  // Input i, or kNoValue if there is no such input.
  ValueId input(size_t i) const { return i < inputs.size() ? inputs[i] : kNoValue; }
};

class Graph {
 public:
  std::string name;
  int64_t import_batch = 1;  // batch size the stored shapes refer to
  // Set by shape inference when a reshape folds the batch into another axis ([L, B·H, d] in
  // attention, [B·T, C] before a classifier): the stored shapes are one sample's (import batch 1)
  // and executors run the graph one sample at a time, which is exact for inference. Values past
  // the fold carry no batch axis; the graph inputs and outputs always do.
  bool per_sample = false;

  ValueId add_value(Value v);
  ValueId add_constant(std::string name, Tensor t);
  // Appends a node (must come after the producers of its inputs); sets its outputs' producer.
  int32_t add_node(Node n);

  Value& value(ValueId id);
  const Value& value(ValueId id) const;
  Node& node(int32_t i) { return m_nodes.at(static_cast<size_t>(i)); }
  const Node& node(int32_t i) const { return m_nodes.at(static_cast<size_t>(i)); }

  const std::vector<Value>& values() const { return m_values; }
  const std::vector<Node>& nodes() const { return m_nodes; }
  std::vector<Node>& nodes() { return m_nodes; }
  size_t num_values() const { return m_values.size(); }
  size_t num_nodes() const { return m_nodes.size(); }

  std::vector<ValueId> inputs;   // runtime inputs, in order (never constants)
  std::vector<ValueId> outputs;  // in order

  std::optional<ValueId> find_value(const std::string& name) const;

  // Shape of value `id` when the graph runs with batch size `batch`.
  Shape runtime_shape(ValueId id, int64_t batch) const;

  // Removes nodes whose outputs are not needed for the graph outputs, and unused values are
  // left in place (ids stay stable). Returns the number of nodes removed.
  size_t remove_dead_nodes();

  // Deterministic text form (for golden tests and --print-ir).
  std::string to_text(bool with_constants = false) const;

 private:
  std::vector<Value> m_values;
  std::vector<Node> m_nodes;
};

// Infers dtype, shape and batch axis of every node output, checking inputs.
// Throws Error naming the node on a mismatch. Called once by the importer.
void infer_shapes(Graph& g);
// Infers one node's outputs (used by infer_shapes and by importer-side folding).
void infer_node(Graph& g, const Node& n);

}  // namespace aimc
