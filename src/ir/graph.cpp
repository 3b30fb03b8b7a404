#include "ir/graph.h"

#include <fmt/format.h>

namespace aimc {

ValueId Graph::add_value(Value v) {
  m_values.push_back(std::move(v));
  return static_cast<ValueId>(m_values.size() - 1);
}

ValueId Graph::add_constant(std::string name, Tensor t) {
  Value v;
  v.name = std::move(name);
  v.dtype = t.dtype();
  v.shape = t.shape();
  v.constant = std::move(t);
  return add_value(std::move(v));
}

int32_t Graph::add_node(Node n) {
  auto index = static_cast<int32_t>(m_nodes.size());
  for (ValueId in : n.inputs) {
    AIMC_ASSERT(in == kNoValue || (in >= 0 && static_cast<size_t>(in) < m_values.size()), "add_node: bad input id in " + n.name);
  }
  for (ValueId out : n.outputs) {
    if (out == kNoValue) continue;
    Value& v = value(out);
    AIMC_ASSERT(v.producer == -1 && !v.is_constant(), "add_node: value produced twice: " + v.name);
    v.producer = index;
  }
  m_nodes.push_back(std::move(n));
  return index;
}

Value& Graph::value(ValueId id) {
  AIMC_ASSERT(id >= 0 && static_cast<size_t>(id) < m_values.size(), "bad value id");
  return m_values[static_cast<size_t>(id)];
}

const Value& Graph::value(ValueId id) const {
  AIMC_ASSERT(id >= 0 && static_cast<size_t>(id) < m_values.size(), "bad value id");
  return m_values[static_cast<size_t>(id)];
}

std::optional<ValueId> Graph::find_value(const std::string& name) const {
  for (size_t i = 0; i < m_values.size(); ++i) {
    if (m_values[i].name == name) return static_cast<ValueId>(i);
  }
  return std::nullopt;
}

Shape Graph::runtime_shape(ValueId id, int64_t batch) const {
  const Value& v = value(id);
  Shape s = v.shape;
  if (v.batch_axis >= 0) s[static_cast<size_t>(v.batch_axis)] = batch;
  return s;
}

size_t Graph::remove_dead_nodes() {
  std::vector<char> live_value(m_values.size(), 0);
  for (ValueId o : outputs) live_value[static_cast<size_t>(o)] = 1;
  std::vector<char> live_node(m_nodes.size(), 0);
  for (size_t i = m_nodes.size(); i-- > 0;) {
    const Node& n = m_nodes[i];
    bool live = false;
    for (ValueId o : n.outputs) live = live || (o != kNoValue && live_value[static_cast<size_t>(o)]);
    if (!live) continue;
    live_node[i] = 1;
    for (ValueId in : n.inputs) {
      if (in != kNoValue) live_value[static_cast<size_t>(in)] = 1;
    }
  }
  std::vector<Node> kept;
  size_t removed = 0;
  for (size_t i = 0; i < m_nodes.size(); ++i) {
    if (live_node[i]) {
      kept.push_back(std::move(m_nodes[i]));
    } else {
      ++removed;
      for (ValueId o : m_nodes[i].outputs) {
        if (o != kNoValue) m_values[static_cast<size_t>(o)].producer = -1;
      }
    }
  }
  m_nodes = std::move(kept);
  for (size_t i = 0; i < m_nodes.size(); ++i) {
    for (ValueId o : m_nodes[i].outputs) {
      if (o != kNoValue) m_values[static_cast<size_t>(o)].producer = static_cast<int32_t>(i);
    }
  }
  return removed;
}

}  // namespace aimc
