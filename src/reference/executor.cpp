// ReferenceExecutor: preparation (dead nodes dropped, constant sub-graphs folded once, steps
// planned and fused, kernels built) and run (input validation, steps in order, buffers released
// as soon as no later step needs them).
#include "reference/executor.h"

#include <fmt/format.h>

#include "core/threads.h"
#include "reference/batch_parts.h"
#include "reference/lane.h"
#include "reference/plan.h"
#include "reference/value_store.h"

namespace aimc {

using ref::Buffer;
using ref::KernelSpec;
using ref::Plan;
using ref::RunContext;
using ref::StoreRun;
using ref::ValueStore;

struct ReferenceExecutor::Impl {
  Impl(const Graph& g, ReferenceOptions o) : graph(g), options(o), engine(dnnl::engine::kind::cpu, 0), constants(g, engine) {}

  int64_t validate(const std::vector<Tensor>& inputs) const;
  // The plan's steps on a batch in `lane`.
  std::vector<Tensor> run_batch(ref::Lane& lane, const std::vector<Tensor>& inputs, int64_t batch);

  const Graph& graph;
  ReferenceOptions options;
  dnnl::engine engine;
  ValueStore constants;  // the graph's constants and those folded at construction
  Plan plan;
  std::unique_ptr<ref::Lanes> lanes;  // per thread (reference/lane.h)
};

ReferenceExecutor::ReferenceExecutor(const Graph& graph, ReferenceOptions options)
    : m_impl(std::make_unique<Impl>(graph, options)) {
  ThreadScope threads(options.threads);
  std::vector<char> run = ref::live_nodes(graph);
  Impl& im = *m_impl;
  ref::fold_constant_nodes(im.graph, im.constants, im.engine, run);
  im.plan = ref::make_plan(graph, run, im.engine, [&im](ValueId id) { return im.constants.constant(id); });
  im.constants.set_poolable(im.plan.poolable);
  std::vector<const KernelSpec*> specs;
  for (const ref::Step& step : im.plan.steps) specs.push_back(&step.spec);
  im.lanes = std::make_unique<ref::Lanes>(im.constants, im.engine, std::move(specs));  // a node no kernel runs fails here
}

ReferenceExecutor::~ReferenceExecutor() = default;

int64_t ReferenceExecutor::Impl::validate(const std::vector<Tensor>& inputs) const {
  if (inputs.size() != graph.inputs.size()) {
    throw Error(fmt::format("the graph has {} input(s), {} given", graph.inputs.size(), inputs.size()),
                ErrorContext{.field = "inputs"});
  }
  int64_t batch = -1;
  std::string batch_from;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Value& v = graph.value(graph.inputs[i]);
    const Tensor& t = inputs[i];
    ErrorContext where{.field = fmt::format("input '{}'", v.name)};
    if (t.dtype() != v.dtype) {
      throw Error(fmt::format("has type {}, expected {}", dtype_name(t.dtype()), dtype_name(v.dtype)), where);
    }
    bool ok = t.rank() == static_cast<int64_t>(v.shape.size());
    for (size_t d = 0; ok && d < v.shape.size(); ++d) {
      ok = static_cast<int>(d) == v.batch_axis || t.shape()[d] == v.shape[d];
    }
    if (!ok) {
      std::string want = shape_str(v.shape);
      if (v.batch_axis >= 0) want += fmt::format(" (any size at batch axis {})", v.batch_axis);
      throw Error(fmt::format("has shape {}, expected {}", shape_str(t.shape()), want), where);
    }
    if (v.batch_axis < 0) continue;
    const int64_t b = t.shape()[static_cast<size_t>(v.batch_axis)];
    if (b < 1) throw Error("has an empty batch", where);
    if (batch >= 0 && b != batch) {
      throw Error(fmt::format("has batch size {}, but input '{}' has {}", b, batch_from, batch), where);
    }
    batch = b;
    batch_from = v.name;
  }
  return batch >= 0 ? batch : graph.import_batch;
}

// A per-sample graph (Graph::per_sample) runs one sample at a time; with several threads its samples
// run side by side, each thread in its own lane, since one sample's ops are too small to spread
// (ViT-MNIST at 2 threads ran at a third of 1 thread's speed). Other graphs run whole, each op spread
// over the threads by oneDNN or the kernel.
std::vector<Tensor> ReferenceExecutor::run(const std::vector<Tensor>& inputs) {
  Impl& im = *m_impl;
  const int64_t batch = im.validate(inputs);
  ThreadScope threads(im.options.threads);
  if (!im.graph.per_sample || batch <= 1 || !ref::graph_runs_in_parts(im.graph)) {
    return im.run_batch((*im.lanes)[0], inputs, batch);
  }
  const bool side_by_side = spread_over_threads(batch);
  if (side_by_side) im.lanes->ensure(static_cast<size_t>(threads.threads()));
  return ref::run_in_parts(
      im.graph, inputs, batch, 1,
      [&](const std::vector<Tensor>& one, int64_t, int64_t) {
        return im.run_batch((*im.lanes)[side_by_side ? static_cast<size_t>(thread_index()) : 0], one, 1);
      },
      side_by_side);
}

std::vector<Tensor> ReferenceExecutor::Impl::run_batch(ref::Lane& lane, const std::vector<Tensor>& inputs, int64_t batch) {
  ValueStore& store = lane.store;
  StoreRun scope(store, batch);
  for (size_t i = 0; i < inputs.size(); ++i) store.set(graph.inputs[i], Buffer{inputs[i], {}});
  for (size_t k = 0; k < plan.steps.size(); ++k) {
    const ref::Step& step = plan.steps[k];
    RunContext ctx(store, step.spec, &step.stealable);
    lane.kernels[k]->run(ctx);
    store.release_temps();
    for (ValueId v : step.release) store.release(v);
  }
  store.stream().wait();
  std::vector<Tensor> outputs;
  outputs.reserve(graph.outputs.size());
  for (ValueId id : graph.outputs) {
    const Tensor* c = store.constant(id);
    outputs.push_back(c != nullptr ? c->clone() : store.plain(id));
  }
  return outputs;
}

}  // namespace aimc
