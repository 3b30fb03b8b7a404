// State shared by the ONNX converters while one model is imported.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "ir/graph.h"

namespace aimc::onnx_import {

// The integer output of a QuantizeLinear, waiting for its DequantizeLinear.
struct PendingQuant {
  ValueId x = kNoValue;  // the float value that was quantised
  std::vector<float> scale;
  std::vector<int32_t> zero_point;
  int64_t axis = 1;
  int32_t qmin = 0, qmax = 255;
};

class Context {
 public:
  Context(Graph& graph, std::string file, std::string model_dir, int64_t opset, int64_t fold_budget)
      : m_graph(graph), m_file(std::move(file)), m_model_dir(std::move(model_dir)), m_opset(opset), m_fold_budget(fold_budget) {}

  Graph& graph() { return m_graph; }
  int64_t opset() const { return m_opset; }
  const std::string& model_dir() const { return m_model_dir; }

  // The node being converted (set by the importer), for names and messages.
  void begin_node(const onnx::NodeProto& node, std::string name) {
    m_node = &node;
    m_node_name = std::move(name);
  }
  const onnx::NodeProto& node() const { return *m_node; }
  // The name of input / output i; Error when the node has fewer (a damaged or hand-written model).
  const std::string& input_name(size_t i) const;
  const std::string& output_name(size_t i) const;
  const std::string& node_name() const { return m_node_name; }

  // An Error about the current node.
  [[noreturn]] void fail(const std::string& message) const;
  // Fails with a BatchAxisError: the node would mix samples along the batch axis.
  [[noreturn]] void fail_batch(const std::string& message) const;

  // --- Inputs of the current node -------------------------------------------------------
  size_t num_inputs() const { return static_cast<size_t>(m_node->input_size()); }
  bool has_input(size_t i) const { return i < num_inputs() && !m_node->input(static_cast<int>(i)).empty(); }
  // Value of input i (fails if absent or unknown).
  ValueId input(size_t i) const;
  // Input i or kNoValue when absent.
  ValueId optional_input(size_t i) const { return has_input(i) ? input(i) : kNoValue; }
  const Value& input_value(size_t i) const { return m_graph.value(input(i)); }
  bool input_is_constant(size_t i) const { return has_input(i) && input_value(i).is_constant(); }
  // Constant input i; fails with "<what> must be a constant" when it is computed at run time.
  const Tensor& constant_input(size_t i, const std::string& what) const;
  std::vector<int64_t> constant_ints(size_t i, const std::string& what) const;

  // --- Attributes ------------------------------------------------------------------------
  const onnx::AttributeProto* attr(const std::string& name) const;
  int64_t attr_int(const std::string& name, int64_t fallback) const;
  float attr_float(const std::string& name, float fallback) const;
  std::string attr_string(const std::string& name, const std::string& fallback) const;
  std::optional<std::vector<int64_t>> attr_ints(const std::string& name) const;
  std::optional<std::vector<float>> attr_floats(const std::string& name) const;
  // Fails if the node has an attribute not in `known` (silently ignoring one could change results).
  void expect_attrs(std::initializer_list<const char*> known) const;

  // --- Outputs ---------------------------------------------------------------------------
  size_t num_outputs() const { return static_cast<size_t>(m_node->output_size()); }
  bool output_used(size_t i) const;
  // Binds output i of the current node to an existing value (Identity, Dropout, folding).
  void alias_output(size_t i, ValueId v);
  // Binds output i to a new constant.
  void constant_output(size_t i, Tensor t);
  // Counts n elements the constant folder computed; fails once the model's folds together pass
  // the budget (ImportOptions::fold_budget). One folded constant holds at most half the budget.
  void count_folded(int64_t n);
  int64_t max_folded_constant() const { return m_fold_budget / 2; }

  // Adds a canonical node whose outputs are the current node's first `max_outputs` outputs
  // (in order; absent outputs become kNoValue), infers its shapes, and returns its output ids.
  std::vector<ValueId> emit(OpKind op, std::vector<ValueId> inputs, Attrs attrs = {}, size_t max_outputs = 1);
  // Adds a helper node with one fresh output value (named after the current node + suffix).
  ValueId emit_internal(OpKind op, std::vector<ValueId> inputs, Attrs attrs, const std::string& suffix);
  // The same with `n_outputs` fresh outputs (the first named after the node + suffix, then ":1", ...).
  std::vector<ValueId> emit_internal(OpKind op, std::vector<ValueId> inputs, Attrs attrs, const std::string& suffix,
                                     size_t n_outputs);
  ValueId add_constant(const std::string& suffix, Tensor t);

  // --- Symbol table ----------------------------------------------------------------------
  void bind(const std::string& onnx_name, ValueId v) { m_symbols[onnx_name] = v; }
  std::optional<ValueId> lookup(const std::string& onnx_name) const;
  // Marks a value as used by some node (the graph outputs count as uses).
  void add_use(const std::string& onnx_name) { ++m_uses[onnx_name]; }
  int uses(const std::string& onnx_name) const;

  // QuantizeLinear outputs are held back until a DequantizeLinear (possibly after a Clip)
  // turns the pair into a FakeQuant node.
  void set_pending_quant(const std::string& onnx_name, PendingQuant q) { m_pending[onnx_name] = std::move(q); }
  const PendingQuant* pending_quant(const std::string& onnx_name) const;

 private:
  Graph& m_graph;
  std::string m_file;
  std::string m_model_dir;
  int64_t m_opset;
  const onnx::NodeProto* m_node = nullptr;
  std::string m_node_name;
  std::unordered_map<std::string, ValueId> m_symbols;
  std::unordered_map<std::string, int> m_uses;
  std::unordered_map<std::string, PendingQuant> m_pending;
  int64_t m_fold_budget;
  int64_t m_folded = 0;
};

// A converter maps the current ONNX node onto canonical nodes or constants.
using Converter = std::function<void(Context&)>;

// Converter for an ONNX op type, or nullptr if aimc does not support it.
const Converter* find_converter(const std::string& op_type);
// "unsupported op 'X'" with how to express it in supported ops, when there is a way, else the
// closest supported name and where the list is.
std::string unsupported_op_message(const std::string& op_type);

// Constant folding: evaluates ONNX node `op_type` on constant inputs. Returns false when the op
// is not one the folder handles (the importer then emits canonical nodes evaluated at run time).
bool try_fold(Context& ctx);

}  // namespace aimc::onnx_import
