#include "reference/value_store.h"

#include <fmt/format.h>

#include "reference/dnnl_util.h"

namespace aimc::ref {

// ---- BufferPool ----

Tensor BufferPool::take(DType dtype, Shape shape) {
  auto it = m_free.find({dtype, numel(shape)});
  if (it == m_free.end()) return Tensor::uninitialized(dtype, std::move(shape));  // as a reused one: filled by its writer
  Tensor t = it->second.tensor.reshaped(std::move(shape));
  m_free.erase(it);
  return t;
}

void BufferPool::give(Tensor t) {
  if (t.numel() == 0) return;
  auto key = std::make_pair(t.dtype(), t.numel());
  m_free.emplace(key, Entry{std::move(t), m_generation});
}

void BufferPool::trim() {
  for (auto it = m_free.begin(); it != m_free.end();) {
    it = it->second.generation < m_generation ? m_free.erase(it) : std::next(it);
  }
  ++m_generation;
}

// ---- ValueStore ----

ValueStore::ValueStore(const Graph& graph, dnnl::engine engine)
    : m_graph(graph),
      m_engine(std::move(engine)),
      m_stream(m_engine),
      m_slots(graph.num_values()),
      m_constants(graph.num_values()),
      m_poolable(graph.num_values(), 0) {
  for (size_t i = 0; i < graph.num_values(); ++i) {
    const Value& v = graph.values()[i];
    if (v.is_constant()) m_constants[i] = *v.constant;
  }
}

void ValueStore::set_constant(ValueId id, Tensor t) { m_constants.at(static_cast<size_t>(id)) = std::move(t); }

void ValueStore::share_constants(const ValueStore& other) {
  AIMC_ASSERT(&other.m_graph == &m_graph, "share_constants between stores of different graphs");
  m_constants = other.m_constants;
  m_poolable = other.m_poolable;
}

const Tensor* ValueStore::constant(ValueId id) const {
  const auto& c = m_constants.at(static_cast<size_t>(id));
  return c ? &*c : nullptr;
}

ValueStore::Slot& ValueStore::slot(ValueId id) {
  AIMC_ASSERT(id >= 0 && static_cast<size_t>(id) < m_slots.size(), "ValueStore: bad value id");
  return m_slots[static_cast<size_t>(id)];
}

void ValueStore::begin(int64_t batch) {
  m_batch = batch;
  for (size_t i = 0; i < m_slots.size(); ++i) {
    auto id = static_cast<ValueId>(i);
    if (m_constants[i]) {
      m_slots[i].shape = m_constants[i]->shape();
      m_slots[i].stored = Buffer{*m_constants[i], {}};
      m_slots[i].ready = true;
    } else {
      m_slots[i].shape = m_graph.runtime_shape(id, batch);
    }
  }
}

void ValueStore::end() {
  for (Slot& s : m_slots) {
    s.stored = Buffer{};
    s.plain.reset();
    s.ready = false;
  }
  m_temps.clear();
  m_pool.trim();
}

void ValueStore::set(ValueId id, Buffer b) {
  Slot& s = slot(id);
  if (b.blocked() && b.desc == plain_desc(s.shape, m_graph.value(id).dtype)) b.desc = memory::desc();
  if (!b.blocked() && b.data.shape() != s.shape) b.data = b.data.reshaped(s.shape);
  s.stored = std::move(b);
  s.plain.reset();
  s.ready = true;
}

const Buffer& ValueStore::buffer(ValueId id) {
  Slot& s = slot(id);
  AIMC_ASSERT(s.ready, fmt::format("value '{}' read before it was computed", m_graph.value(id).name));
  return s.stored;
}

const Tensor& ValueStore::plain(ValueId id) {
  const Buffer& b = buffer(id);
  if (!b.blocked()) return b.data;
  Slot& s = slot(id);
  if (!s.plain) {
    Tensor t = m_pool.take(m_graph.value(id).dtype, s.shape);
    reorder(m_stream, wrap(b.data, b.desc, m_engine), wrap(t, plain_desc(s.shape, t.dtype()), m_engine));
    s.plain = std::move(t);
  }
  return *s.plain;
}

Buffer ValueStore::take(ValueId id) {
  Slot& s = slot(id);
  AIMC_ASSERT(s.ready && !m_constants[static_cast<size_t>(id)], "ValueStore::take: not a computed value");
  Buffer b = std::move(s.stored);
  s.stored = Buffer{};
  return b;
}

void ValueStore::release(ValueId id) {
  Slot& s = slot(id);
  if (m_constants[static_cast<size_t>(id)]) return;
  if (m_poolable[static_cast<size_t>(id)]) {
    if (s.stored.data.numel() > 0) m_pool.give(std::move(s.stored.data));
    if (s.plain) m_pool.give(std::move(*s.plain));
  }
  s.stored = Buffer{};
  s.plain.reset();
  s.ready = false;
}

void ValueStore::release_temps() {
  for (Tensor& t : m_temps) m_pool.give(std::move(t));
  m_temps.clear();
}

// ---- KernelSpec ----

Error KernelSpec::error(const std::string& message) const {
  return Error(message, ErrorContext{.node = node->name, .op = std::string(op_name(node->op))});
}

int KernelSpec::sum_input() const {
  for (const PostOp& p : post_ops) {
    if (p.op == OpKind::Add) return static_cast<int>(inputs.size()) - 1;
  }
  return -1;
}

// ---- RunContext ----

RunContext::RunContext(ValueStore& store, const KernelSpec& spec, const std::vector<char>* stealable)
    : m_store(store), m_spec(spec), m_stealable(stealable) {}

int64_t RunContext::batch() const { return m_store.batch(); }
dnnl::stream& RunContext::stream() { return m_store.stream(); }

const Shape& RunContext::in_shape(size_t i) const { return m_store.shape(m_spec.inputs.at(i)); }
DType RunContext::in_dtype(size_t i) const { return m_spec.input_value(i).dtype; }
const Buffer& RunContext::in_buffer(size_t i) { return m_store.buffer(m_spec.inputs.at(i)); }
const Tensor& RunContext::in(size_t i) { return m_store.plain(m_spec.inputs.at(i)); }

bool RunContext::stealable(size_t i) const { return m_stealable != nullptr && i < m_stealable->size() && (*m_stealable)[i] != 0; }

Buffer RunContext::steal(size_t i) {
  AIMC_ASSERT(stealable(i), "RunContext::steal: input may not be reused");
  return m_store.take(m_spec.inputs.at(i));
}

bool RunContext::has_output(size_t i) const { return i < m_spec.outputs.size() && m_spec.outputs[i] != kNoValue; }
const Shape& RunContext::out_shape(size_t i) const { return m_store.shape(m_spec.outputs.at(i)); }

Tensor& RunContext::new_output(size_t i) {
  ValueId id = m_spec.outputs.at(i);
  m_store.set(id, Buffer{m_store.pool().take(m_store.graph().value(id).dtype, m_store.shape(id)), {}});
  return const_cast<Tensor&>(m_store.buffer(id).data);
}

Tensor RunContext::new_storage(const dnnl::memory::desc& desc) {
  auto n = static_cast<int64_t>((desc.get_size() + 3) / 4);
  return m_store.pool().take(DType::f32, {n});
}

void RunContext::set_output(size_t i, Buffer b) { m_store.set(m_spec.outputs.at(i), std::move(b)); }

Tensor RunContext::temp(DType dtype, Shape shape) {
  Tensor t = m_store.pool().take(dtype, std::move(shape));
  m_store.add_temp(t);
  return t;
}

}  // namespace aimc::ref
