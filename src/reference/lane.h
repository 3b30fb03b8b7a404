// A lane: what one run of a prepared graph owns, so that runs on different samples can go side by side
// on different threads (ReferenceExecutor's per-sample graphs, ChipExecutor's sub-batches): its value
// store (slots, stream, buffer pool; the constants shared with the store they come from, not copied)
// and one kernel per step (kernels keep oneDNN primitives per shape, so a lane never shares them).
#pragma once

#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <vector>

#include "reference/kernel.h"
#include "reference/value_store.h"

namespace aimc::ref {

struct Lane {
  // A kernel per spec (made here: a node no kernel supports throws); none where a spec is null.
  Lane(const ValueStore& constants, const dnnl::engine& engine, const std::vector<const KernelSpec*>& specs);
  ValueStore store;
  std::vector<std::unique_ptr<Kernel>> kernels;
};

// An executor's lanes, all from the same constants and step specs (which must outlive them): lane 0 at
// construction, more on demand — one per thread when a run spreads its samples (lane = thread_index()).
class Lanes {
 public:
  Lanes(const ValueStore& constants, dnnl::engine engine, std::vector<const KernelSpec*> specs);
  void ensure(size_t n);  // lanes 0 .. n − 1 exist
  Lane& operator[](size_t i) { return *m_lanes.at(i); }

 private:
  const ValueStore& m_constants;
  dnnl::engine m_engine;
  std::vector<const KernelSpec*> m_specs;
  std::vector<std::unique_ptr<Lane>> m_lanes;
};

}  // namespace aimc::ref
