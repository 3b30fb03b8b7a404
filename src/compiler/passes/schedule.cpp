// schedule: the order of execution. kind=pipelined: one stage per layer on its own cores, all
// stages busy at once on successive inputs (HERMES, the 512-cluster chip); kind=layer: the same
// stages one after another; kind=data-parallel: every stage, with the network copied
// `network_replicas` times over disjoint cores, each copy taking every n-th input (Jia et al.).
// Digital ops join the stage of the layer whose output they read. A network cut into reload
// segments (place) lists each segment's tiles and its writes: cells and write operations.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "compiler/pass.h"
#include "compiler/passes/common.h"

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
    for (const Layer& l : p.layers) s.network_replicas = s.kind == ScheduleKind::DataParallel ? std::max(s.network_replicas, l.replicas) : 1;
    // Stages: one per layer, in graph order; digital graph ops join the stage of the latest layer before them.
    std::vector<int32_t> stage_of_layer(p.layers.size(), -1);
    for (const Layer& l : p.layers) {
      Stage st;
      st.id = static_cast<int32_t>(s.stages.size());
      st.layers = {l.id};
      st.cores = p.cores_of(l.id);
      st.mvms_per_inference = static_cast<double>(l.vectors_per_inference) /
                              static_cast<double>(s.kind == ScheduleKind::DataParallel ? 1 : l.replicas);
      stage_of_layer[static_cast<size_t>(l.id)] = st.id;
      s.stages.push_back(st);
    }
    std::map<std::string, int32_t> node_index;
    for (size_t i = 0; i < ctx.graph.num_nodes(); ++i) node_index[ctx.graph.node(static_cast<int32_t>(i)).name] = static_cast<int32_t>(i);
    std::vector<int32_t> layer_at_node(ctx.graph.num_nodes(), -1);
    for (size_t l = 0; l < ctx.layer_node.size(); ++l) layer_at_node[static_cast<size_t>(ctx.layer_node[l])] = static_cast<int32_t>(l);
    for (const DigitalOp& d : p.digital_ops) {
      int32_t stage = -1;
      if (d.layer >= 0) {
        stage = stage_of_layer[static_cast<size_t>(d.layer)];
      } else {
        for (int32_t i = node_index[d.node]; i >= 0 && stage < 0; --i) {
          if (layer_at_node[static_cast<size_t>(i)] >= 0) stage = stage_of_layer[static_cast<size_t>(layer_at_node[static_cast<size_t>(i)])];
        }
        if (stage < 0 && !s.stages.empty()) stage = 0;
      }
      if (stage >= 0) s.stages[static_cast<size_t>(stage)].digital_ops.push_back(d.id);
    }
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
};

}  // namespace

std::unique_ptr<Pass> make_schedule_pass() { return std::make_unique<Schedule_>(); }

}  // namespace aimc::compiler
