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

}  // namespace aimc::ref
