// replicate: copies of a layer's crossbars so that more of its input vectors are computed at once.
//   pipelined:     repeatedly give one more replica to the bottleneck layer (most MVMs per crossbar
//                  per inference, vectors / replicas × the array evaluations a vector takes on its
//                  busiest crossbar: one, more when its blocks share rows or columns) while its
//                  crossbars fit in what is left;
//   layer:         give replicas where they save the most MVM time per crossbar spent;
//   data-parallel: as many copies of the whole network as fit.
// mode=none keeps one copy. A layer never gets more replicas than can each take vectors (a 2-D conv's
// output columns, another layer's vectors per inference: program/replicas.h).
// `budget` caps the extra crossbars (−1: all free ones), `total` the crossbars in all. Layers sharing
// a crossbar with another layer are not replicated. A network that needs weight reloading gets no
// data-parallel copies, and replicas only while place's reload segments (cut at layer boundaries)
// stay as many as without them; as its segments run one after another, when the costliest layer
// cannot grow the next costliest may (it may be another segment's bottleneck).
#include <algorithm>
#include <cmath>
#include <limits>

#include "compiler/pass.h"
#include "compiler/passes/common.h"
#include "program/evaluations.h"
#include "program/replicas.h"

namespace aimc::compiler {

namespace {

class Replicate final : public Pass {
 public:
  std::string_view name() const override { return "replicate"; }
  std::string_view summary() const override {
    return "replicate bottleneck layers (or the whole network, data-parallel) into the free crossbars";
  }
  std::vector<PassOption> options() const override {
    return {{"mode", "enum", "auto", "auto | none", {"auto", "none"}},
            {"budget", "int", "-1", "most extra crossbars to spend (-1: every free one)", {}, -1},
            {"total",
             "int",
             "-1",
             "most crossbars in all, replicas included (-1: no cap; a published mapping's "
             "core count, e.g. Bruschi 2023's 261 / 322 clusters)",
             {},
             -1},
            {"max-replicas", "int", "1024", "most copies of one layer", {}, 1}};
  }

  void run(CompileContext& ctx) override {
    auto& layers = ctx.program.layers;
    std::vector<int64_t> bins(layers.size(), 0);
    std::vector<char> replicable(layers.size(), 1);
    // Array evaluations per input vector on the layer's busiest crossbar (more than one when its
    // blocks share rows or columns there: 2-D packing).
    std::vector<double> evaluations(layers.size(), 1.0);
    for (const Bin& b : ctx.bins) {
      if (b.layer >= 0) {
        ++bins[static_cast<size_t>(b.layer)];
        std::vector<PlacedBlock> placed;
        for (const BinEntry& e : b.entries) {
          const Block& k = ctx.blocks[static_cast<size_t>(e.block)];
          placed.push_back(
              {k.r0, k.r1, e.row_offset, e.col_offset, (k.c1 - k.c0) * layers[static_cast<size_t>(b.layer)].columns_per_weight});
        }
        double& ev = evaluations[static_cast<size_t>(b.layer)];
        ev = std::max(ev, static_cast<double>(array_evaluations(placed).size()));
      } else {
        for (const BinEntry& e : b.entries) replicable[static_cast<size_t>(ctx.blocks[static_cast<size_t>(e.block)].layer)] = 0;
      }
    }
    for (Layer& l : layers) l.replicas = 1;
    const int64_t used = static_cast<int64_t>(ctx.bins.size());
    const int64_t capacity = ctx.crossbars();
    const bool reloads = used > capacity && ctx.chip.cores.programming.reload && ctx.schedule_kind != ScheduleKind::DataParallel;
    // Reload segments as place cuts them: a layer's bins with their replicas together, at its first bin.
    auto segments = [&] {
      std::vector<int64_t> groups;
      std::vector<char> seen(layers.size(), 0);
      for (const Bin& b : ctx.bins) {
        if (b.layer < 0) {
          groups.push_back(1);
        } else if (!seen[static_cast<size_t>(b.layer)]) {
          seen[static_cast<size_t>(b.layer)] = 1;
          groups.push_back(bins[static_cast<size_t>(b.layer)] * layers[static_cast<size_t>(b.layer)].replicas);
        }
      }
      return cut_segments(groups, capacity).back() + 1;
    };
    const int32_t base_segments = reloads ? segments() : 1;
    int64_t free = replication_room(reloads ? std::numeric_limits<int64_t>::max() : capacity - used, used, int_option("budget"),
                                    int_option("total"));
    const int64_t max_r = std::max<int64_t>(1, int_option("max-replicas"));
    auto cost = [&](size_t i) {
      return evaluations[i] * static_cast<double>(layers[i].vectors_per_inference) / static_cast<double>(layers[i].replicas);
    };
    double before = 0;
    for (size_t i = 0; i < layers.size(); ++i) before = std::max(before, cost(i));
    int64_t spent = 0;
    if (option("mode") == "auto" && free > 0 && !layers.empty()) {
      if (ctx.schedule_kind == ScheduleKind::DataParallel) {
        const bool all = std::all_of(replicable.begin(), replicable.end(), [](char c) { return c != 0; });
        const int64_t copies = all && used > 0 ? std::min<int64_t>(max_r, 1 + free / used) : 1;
        for (Layer& l : layers) l.replicas = copies;
        spent = (copies - 1) * used;
      } else {
        auto score = [&](size_t i) {
          const double c = cost(i);
          return ctx.schedule_kind == ScheduleKind::Pipelined
                     ? c
                     : (c - evaluations[i] * static_cast<double>(layers[i].vectors_per_inference) /
                                static_cast<double>(layers[i].replicas + 1)) /
                           static_cast<double>(bins[i]);
        };
        while (true) {
          std::vector<size_t> order;
          for (size_t i = 0; i < layers.size(); ++i) {
            if (replicable[i] && bins[i] > 0 && layers[i].replicas < std::min(max_r, program::replica_limit(layers[i])) &&
                score(i) > 0) {
              order.push_back(i);
            }
          }
          std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score(a) > score(b); });
          bool grown = false;
          for (size_t i : order) {
            // Without reloads the pipelined bottleneck alone matters: stop when it cannot grow.
            const bool fits = bins[i] <= free - spent;
            if (fits) {
              layers[i].replicas += 1;
              if (!reloads || segments() <= base_segments) {
                spent += bins[i];
                grown = true;
                break;
              }
              layers[i].replicas -= 1;
            }
            if (!reloads && ctx.schedule_kind == ScheduleKind::Pipelined) break;
          }
          if (!grown) break;
        }
      }
    }
    double after = 0;
    for (size_t i = 0; i < layers.size(); ++i) after = std::max(after, cost(i));
    int64_t replicated = 0;
    for (const Layer& l : layers) replicated += l.replicas > 1 ? 1 : 0;
    statistics()["replicated-layers"] = replicated;
    statistics()["extra-crossbars"] = spent;
    statistics()["bottleneck-mvms-before"] = static_cast<int64_t>(std::ceil(before));
    statistics()["bottleneck-mvms-after"] = static_cast<int64_t>(std::ceil(after));
  }
};

}  // namespace

std::unique_ptr<Pass> make_replicate_pass() { return std::make_unique<Replicate>(); }

}  // namespace aimc::compiler
