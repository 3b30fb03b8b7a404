#include "onnx/context.h"

#include <fmt/format.h>

namespace aimc::onnx_import {

void Context::fail(const std::string& message) const {
  throw Error(message, ErrorContext{.file = m_file, .node = m_node_name, .op = m_node->op_type()});
}

void Context::fail_batch(const std::string& message) const {
  throw BatchAxisError(message, ErrorContext{.file = m_file, .node = m_node_name, .op = m_node->op_type()});
}

const std::string& Context::input_name(size_t i) const {
  if (i >= num_inputs()) fail(fmt::format("has {} input(s); expected at least {}", num_inputs(), i + 1));
  return m_node->input(static_cast<int>(i));
}

const std::string& Context::output_name(size_t i) const {
  if (i >= num_outputs()) fail(fmt::format("has {} output(s); expected at least {}", num_outputs(), i + 1));
  return m_node->output(static_cast<int>(i));
}

ValueId Context::input(size_t i) const {
  if (!has_input(i)) fail(fmt::format("input {} is required", i));
  const std::string& name = m_node->input(static_cast<int>(i));
  auto v = lookup(name);
  if (!v && pending_quant(name)) {
    fail(
        fmt::format("input '{}' is the integer output of a QuantizeLinear; aimc supports QuantizeLinear only "
                    "followed by DequantizeLinear (QDQ)",
                    name));
  }
  if (!v) fail(fmt::format("input '{}' is not produced by any earlier node, initializer or graph input", name));
  return *v;
}

const Tensor& Context::constant_input(size_t i, const std::string& what) const {
  const Value& v = input_value(i);
  if (!v.is_constant()) fail(fmt::format("{} (input '{}') must be a constant", what, v.name));
  return *v.constant;
}

std::vector<int64_t> Context::constant_ints(size_t i, const std::string& what) const {
  const Tensor& t = constant_input(i, what);
  if (t.dtype() == DType::f32) fail(fmt::format("{} must be integers", what));
  return t.to_int64_vector();
}

const onnx::AttributeProto* Context::attr(const std::string& name) const {
  for (const auto& a : m_node->attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

int64_t Context::attr_int(const std::string& name, int64_t fallback) const {
  const auto* a = attr(name);
  return a ? a->i() : fallback;
}

float Context::attr_float(const std::string& name, float fallback) const {
  const auto* a = attr(name);
  return a ? a->f() : fallback;
}

std::string Context::attr_string(const std::string& name, const std::string& fallback) const {
  const auto* a = attr(name);
  return a ? a->s() : fallback;
}

std::optional<std::vector<int64_t>> Context::attr_ints(const std::string& name) const {
  const auto* a = attr(name);
  if (!a) return std::nullopt;
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

std::optional<std::vector<float>> Context::attr_floats(const std::string& name) const {
  const auto* a = attr(name);
  if (!a) return std::nullopt;
  return std::vector<float>(a->floats().begin(), a->floats().end());
}

void Context::expect_attrs(std::initializer_list<const char*> known) const {
  for (const auto& a : m_node->attribute()) {
    bool ok = false;
    for (const char* k : known) ok = ok || a.name() == k;
    if (!ok) fail(fmt::format("attribute '{}' is not supported", a.name()));
  }
}

bool Context::output_used(size_t i) const {
  if (i >= num_outputs()) return false;
  const std::string& name = m_node->output(static_cast<int>(i));
  return !name.empty() && uses(name) > 0;
}

void Context::alias_output(size_t i, ValueId v) {
  if (i < num_outputs() && !m_node->output(static_cast<int>(i)).empty()) bind(m_node->output(static_cast<int>(i)), v);
}

void Context::constant_output(size_t i, Tensor t) {
  if (i >= num_outputs() || m_node->output(static_cast<int>(i)).empty()) return;
  const std::string& name = m_node->output(static_cast<int>(i));
  bind(name, m_graph.add_constant(name, std::move(t)));
}

void Context::count_folded(int64_t n) {
  m_folded += n;
  if (m_folded > m_fold_budget) {
    fail(fmt::format("the model's constant folds add up to more than {} elements (computed at import, one by one)",
                     m_fold_budget));
  }
}

std::vector<ValueId> Context::emit(OpKind op, std::vector<ValueId> inputs, Attrs attrs, size_t max_outputs) {
  Node n{.name = m_node_name, .op = op, .inputs = std::move(inputs), .outputs = {}, .attrs = std::move(attrs)};
  for (const std::string& name : m_node->output()) {
    if (n.outputs.size() == max_outputs) break;
    if (name.empty()) {
      n.outputs.push_back(kNoValue);
      continue;
    }
    Value v;
    v.name = name;
    ValueId id = m_graph.add_value(std::move(v));
    bind(name, id);
    n.outputs.push_back(id);
  }
  std::vector<ValueId> outs = n.outputs;
  int32_t index = m_graph.add_node(std::move(n));
  try {
    infer_node(m_graph, m_graph.node(index));
  } catch (Error& e) {
    e.with_file(m_file);
    throw;
  }
  return outs;
}

ValueId Context::emit_internal(OpKind op, std::vector<ValueId> inputs, Attrs attrs, const std::string& suffix) {
  return emit_internal(op, std::move(inputs), std::move(attrs), suffix, 1)[0];
}

std::vector<ValueId> Context::emit_internal(OpKind op, std::vector<ValueId> inputs, Attrs attrs, const std::string& suffix,
                                            size_t n_outputs) {
  const std::string name = m_node_name + "/" + suffix;
  std::vector<ValueId> outs;
  for (size_t i = 0; i < n_outputs; ++i) {
    Value v;
    v.name = i == 0 ? name : fmt::format("{}:{}", name, i);
    outs.push_back(m_graph.add_value(std::move(v)));
  }
  int32_t index =
      m_graph.add_node(Node{.name = name, .op = op, .inputs = std::move(inputs), .outputs = outs, .attrs = std::move(attrs)});
  try {
    infer_node(m_graph, m_graph.node(index));
  } catch (Error& e) {
    e.with_file(m_file);
    throw;
  }
  return outs;
}

ValueId Context::add_constant(const std::string& suffix, Tensor t) {
  return m_graph.add_constant(m_node_name + "/" + suffix, std::move(t));
}

std::optional<ValueId> Context::lookup(const std::string& onnx_name) const {
  auto it = m_symbols.find(onnx_name);
  if (it == m_symbols.end()) return std::nullopt;
  return it->second;
}

const PendingQuant* Context::pending_quant(const std::string& onnx_name) const {
  auto it = m_pending.find(onnx_name);
  return it == m_pending.end() ? nullptr : &it->second;
}

int Context::uses(const std::string& onnx_name) const {
  auto it = m_uses.find(onnx_name);
  return it == m_uses.end() ? 0 : it->second;
}

}  // namespace aimc::onnx_import
