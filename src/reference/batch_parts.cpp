#include "reference/batch_parts.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "core/threads.h"

namespace aimc::ref {

Tensor batch_slice(const Tensor& t, int axis, int64_t begin, int64_t end) {
  AIMC_ASSERT(axis >= 0 && axis < t.rank() && begin >= 0 && begin <= end && end <= t.dim(axis), "batch_slice range");
  if (axis == 0) return t.slice_outer(begin, end);
  const AroundAxis p = around_axis(t.shape(), static_cast<size_t>(axis));
  Shape shape = t.shape();
  shape[static_cast<size_t>(axis)] = end - begin;
  Tensor out(t.dtype(), shape);
  const size_t es = dtype_size(t.dtype());
  const size_t row = static_cast<size_t>((end - begin) * p.inner) * es;
  for (int64_t o = 0; o < p.outer; ++o) {
    std::memcpy(out.raw() + static_cast<size_t>(o) * row, t.raw() + static_cast<size_t>((o * p.extent + begin) * p.inner) * es,
                row);
  }
  return out;
}

Tensor batch_join(const std::vector<Tensor>& parts, int axis) {
  AIMC_ASSERT(!parts.empty(), "batch_join of nothing");
  Shape shape = parts[0].shape();
  int64_t total = 0;
  for (const Tensor& p : parts) total += p.dim(axis);
  shape[static_cast<size_t>(axis)] = total;
  Tensor out(parts[0].dtype(), shape);
  const AroundAxis whole = around_axis(shape, static_cast<size_t>(axis));
  const size_t es = dtype_size(out.dtype());
  int64_t at = 0;
  for (const Tensor& p : parts) {
    AIMC_ASSERT(p.dtype() == out.dtype() && p.rank() == out.rank(), "batch_join parts differ");
    const size_t row = static_cast<size_t>(p.dim(axis) * whole.inner) * es;
    for (int64_t o = 0; o < whole.outer; ++o) {
      std::memcpy(out.raw() + static_cast<size_t>((o * total + at) * whole.inner) * es, p.raw() + static_cast<size_t>(o) * row,
                  row);
    }
    at += p.dim(axis);
  }
  return out;
}

bool graph_runs_in_parts(const Graph& graph) {
  for (ValueId id : graph.outputs) {
    const Value& v = graph.value(id);
    if (v.is_constant() || (v.batch_axis < 0 && !graph.per_sample)) return false;
  }
  return true;
}

std::vector<Tensor> run_in_parts(const Graph& graph, const std::vector<Tensor>& inputs, int64_t batch, int64_t part,
                                 const PartRunner& run, bool parallel) {
  AIMC_ASSERT(part >= 1 && graph_runs_in_parts(graph), "run_in_parts on a graph that cannot be split");
  const int64_t parts = (batch + part - 1) / part;
  std::vector<std::vector<Tensor>> got(static_cast<size_t>(parts));
  const auto run_part = [&](int64_t k) {
    const int64_t b0 = k * part, b1 = std::min(batch, b0 + part);
    std::vector<Tensor> sub;
    sub.reserve(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
      const int axis = graph.value(graph.inputs[i]).batch_axis;  // an input without the batch goes to every part
      sub.push_back(axis < 0 ? inputs[i] : batch_slice(inputs[i], axis, b0, b1));
    }
    got[static_cast<size_t>(k)] = run(sub, b0, b1 - b0);
  };
  if (parallel) {
    parallel_for(parts, run_part);
  } else {
    for (int64_t k = 0; k < parts; ++k) run_part(k);
  }
  std::vector<std::vector<Tensor>> outs(graph.outputs.size());
  for (std::vector<Tensor>& g : got) {
    for (size_t o = 0; o < g.size(); ++o) outs[o].push_back(std::move(g[o]));
  }
  std::vector<Tensor> joined;
  joined.reserve(outs.size());
  for (size_t o = 0; o < outs.size(); ++o) {
    const int axis = graph.value(graph.outputs[o]).batch_axis;
    if (axis < 0) {  // an inner value of a per-sample graph (one part per sample): stacked
      for (Tensor& t : outs[o]) {
        Shape s = t.shape();
        s.insert(s.begin(), 1);
        t = t.reshaped(s);
      }
    }
    joined.push_back(outs[o].size() == 1 && axis >= 0 ? std::move(outs[o][0]) : batch_join(outs[o], std::max(axis, 0)));
  }
  return joined;
}

}  // namespace aimc::ref
