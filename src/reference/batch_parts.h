// Running a graph on a batch in parts: the samples [b0, b1) of every input (at its batch axis),
// and the parts' outputs joined back at each output's batch axis. Used where a batch runs as
// sub-batches (cache-sized pieces on the chip path) and by graphs that run one sample at a time
// (Graph::per_sample). Outputs never depend on the split: every sample is computed alone.
#pragma once

#include <functional>
#include <vector>

#include "core/tensor.h"
#include "ir/graph.h"

namespace aimc::ref {

// Samples [begin, end) of `t` along `axis` (a copy unless axis is 0, where it is a view).
Tensor batch_slice(const Tensor& t, int axis, int64_t begin, int64_t end);

// The parts concatenated along `axis` (they agree on every other axis).
Tensor batch_join(const std::vector<Tensor>& parts, int axis);

// Runs `run(sub_inputs, first_sample, count)` on consecutive parts of at most `part` samples and
// joins the outputs at the graph outputs' batch axes. An input without a batch axis goes whole to
// every part. Every output must carry the batch (checked by the caller: graph_runs_in_parts),
// except that an output past the batch fold of a per-sample graph (run in parts of one sample)
// comes back stacked on a new axis 0. parallel: the parts run over the OpenMP threads (core/threads.h
// parallel_for), `run` called concurrently; the outputs are joined in sample order all the same.
using PartRunner = std::function<std::vector<Tensor>(const std::vector<Tensor>&, int64_t, int64_t)>;
std::vector<Tensor> run_in_parts(const Graph& graph, const std::vector<Tensor>& inputs, int64_t batch, int64_t part,
                                 const PartRunner& run, bool parallel = false);

// Whether a batch of the graph can be split: every output is computed and carries the batch (or
// the graph runs per sample).
bool graph_runs_in_parts(const Graph& graph);

}  // namespace aimc::ref
