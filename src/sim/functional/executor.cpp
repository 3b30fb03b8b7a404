// ChipExecutor: preparation (constant sub-graphs folded, tiles programmed, steps planned with
// value lifetimes) and run (analog layers through the tiles, other nodes through the reference
// kernels, values released when no later step reads them).
// The analog layers' parts are in executor_prepare.cpp, executor_analog.cpp and executor_recurrent.cpp
// (executor_impl.h).
#include "sim/functional/executor.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <string>

#include "core/error.h"
#include "core/reductions.h"
#include "core/threads.h"
#include "reference/batch_parts.h"
#include "reference/plan.h"
#include "sim/functional/executor_impl.h"

namespace aimc::functional {

using ref::Buffer;
using ref::KernelSpec;
using ref::RunContext;
using ref::StoreRun;

namespace {

// Samples per thread in a sub-batch of run() (see there): at most 16, and as many as keep the
// largest value of the sub-batch within 16 MB per thread.
constexpr int64_t kSubBatch = 16;
constexpr int64_t kSubBatchBytes = int64_t{16} << 20;

// Fixed-point output formats of graph-node ops on digital units with a width, by node name.
std::map<std::string, FixedPoint> fixed_point_ops(const program::Program& p, const chip::ChipSpec& chip) {
  std::map<std::string, FixedPoint> m;
  for (const program::DigitalOp& d : p.digital_ops) {
    if (d.layer >= 0 || !d.frac_bits || d.unit_index < 0) continue;
    const auto& units = d.scope == program::Scope::Core ? chip.cores.digital : chip.digital;
    const auto i = static_cast<size_t>(d.unit_index);
    if (i < units.size()) m[d.node] = FixedPoint{.width_bits = units[i].width_bits, .frac_bits = *d.frac_bits};
  }
  return m;
}

}  // namespace

void ChipExecutor::Impl::plan_steps(const std::vector<char>& run) {
  std::map<int32_t, int32_t> layer_of_node;
  for (size_t i = 0; i < layers.size(); ++i) layer_of_node[layers[i].node] = static_cast<int32_t>(i);
  auto constant = [this](ValueId id) { return constants.constant(id); };
  const std::map<std::string, FixedPoint> fixed = fixed_point_ops(program, chip);
  for (size_t i = 0; i < graph.num_nodes(); ++i) {
    const auto it = layer_of_node.find(static_cast<int32_t>(i));
    const bool is_layer = it != layer_of_node.end();
    if (!run[i] && !is_layer) continue;
    const Node& n = graph.nodes()[i];
    StepRun s;
    s.node = static_cast<int32_t>(i);
    s.spec = KernelSpec{&graph, &n, n.inputs, n.outputs, {}, engine, constant};
    if (is_layer) {
      s.layer = it->second;
      if (n.inputs.empty() || constants.constant(n.inputs[0]) != nullptr) {
        throw Error("an analog layer needs a run-time input", ErrorContext{.node = n.name});
      }
    } else {
      if (const auto f = fixed.find(n.name); options.converters && f != fixed.end()) s.fixed = f->second;
    }
    steps.push_back(std::move(s));
  }
  // The reference's lifetimes (no fusion here: every digital op rounds on its own): a value's buffer
  // goes back to the pool after its last reader, or becomes that reader's output in place.
  std::vector<ref::StepValues> io;
  io.reserve(steps.size());
  for (const StepRun& s : steps) io.push_back(ref::StepValues{s.node, s.spec.inputs, s.spec.outputs});
  ref::Lifetimes life = ref::plan_lifetimes(graph, io, constant);
  for (size_t i = 0; i < steps.size(); ++i) {
    steps[i].stealable = std::move(life.stealable[i]);
    steps[i].release = std::move(life.release[i]);
  }
  constants.set_poolable(std::move(life.poolable));
  for (const StepRun& s : steps) {
    for (ValueId v : s.spec.outputs) {
      if (v == kNoValue) continue;
      const int64_t bytes = numel(graph.runtime_shape(v, 1)) * static_cast<int64_t>(dtype_size(graph.value(v).dtype));
      sample_bytes = std::max(sample_bytes, bytes);
    }
  }
}

int64_t ChipExecutor::Impl::validate(const std::vector<Tensor>& inputs) const {
  if (inputs.size() != graph.inputs.size()) {
    throw Error(fmt::format("the graph has {} input(s), {} given", graph.inputs.size(), inputs.size()),
                ErrorContext{.field = "inputs"});
  }
  int64_t batch = -1;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Value& v = graph.value(graph.inputs[i]);
    const Tensor& t = inputs[i];
    ErrorContext where{.field = fmt::format("input '{}'", v.name)};
    if (v.batch_axis < 0) throw Error("the chip executor needs inputs with a batch axis", where);
    if (t.dtype() != v.dtype) {
      throw Error(fmt::format("has type {}, expected {}", dtype_name(t.dtype()), dtype_name(v.dtype)), where);
    }
    bool ok = t.rank() == static_cast<int64_t>(v.shape.size()) && t.rank() > 0;
    for (size_t d = 0; ok && d < v.shape.size(); ++d) ok = static_cast<int>(d) == v.batch_axis || t.shape()[d] == v.shape[d];
    if (!ok) {
      throw Error(fmt::format("has shape {}, expected {} (any size at batch axis {})", shape_str(t.shape()), shape_str(v.shape),
                              v.batch_axis),
                  where);
    }
    const int64_t b = t.shape()[static_cast<size_t>(v.batch_axis)];
    if (b < 1) throw Error("has an empty batch", where);
    if (batch >= 0 && b != batch) throw Error("inputs differ in batch size", where);
    if (t.dtype() == DType::f32) {  // the chip's input encoders take numbers: a NaN would become some code
      const float* x = t.data<float>();
      if (const int64_t i = first_non_finite(x, t.numel()); i >= 0) {
        const std::string sample = v.batch_axis == 0 ? fmt::format(" in sample {}", i / (t.numel() / b)) : "";
        throw Error(fmt::format("holds a non-finite value ({}){}; expected finite inputs", x[i], sample), where);
      }
    }
    batch = b;
  }
  return batch >= 0 ? batch : graph.import_batch;
}

