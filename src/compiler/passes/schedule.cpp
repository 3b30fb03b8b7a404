// schedule: the order of execution. kind=pipelined: one stage per layer on its own cores, all
// stages busy at once on successive inputs (HERMES, the 512-cluster chip); kind=layer: the same
// stages one after another; kind=data-parallel: every stage, with the network copied
// `network_replicas` times over disjoint cores, each copy taking every n-th input (Jia et al.).
// Digital ops join the stage of the layer whose output they read. A network cut into reload
// segments (place) lists each segment's tiles and its writes: cells and write operations. Each
// transfer gets its stage and when in it it moves (Transfer::stage, Transfer::at).
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "compiler/pass.h"
#include "compiler/passes/common.h"
#include "program/evaluations.h"

namespace aimc::compiler {

namespace {

class Schedule_ final : public Pass {
 public:
  std::string_view name() const override { return "schedule"; }
  std::string_view summary() const override {
    return "order the layers into stages (layer-by-layer, pipelined or data-parallel) and reload segments";
  }
  std::vector<PassOption> options() const override {
    return {{"kind", "enum", "pipelined", "layer | pipelined | data-parallel", {"layer", "pipelined", "data-parallel"}}};
  }

  void run(CompileContext& ctx) override {
    Program& p = ctx.program;
    Schedule& s = p.schedule;
    s = Schedule{};
    s.kind = schedule_kind_from_string(option("kind"));
    s.network_replicas = network_copies(p.layers, s.kind);
    // Stages: one per layer, in graph order; digital graph ops join the stage of the latest layer before them.
    std::vector<int32_t> stage_of_layer(p.layers.size(), -1);
    for (const Layer& l : p.layers) {
      Stage st;
      st.id = static_cast<int32_t>(s.stages.size());
      st.layers = {l.id};
      st.cores = p.cores_of(l.id);
      // Vectors per replica × the array evaluations they take on the layer's busiest crossbar (one,
      // unless tiles of the layer share rows or columns there: 2-D packing).
      std::map<std::tuple<int32_t, int32_t, int32_t, int32_t>, std::vector<int32_t>> on_xbar;
      for (int32_t t : p.tiles_of(l.id)) {
        const Tile& tile = p.tiles[static_cast<size_t>(t)];
        on_xbar[{tile.segment, tile.core, tile.array, tile.replica}].push_back(t);
      }
      size_t evaluations = 1;
      for (const auto& [slot, tiles] : on_xbar) evaluations = std::max(evaluations, array_evaluations(p, tiles).size());
      st.mvms_per_inference = static_cast<double>(evaluations) * static_cast<double>(l.vectors_per_inference) /
                              static_cast<double>(s.kind == ScheduleKind::DataParallel ? 1 : l.replicas);
      stage_of_layer[static_cast<size_t>(l.id)] = st.id;
      s.stages.push_back(st);
    }
    std::map<std::string, int32_t> node_index;
    for (size_t i = 0; i < ctx.graph.num_nodes(); ++i)
      node_index[ctx.graph.node(static_cast<int32_t>(i)).name] = static_cast<int32_t>(i);
    std::vector<int32_t> layer_at_node(ctx.graph.num_nodes(), -1);
    for (size_t l = 0; l < ctx.layer_node.size(); ++l)
      layer_at_node[static_cast<size_t>(ctx.layer_node[l])] = static_cast<int32_t>(l);
    std::vector<int32_t> ahead;  // graph ops ahead of the first layer: the first stage's, before its MVMs
    for (const DigitalOp& d : p.digital_ops) {
      int32_t stage = -1;
      if (d.layer >= 0) {
        stage = stage_of_layer[static_cast<size_t>(d.layer)];
      } else {
        for (int32_t i = node_index[d.node]; i >= 0 && stage < 0; --i) {
          if (layer_at_node[static_cast<size_t>(i)] >= 0)
            stage = stage_of_layer[static_cast<size_t>(layer_at_node[static_cast<size_t>(i)])];
        }
        if (stage < 0 && !s.stages.empty()) {
          ahead.push_back(d.id);
          continue;
        }
      }
      if (stage >= 0) s.stages[static_cast<size_t>(stage)].digital_ops.push_back(d.id);
    }
    if (!ahead.empty()) {
      Stage& first = s.stages.front();
      first.digital_ops.insert(first.digital_ops.begin(), ahead.begin(), ahead.end());
      first.digital_ops_before_mvms = static_cast<int32_t>(ahead.size());
    }
    assign_transfer_stages(ctx, stage_of_layer, layer_at_node);
    // Segments.
    int32_t segments = 1;
    for (const Tile& t : p.tiles) segments = std::max(segments, t.segment + 1);
    const auto& prog = ctx.chip.cores.programming;
    for (int32_t sg = 0; sg < segments; ++sg) {
      Segment seg;
      seg.id = sg;
      std::set<int32_t> layers;
      for (const Tile& t : p.tiles) {
        if (t.segment != sg) continue;
        seg.tiles.push_back(t.id);
        layers.insert(t.layer);
        const int64_t cells = t.rows() * t.cols() * p.layers[static_cast<size_t>(t.layer)].columns_per_weight;
        seg.cells_written += cells;
        seg.write_operations += ceil_div(cells, prog.cells_per_write);
      }
      seg.layers.assign(layers.begin(), layers.end());
      s.segments.push_back(seg);
    }
    double bottleneck = 0;
    for (const Stage& st : s.stages) bottleneck = std::max(bottleneck, st.mvms_per_inference);
    statistics()["stages"] = static_cast<int64_t>(s.stages.size());
    statistics()["segments"] = static_cast<int64_t>(s.segments.size());
    statistics()["network-replicas"] = s.network_replicas;
    statistics()["bottleneck-mvms"] = static_cast<int64_t>(std::ceil(bottleneck));
  }

