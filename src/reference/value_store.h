// Run-time values of a graph: one slot per value, constants, and a pool of recycled buffers.
//
// Contract: begin(batch) before a run fills every value's runtime shape; steps set their outputs;
// release() drops values no later step reads and returns the buffers they own to the pool;
// end() clears all slots and drops pooled buffers not reused during the run, so memory stays
// bounded by the latest run's peak.
#pragma once

#include <cstdint>
#include <map>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <vector>

#include "ir/graph.h"
#include "reference/kernel.h"

namespace aimc::ref {

// Buffers recycled by exact (dtype, element count); contents of a taken buffer are undefined.
class BufferPool {
 public:
  Tensor take(DType dtype, Shape shape);
  void give(Tensor t);
  // Drops buffers that sat unused since the previous trim.
  void trim();

 private:
  struct Entry {
    Tensor tensor;
    uint64_t generation;
  };
  std::multimap<std::pair<DType, int64_t>, Entry> m_free;
  uint64_t m_generation = 0;
};

class ValueStore {
 public:
  ValueStore(const Graph& graph, dnnl::engine engine);

  const Graph& graph() const { return m_graph; }
  dnnl::stream& stream() { return m_stream; }
  const dnnl::engine& engine() const { return m_engine; }
  BufferPool& pool() { return m_pool; }

  void set_constant(ValueId id, Tensor t);
  const Tensor* constant(ValueId id) const;
  // This store's constants and poolable values become `other`'s (the tensors shared, not copied): a
  // store for a concurrent run of the same prepared graph, with its own slots, stream and pool.
  void share_constants(const ValueStore& other);
  // Whether a value's own buffers may go back to the pool when it is released.
  void set_poolable(std::vector<char> poolable) { m_poolable = std::move(poolable); }

  void begin(int64_t batch);
  void end();
  int64_t batch() const { return m_batch; }

  const Shape& shape(ValueId id) const { return m_slots[static_cast<size_t>(id)].shape; }
  void set(ValueId id, Buffer b);  // plain buffers are given the value's runtime shape
  const Buffer& buffer(ValueId id);
  const Tensor& plain(ValueId id);  // reorders a blocked value once and keeps the result
  Buffer take(ValueId id);          // moves the stored buffer out (for in-place reuse)
  void release(ValueId id);         // drops the value; pools its buffers when allowed
  void add_temp(Tensor t) { m_temps.push_back(std::move(t)); }
  void release_temps();

 private:
  struct Slot {
    Buffer stored;
    std::optional<Tensor> plain;  // plain copy of a blocked value
    Shape shape;
    bool ready = false;
  };
  Slot& slot(ValueId id);

  const Graph& m_graph;
  dnnl::engine m_engine;
  dnnl::stream m_stream;
  std::vector<Slot> m_slots;
  std::vector<std::optional<Tensor>> m_constants;
  std::vector<char> m_poolable;
  std::vector<Tensor> m_temps;
  BufferPool m_pool;
  int64_t m_batch = 0;
};

// Ends a run of the store whatever happens.
struct StoreRun {
  ValueStore& store;
  StoreRun(ValueStore& s, int64_t batch) : store(s) { store.begin(batch); }
  ~StoreRun() { store.end(); }
  StoreRun(const StoreRun&) = delete;
  StoreRun& operator=(const StoreRun&) = delete;
};

}  // namespace aimc::ref