void ChipExecutor::Impl::round_outputs(ref::ValueStore& store, const StepRun& step) {
  for (ValueId o : graph.node(step.node).outputs) {
    if (o == kNoValue || store.constant(o) != nullptr || graph.value(o).dtype != DType::f32) continue;
    const Tensor& stored = store.plain(o);
    const bool in_place = stored.sole_owner();  // no other value (a view, an input) shares it
    Tensor value = stored;
    if (in_place) {
      to_fixed_point(value.span<float>(), *step.fixed);
    } else {  // e.g. a view of a value still live
      Tensor t = store.pool().take(DType::f32, value.shape());
      to_fixed_point(value.span<float>(), t.span<float>(), *step.fixed);
      value = std::move(t);
    }
    store.set(o, Buffer{value, {}});
  }
}

ChipExecutor::ChipExecutor(const program::Program& program, const Graph& graph, const chip::ChipSpec& chip,
                           FunctionalOptions options)
    : m_impl(std::make_unique<Impl>(program, graph, chip, std::move(options))) {
  Impl& im = *m_impl;
  ThreadScope threads(im.options.threads);
  std::vector<char> run = ref::live_nodes(graph);
  im.prepare_layers();
  for (const LayerRun& l : im.layers) run[static_cast<size_t>(l.node)] = 1;
  ref::fold_constant_nodes(im.graph, im.constants, im.engine, run);
  im.plan_steps(run);
  std::vector<const ref::KernelSpec*> specs;
  for (const StepRun& s : im.steps) specs.push_back(s.layer >= 0 ? nullptr : &s.spec);
  im.lanes = std::make_unique<ref::Lanes>(im.constants, im.engine, std::move(specs));  // a node no kernel runs fails here
}

ChipExecutor::~ChipExecutor() = default;

void ChipExecutor::set_time(double t_s) {
  ThreadScope threads(m_impl->options.threads);
  std::vector<Tile*> tiles;  // independent: each draws its read noise from its own streams
  for (LayerRun& l : m_impl->layers) {
    for (auto& t : l.tiles) tiles.push_back(t.get());
  }
  parallel_for(static_cast<int64_t>(tiles.size()), [&](int64_t k) { tiles[static_cast<size_t>(k)]->set_time(t_s); });
}