 private:
  // Each transfer's stage and moment: the network's inputs at the start of stage 0, its outputs at the
  // end of the last stage, a value computed off chip (from the host) at the end of its producer's stage; a layer's input
  // vectors from the host ("LAYER:input", activations held off chip) at the start of its stage; "NAME:suffix" (a layer's
  // partial sums, gates or h; an operand read back for digital op NAME) after that stage's MVMs; any other value at the end of
  // the stage that produced it. For the ops ahead of the first stage's MVMs (Stage::digital_ops_before_mvms) their
  // operands come at the stage's start and what they make before its MVMs.
  static void assign_transfer_stages(CompileContext& ctx, const std::vector<int32_t>& stage_of_layer,
                                     const std::vector<int32_t>& layer_at_node) {
    Program& p = ctx.program;
    const Graph& g = ctx.graph;
    if (p.schedule.stages.empty()) return;
    const Stage& first = p.schedule.stages.front();
    std::set<std::string> leading;  // the nodes of those ops
    for (int32_t i = 0; i < first.digital_ops_before_mvms; ++i)
      leading.insert(p.digital_ops[static_cast<size_t>(first.digital_ops[static_cast<size_t>(i)])].node);
    std::map<std::string, int32_t> stage_of_node;  // layer and digital op nodes
    for (const Layer& l : p.layers) stage_of_node[l.name] = stage_of_layer[static_cast<size_t>(l.id)];
    const std::map<std::string, int32_t> layer_stage_by_name = stage_of_node;
    for (const Stage& st : p.schedule.stages) {
      for (int32_t d : st.digital_ops) stage_of_node[p.digital_ops[static_cast<size_t>(d)].node] = st.id;
    }
    std::map<std::string, int32_t> stage_of_value;
    std::set<std::string> made_ahead;  // values the leading ops make
    for (size_t v = 0; v < g.num_values(); ++v) {
      const Value& val = g.value(static_cast<ValueId>(v));
      if (val.producer < 0) continue;
      const Node& n = g.node(val.producer);
      if (leading.count(n.name)) made_ahead.insert(val.name);
      const int32_t l = layer_at_node[static_cast<size_t>(val.producer)];
      if (l >= 0) stage_of_value[val.name] = stage_of_layer[static_cast<size_t>(l)];
      else if (auto it = stage_of_node.find(n.name); it != stage_of_node.end()) stage_of_value[val.name] = it->second;
    }
    const int32_t last = static_cast<int32_t>(p.schedule.stages.size()) - 1;
    for (Transfer& t : p.transfers) {
      t.stage = -1;
      const auto produced = stage_of_value.find(t.value);
      const auto c = t.value.rfind(':');
      const std::string node = c == std::string::npos ? std::string() : t.value.substr(0, c);
      if (layer_stage_by_name.count(node) && t.value == program::input_from_host(node)) {
        t.stage = layer_stage_by_name.at(node), t.at = TransferAt::Start;  // a layer's input vectors from the host
      } else if (t.kind == TransferKind::Input && produced == stage_of_value.end()) {
        t.stage = 0, t.at = TransferAt::Start;  // the network's input
      } else if (t.kind == TransferKind::Output) {
        t.stage = last, t.at = TransferAt::End;
      } else if (stage_of_node.count(node)) {
        t.stage = stage_of_node[node], t.at = leading.count(node) ? TransferAt::Start : TransferAt::AfterMvm;
      } else if (produced != stage_of_value.end()) {  // also a value coming back from the host (HERMES's max-pool)
        t.stage = produced->second, t.at = made_ahead.count(t.value) ? TransferAt::BeforeMvm : TransferAt::End;
      }
    }
  }
};

}  // namespace

std::unique_ptr<Pass> make_schedule_pass() { return std::make_unique<Schedule_>(); }

}  // namespace aimc::compiler
