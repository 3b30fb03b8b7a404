#include "reference/plan.h"

#include <algorithm>

namespace aimc::ref {

namespace {

bool is_fusable_eltwise(OpKind op) { return op == OpKind::Relu || op == OpKind::LeakyRelu || op == OpKind::Clip; }

struct Draft {
  int32_t node;      // primary node
  int32_t position;  // index of the last fused node (where the step runs)
  std::vector<ValueId> inputs, outputs;
  std::vector<PostOp> post_ops;
};

// Readers (node indices, one entry per read) of every value among the nodes that run.
std::vector<std::vector<int32_t>> readers(const Graph& g, const std::vector<char>& run) {
  std::vector<std::vector<int32_t>> r(g.num_values());
  for (size_t i = 0; i < g.num_nodes(); ++i) {
    if (!run[i]) continue;
    for (ValueId v : g.nodes()[i].inputs) {
      if (v != kNoValue) r[static_cast<size_t>(v)].push_back(static_cast<int32_t>(i));
    }
  }
  return r;
}

// Extends a Conv/Gemm/MatMul draft with the element-wise readers it can absorb.
void fuse(const Graph& g, const std::vector<std::vector<int32_t>>& rd, const std::vector<char>& is_output, Draft& d,
          std::vector<char>& absorbed) {
  const OpKind op = g.node(d.node).op;
  ValueId cur = d.outputs[0];
  bool has_sum = false;
  while (cur != kNoValue && !is_output[static_cast<size_t>(cur)] && rd[static_cast<size_t>(cur)].size() == 1) {
    const int32_t ni = rd[static_cast<size_t>(cur)][0];
    if (absorbed[static_cast<size_t>(ni)]) break;  // an Add of two convolutions goes to the first
    const Node& n = g.node(ni);
    if (is_fusable_eltwise(n.op)) {
      d.post_ops.push_back(PostOp{n.op, n.op == OpKind::Relu ? ScalarAttrs{} : n.attr<ScalarAttrs>()});
    } else if (n.op == OpKind::Add && op == OpKind::Conv && !has_sum && d.post_ops.empty()) {
      const ValueId other = n.inputs[0] == cur ? n.inputs[1] : n.inputs[0];
      const Value& o = g.value(other);
      const Value& c = g.value(cur);
      if (other == cur || o.dtype != DType::f32 || o.shape != c.shape || o.batch_axis != c.batch_axis) break;
      d.post_ops.push_back(PostOp{OpKind::Add, {}});
      d.inputs.resize(3, kNoValue);  // X, W, B (possibly absent), then the sum operand
      d.inputs.push_back(other);
      has_sum = true;
    } else {
      break;
    }
    absorbed[static_cast<size_t>(ni)] = 1;
    d.position = ni;
    cur = n.outputs[0];
  }
  d.outputs = {cur};
}

}  // namespace

std::vector<char> live_nodes(const Graph& g) {
  std::vector<char> live_value(g.num_values(), 0), live(g.num_nodes(), 0);
  for (ValueId o : g.outputs) live_value[static_cast<size_t>(o)] = 1;
  for (size_t i = g.num_nodes(); i-- > 0;) {
    const Node& n = g.nodes()[i];
    for (ValueId o : n.outputs) live[i] = live[i] || (o != kNoValue && live_value[static_cast<size_t>(o)]);
    if (!live[i]) continue;
    for (ValueId v : n.inputs) {
      if (v != kNoValue) live_value[static_cast<size_t>(v)] = 1;
    }
  }
  return live;
}

Lifetimes plan_lifetimes(const Graph& g, const std::vector<StepValues>& steps,
                         const std::function<const Tensor*(ValueId)>& constant) {
  const size_t nv = g.num_values();
  std::vector<char> is_output(nv, 0);
  for (ValueId o : g.outputs) is_output[static_cast<size_t>(o)] = 1;
  // Reshape outputs view their input's buffer: the two share an alias root.
  const auto ns = static_cast<int32_t>(steps.size());
  std::vector<ValueId> root(nv);
  std::vector<int32_t> last(nv, -1);  // last step touching the value (reading or producing it)
  for (size_t v = 0; v < nv; ++v) root[v] = static_cast<ValueId>(v);
  for (int32_t s = 0; s < ns; ++s) {
    const StepValues& d = steps[static_cast<size_t>(s)];
    for (ValueId v : d.inputs) {
      if (v != kNoValue) last[static_cast<size_t>(v)] = s;
    }
    for (ValueId v : d.outputs) {
      if (v != kNoValue) last[static_cast<size_t>(v)] = s;
    }
    if (g.node(d.node).op == OpKind::Reshape) root[static_cast<size_t>(d.outputs[0])] = root[static_cast<size_t>(d.inputs[0])];
  }
  std::vector<int32_t> group_last(nv, -1);
  std::vector<char> pinned(nv, 0);
  for (ValueId in : g.inputs) pinned[static_cast<size_t>(in)] = 1;
  for (size_t v = 0; v < nv; ++v) {
    const auto r = static_cast<size_t>(root[v]);
    group_last[r] = std::max(group_last[r], last[v]);
    if (is_output[v] || constant(static_cast<ValueId>(v)) != nullptr) pinned[r] = 1;
  }
  Lifetimes life;
  life.poolable.assign(nv, 0);
  for (size_t v = 0; v < nv; ++v) life.poolable[v] = root[v] == static_cast<ValueId>(v) && !pinned[v];
  life.stealable.resize(steps.size());
  life.release.resize(steps.size());
  for (int32_t s = 0; s < ns; ++s) {
    const StepValues& d = steps[static_cast<size_t>(s)];
    std::vector<char>& stealable = life.stealable[static_cast<size_t>(s)];
    stealable.assign(d.inputs.size(), 0);
    for (size_t i = 0; i < d.inputs.size(); ++i) {
      const ValueId v = d.inputs[i];
      if (v == kNoValue || !life.poolable[static_cast<size_t>(v)] || group_last[static_cast<size_t>(v)] != s) continue;
      bool alone = true;
      for (size_t j = 0; j < d.inputs.size(); ++j) {
        alone = alone && (j == i || d.inputs[j] == kNoValue || root[static_cast<size_t>(d.inputs[j])] != v);
      }
      stealable[i] = alone;
    }
  }
  for (size_t v = 0; v < nv; ++v) {
    if (is_output[v] || constant(static_cast<ValueId>(v)) != nullptr) continue;
    const auto r = static_cast<size_t>(root[v]);
    const int32_t at = pinned[r] ? last[v] : group_last[r];
    if (at >= 0) life.release[static_cast<size_t>(at)].push_back(static_cast<ValueId>(v));
  }
  return life;
}

Plan make_plan(const Graph& g, const std::vector<char>& run, const dnnl::engine& engine,
               const std::function<const Tensor*(ValueId)>& constant) {
  const size_t nv = g.num_values();
  std::vector<char> is_output(nv, 0);
  for (ValueId o : g.outputs) is_output[static_cast<size_t>(o)] = 1;
  const auto rd = readers(g, run);

  // Drafts in node order, then fusion, then ordered by where each step runs.
  std::vector<char> absorbed(g.num_nodes(), 0);
  std::vector<Draft> drafts;
  for (size_t i = 0; i < g.num_nodes(); ++i) {
    if (!run[i] || absorbed[i]) continue;
    const Node& n = g.nodes()[i];
    Draft d{static_cast<int32_t>(i), static_cast<int32_t>(i), n.inputs, n.outputs, {}};
    if ((n.op == OpKind::Conv || n.op == OpKind::Gemm || n.op == OpKind::MatMul) && n.outputs.size() == 1) {
      fuse(g, rd, is_output, d, absorbed);
    }
    drafts.push_back(std::move(d));
  }
  std::stable_sort(drafts.begin(), drafts.end(), [](const Draft& a, const Draft& b) { return a.position < b.position; });

  std::vector<StepValues> io;
  io.reserve(drafts.size());
  for (const Draft& d : drafts) io.push_back(StepValues{d.node, d.inputs, d.outputs});
  Lifetimes life = plan_lifetimes(g, io, constant);
  Plan plan;
  plan.poolable = std::move(life.poolable);
  for (size_t s = 0; s < drafts.size(); ++s) {
    Draft& d = drafts[s];
    Step step;
    step.spec = KernelSpec{&g, &g.node(d.node), d.inputs, d.outputs, d.post_ops, engine, constant};
    step.stealable = std::move(life.stealable[s]);
    step.release = std::move(life.release[s]);
    plan.steps.push_back(std::move(step));
  }
  return plan;
}

void fold_constant_nodes(const Graph& graph, ValueStore& store, const dnnl::engine& engine, std::vector<char>& run) {
  StoreRun scope(store, graph.import_batch);
  auto constant = [&store](ValueId id) { return store.constant(id); };
  for (size_t i = 0; i < graph.num_nodes(); ++i) {
    if (!run[i]) continue;
    const Node& n = graph.nodes()[i];
    bool all_constant = !n.inputs.empty();
    for (ValueId v : n.inputs) all_constant = all_constant && (v == kNoValue || store.constant(v) != nullptr);
    if (!all_constant) continue;
    KernelSpec spec{&graph, &n, n.inputs, n.outputs, {}, engine, constant};
    RunContext ctx(store, spec, nullptr);
    make_kernel(spec)->run(ctx);
    store.release_temps();
    for (ValueId o : n.outputs) {
      if (o != kNoValue) store.set_constant(o, store.plain(o));
    }
    run[i] = 0;
  }
}

}  // namespace aimc::ref