// A batch runs as sub-batches of kSubBatch samples per thread when every graph input and output
// carries the batch at axis 0: a sub-batch's activations stay in the caches between layers
// (ResNet-20's first stage: 1 MB for 16 samples, 8 MB for 128; +18 % images/s at batch 128 on one
// thread; at 2 threads and batch 1024 the peak RSS falls from 729 to 430 MB). Big inputs take fewer
// (ResNet-18 at 224 × 224: 3.2 MB per sample after conv1, 5 per thread). With several threads and at
// least one sample each, the sub-batches run side by side, each on one thread in a lane of its own
// (its values, its kernels) through the whole graph: a thread reads the activations it wrote, in its
// own core's caches, and no thread waits for another at each layer. Fewer samples than threads:
// one sub-batch, each layer's work spread over the threads. The outputs do not depend on the split.
// A per-sample graph (Graph::per_sample) always runs one sample at a time.
std::vector<Tensor> ChipExecutor::run(const std::vector<Tensor>& inputs, int64_t sample_offset) {
  Impl& im = *m_impl;
  if (sample_offset < 0) throw Error("sample offset must be ≥ 0", ErrorContext{.field = "sample_offset"});
  const int64_t batch = im.validate(inputs);
  ThreadScope threads(im.options.threads);
  bool axis0 = true;
  for (ValueId id : im.graph.inputs) axis0 = axis0 && im.graph.value(id).batch_axis == 0;
  for (ValueId id : im.graph.outputs) axis0 = axis0 && im.graph.value(id).batch_axis == 0;
  const bool splits = (im.graph.per_sample || axis0) && ref::graph_runs_in_parts(im.graph);
  const int64_t per_thread =
      im.graph.per_sample ? 1 : std::clamp<int64_t>(kSubBatchBytes / std::max<int64_t>(im.sample_bytes, 1), 1, kSubBatch);
  const int64_t lanes = threads.threads();
  if (splits && lanes > 1 && batch >= lanes && spread_over_threads(batch)) {
    // Parts in a multiple of the lanes, as even as the batch allows.
    const int64_t rounds = (batch + per_thread * lanes - 1) / (per_thread * lanes);
    const int64_t part = (batch + rounds * lanes - 1) / (rounds * lanes);
    im.lanes->ensure(static_cast<size_t>(lanes));
    return ref::run_in_parts(
        im.graph, inputs, batch, part,
        [&](const std::vector<Tensor>& sub, int64_t first, int64_t count) {
          return im.run_batch((*im.lanes)[static_cast<size_t>(thread_index())], sub, count, sample_offset + first);
        },
        /*parallel=*/true);
  }
  ref::Lane& lane = (*im.lanes)[0];
  if (!splits || batch <= per_thread) return im.run_batch(lane, inputs, batch, sample_offset);
  return ref::run_in_parts(im.graph, inputs, batch, per_thread,
                           [&](const std::vector<Tensor>& sub, int64_t first, int64_t count) {
                             return im.run_batch(lane, sub, count, sample_offset + first);
                           });
}

std::vector<Tensor> ChipExecutor::Impl::run_batch(ref::Lane& lane, const std::vector<Tensor>& inputs, int64_t batch,
                                                  int64_t sample_offset) {
  ref::ValueStore& store = lane.store;
  StoreRun scope(store, batch);
  for (size_t i = 0; i < inputs.size(); ++i) store.set(graph.inputs[i], Buffer{inputs[i], {}});
  for (size_t k = 0; k < steps.size(); ++k) {
    const StepRun& step = steps[k];
    if (step.layer >= 0) {
      run_layer(store, layers[static_cast<size_t>(step.layer)], batch, sample_offset);
    } else {
      RunContext ctx(store, step.spec, &step.stealable);
      lane.kernels[k]->run(ctx);
      store.release_temps();
      if (step.fixed) round_outputs(store, step);
    }
    for (ValueId v : step.release) store.release(v);
  }
  store.stream().wait();
  std::vector<Tensor> outputs;
  outputs.reserve(graph.outputs.size());
  for (ValueId id : graph.outputs) {
    const Tensor* c = store.constant(id);
    outputs.push_back(c != nullptr ? c->clone() : store.plain(id).clone());
  }
  return outputs;
}

int64_t ChipExecutor::tiles() const {
  int64_t n = 0;
  for (const LayerRun& l : m_impl->layers) n += static_cast<int64_t>(l.tiles.size());
  return n;
}

int64_t ChipExecutor::analog_layers() const { return static_cast<int64_t>(m_impl->layers.size()); }

std::vector<LayerConversions> ChipExecutor::conversions() const {
  std::vector<LayerConversions> out;
  for (const LayerRun& l : m_impl->layers) {
    LayerConversions c{.layer = l.layer->name};
    for (const auto& t : l.tiles) {
      const ConversionCounts k = t->crossbar().conversions();
      c.conversions += k.conversions;
      c.saturated += k.saturated;
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace aimc::functional
