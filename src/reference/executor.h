// The digital reference: exact fp32 execution of a whole Graph.
//
// This is the baseline every analog result is compared against. Batched: inputs carry any
// batch size at their batch axis. Convolutions and matrix products go through oneDNN.
#pragma once

#include <memory>
#include <vector>

#include "core/tensor.h"
#include "ir/graph.h"

namespace aimc {

struct ReferenceOptions {
  int threads = 1;  // OpenMP / oneDNN threads used by run()
};

class ReferenceExecutor {
 public:
  // Prepares the graph (constant sub-graphs evaluated once, weights laid out for oneDNN).
  // The graph must outlive the executor.
  ReferenceExecutor(const Graph& graph, ReferenceOptions options);
  ~ReferenceExecutor();
  ReferenceExecutor(const ReferenceExecutor&) = delete;
  ReferenceExecutor& operator=(const ReferenceExecutor&) = delete;

  // Runs the graph on `inputs` (graph input order; each with the graph's shape except at the
  // batch axis, where all inputs share one batch size). Returns the graph outputs in order.
  // Throws Error naming the input on a shape or dtype mismatch.
  std::vector<Tensor> run(const std::vector<Tensor>& inputs);

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace aimc
