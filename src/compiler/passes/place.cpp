// place: every crossbar bin (× its layer's replicas) gets a (core, array) slot. Slots are taken in
// the network's locality order (a snake over a mesh, subtree by subtree in a tree), layer after
// layer, so consecutive layers and the row blocks of one column block (partial sums) sit on
// neighbouring cores; then pairwise swaps of crossbars (free slots included) lower the
// hop-weighted traffic: activations between consecutive layers (split evenly over their crossbars)
// and partial sums from row blocks to the first row block of their column block. A network
// that needs more crossbars than the chip has is infeasible — unless `cores.programming.reload`
// allows rewriting weights, when it is cut into reload segments that each fit, at layer boundaries
// (`cut_segments`: a layer splits only when it is larger than the chip).
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <map>
#include <numeric>
#include <set>

#include "compiler/expected.h"
#include "compiler/pass.h"
#include "compiler/passes/common.h"
#include "noc/network.h"

namespace aimc::compiler {

namespace {

struct Instance {
  int32_t bin = 0;
  int32_t replica = 0;
};

std::vector<Instance> instances(const CompileContext& ctx) {
  std::vector<Instance> out;
  if (ctx.schedule_kind == ScheduleKind::DataParallel) {
    const int64_t copies = network_copies(ctx.program.layers, ctx.schedule_kind);
    for (int32_t r = 0; r < copies; ++r) {
      for (size_t b = 0; b < ctx.bins.size(); ++b) {
        const int32_t layer = ctx.bins[b].layer;
        if (r == 0 || (layer >= 0 && r < ctx.program.layers[static_cast<size_t>(layer)].replicas)) {
          out.push_back(Instance{static_cast<int32_t>(b), r});
        }
      }
    }
    return out;
  }
  std::vector<char> done(ctx.bins.size(), 0);
  for (size_t b = 0; b < ctx.bins.size(); ++b) {
    if (done[b]) continue;
    const int32_t layer = ctx.bins[b].layer;
    if (layer < 0) {
      out.push_back(Instance{static_cast<int32_t>(b), 0});
      done[b] = 1;
      continue;
    }
    const int64_t reps = ctx.program.layers[static_cast<size_t>(layer)].replicas;
    for (int32_t r = 0; r < reps; ++r) {
      for (size_t c = b; c < ctx.bins.size(); ++c) {
        if (ctx.bins[c].layer == layer) out.push_back(Instance{static_cast<int32_t>(c), r});
      }
    }
    for (size_t c = b; c < ctx.bins.size(); ++c) {
      if (ctx.bins[c].layer == layer) done[c] = 1;
    }
  }
  return out;
}

// What a does-not-fit error adds: the layers holding the most crossbars, and the remedies that work —
// leaving grouped convs to digital units that can run them, and the cores a derived chip needs.
std::string does_not_fit_remedies(const CompileContext& ctx, const std::vector<Instance>& inst, int64_t needed) {
  const Program& p = ctx.program;
  std::vector<int64_t> per_layer(p.layers.size(), 0);
  int64_t grouped_only = 0;  // crossbars holding nothing but grouped-conv blocks
  for (const Instance& in : inst) {
    std::vector<int32_t> layers;
    for (const BinEntry& e : ctx.bins[static_cast<size_t>(in.bin)].entries) {
      layers.push_back(ctx.blocks[static_cast<size_t>(e.block)].layer);
    }
    std::sort(layers.begin(), layers.end());
    layers.erase(std::unique(layers.begin(), layers.end()), layers.end());
    bool all_grouped = !layers.empty();
    for (int32_t l : layers) {
      ++per_layer[static_cast<size_t>(l)];
      all_grouped = all_grouped && p.layers[static_cast<size_t>(l)].groups > 1;
    }
    grouped_only += all_grouped ? 1 : 0;
  }
  std::vector<size_t> order(per_layer.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return per_layer[a] > per_layer[b]; });
  std::vector<std::string> biggest;
  for (size_t i = 0; i < std::min<size_t>(3, order.size()); ++i) {
    biggest.push_back(fmt::format("{} ({})", p.layers[order[i]].name, per_layer[order[i]]));
  }
  std::string out = fmt::format("; most crossbars: {}", fmt::join(biggest, ", "));
  if (grouped_only > 0) {
    auto any = [&](auto pred) {
      return std::any_of(ctx.chip.cores.digital.begin(), ctx.chip.cores.digital.end(), pred) ||
             std::any_of(ctx.chip.digital.begin(), ctx.chip.digital.end(), pred);
    };
    const bool programmable = any([](const chip::DigitalUnitSpec& u) { return u.kind == chip::DigitalKind::RiscV; });
    const char* where = programmable               ? "the programmable digital units"
                        : runs_depthwise(ctx.chip) ? "the depthwise-conv unit (depthwise convs; other grouped convs to the host)"
                                                   : "the host (no unit of the chip runs convolutions)";
    out += fmt::format("; grouped convs take {} of them: lower-to-crossbar{{grouped=digital}} leaves them to {}", grouped_only,
                       where);
  }
  const int64_t arrays = ctx.chip.cores.arrays;
  const int64_t cores = (needed + arrays - 1) / arrays;
  const auto& arrangement = ctx.chip.cores.arrangement;
  if (arrangement.size() == 2 && ctx.chip.noc.topology != chip::NocTopology::Tree) {
    const auto a = static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(cores))));
    const int64_t b = (cores + a - 1) / a;
    out += fmt::format("; it fits a chip derived with base: {} and cores: {{count: {}, arrangement: [{}, {}]}}", ctx.chip.name,
                       a * b, a, b);
  } else {
    out += fmt::format("; it fits a chip derived with base: {} and at least {} cores (cores.count and cores.arrangement{})",
                       ctx.chip.name, cores, ctx.chip.noc.topology == chip::NocTopology::Tree ? " and noc.levels' fan-outs" : "");
  }
  return out;
}

// The reload segment of every instance: cut at layer boundaries (a layer's instances are consecutive).
std::vector<int32_t> segments_of(const CompileContext& ctx, const std::vector<Instance>& inst, int64_t capacity) {
  std::vector<int64_t> groups;
  int32_t last = -1;
  for (const Instance& in : inst) {
    const int32_t layer = ctx.bins[static_cast<size_t>(in.bin)].layer;
    if (layer >= 0 && layer == last) {
      ++groups.back();
    } else {
      groups.push_back(1);
    }
    last = layer;
  }
  return cut_segments(groups, capacity);
}

class Place final : public Pass {
 public:
  std::string_view name() const override { return "place"; }
  std::string_view summary() const override {
    return "assign crossbars to cores in network locality order; reload segments when the chip allows rewriting";
  }
  std::vector<PassOption> options() const override {
    return {{"reload",
             "enum",
             "auto",
             "auto: reload segments only when the network does not fit and the chip allows it; never",
             {"auto", "never"}},
            {"refine",
             "enum",
             "swap",
             "swap: pairwise swaps lowering hop-weighted traffic; none: locality order only",
             {"swap", "none"}},
            {"window", "int", "48", "swap partners per crossbar: the next N slots in locality order", {}, 0}};
  }

  void run(CompileContext& ctx) override {
    Expected<std::vector<Tile>> placed = place(ctx);
    if (!placed) throw Error(placed.error().reason);
    ctx.program.tiles = std::move(placed.value());
    set_reduce_cores(ctx.program);
    ctx.program.crossbar_rows = ctx.chip.cores.rows;
    ctx.program.crossbar_cols = ctx.chip.cores.cols;
    ctx.program.crossbars_available = ctx.crossbars();
    int32_t segments = 0;
    for (const Tile& t : ctx.program.tiles) segments = std::max(segments, t.segment + 1);
    statistics()["tiles"] = static_cast<int64_t>(ctx.program.tiles.size());
    statistics()["crossbars-used"] = ctx.program.crossbars_used();
    statistics()["segments"] = segments;
    statistics()["hop-cost-before-refine"] = m_refine[0];
    statistics()["hop-cost-after-refine"] = m_refine[1];
    statistics()["swaps"] = m_refine[2];
  }

 private:
  std::array<int64_t, 3> m_refine{0, 0, 0};

  Expected<std::vector<Tile>> place(const CompileContext& ctx) {
    const std::vector<Instance> inst = instances(ctx);
    const int64_t capacity = ctx.crossbars();
    const int64_t needed = static_cast<int64_t>(inst.size());
    if (needed > capacity && (!ctx.chip.cores.programming.reload || option("reload") == "never")) {
      return Infeasible{
          fmt::format("{} needs {} crossbars of {}x{}, {} has {}{}{}", ctx.graph.name.empty() ? "the network" : ctx.graph.name,
                      needed, ctx.chip.cores.rows, ctx.chip.cores.cols, ctx.chip.name, capacity,
                      ctx.chip.cores.programming.reload ? "" : " (and its cores.programming does not allow reloading weights)",
                      does_not_fit_remedies(ctx, inst, needed))};
    }
    const noc::Network topo(ctx.chip);
    std::vector<std::pair<int32_t, int32_t>> slots;  // (core, array) in locality order
    for (int32_t core : topo.locality_order()) {
      for (int32_t a = 0; a < ctx.chip.cores.arrays; ++a) slots.emplace_back(core, a);
    }
    const std::vector<int32_t> seg = segments_of(ctx, inst, capacity);
    std::vector<int64_t> slot_of(inst.size());
    for (size_t k = 0; k < inst.size(); ++k) slot_of[k] = k > 0 && seg[k] == seg[k - 1] ? slot_of[k - 1] + 1 : 0;
    if (option("refine") == "swap") refine(ctx, inst, slots, topo, seg, slot_of);
    std::vector<Tile> tiles;
    for (int64_t k = 0; k < needed; ++k) {
      const Instance& in = inst[static_cast<size_t>(k)];
      const auto [core, array] = slots[static_cast<size_t>(slot_of[static_cast<size_t>(k)])];
      for (const BinEntry& e : ctx.bins[static_cast<size_t>(in.bin)].entries) {
        const Block& b = ctx.blocks[static_cast<size_t>(e.block)];
        Tile t;
        t.id = static_cast<int32_t>(tiles.size());
        t.layer = b.layer;
        t.group = b.group;
        t.row_begin = b.r0;
        t.row_end = b.r1;
        t.col_begin = b.c0;
        t.col_end = b.c1;
        t.replica = in.replica;
        t.core = core;
        t.array = array;
        t.row_offset = e.row_offset;
        t.col_offset = e.col_offset;
        t.segment = seg[static_cast<size_t>(k)];
        tiles.push_back(t);
      }
    }
    return tiles;
  }

  // Traffic between crossbar instances (bytes per inference, approximate) for the swap refinement.
  static std::vector<std::vector<std::pair<int32_t, double>>> traffic(const CompileContext& ctx,
                                                                      const std::vector<Instance>& inst) {
    const Graph& g = ctx.graph;
    const auto& layers = ctx.program.layers;
    std::vector<std::vector<std::pair<int32_t, double>>> adj(inst.size());
    auto link = [&](size_t a, size_t b, double w) {
      if (a == b || w <= 0) return;
      adj[a].emplace_back(static_cast<int32_t>(b), w);
      adj[b].emplace_back(static_cast<int32_t>(a), w);
    };
    std::vector<std::vector<size_t>> of_layer(layers.size());
    for (size_t k = 0; k < inst.size(); ++k) {
      const int32_t l = ctx.bins[static_cast<size_t>(inst[k].bin)].layer;
      if (l >= 0) of_layer[static_cast<size_t>(l)].push_back(k);
    }
    // Partial sums: row blocks to the first row block of the same column block and replica.
    std::map<std::tuple<int32_t, int32_t, int64_t>, std::vector<std::pair<int64_t, size_t>>> col_blocks;
    for (size_t k = 0; k < inst.size(); ++k) {
      for (const BinEntry& e : ctx.bins[static_cast<size_t>(inst[k].bin)].entries) {
        const Block& b = ctx.blocks[static_cast<size_t>(e.block)];
        col_blocks[{b.layer, inst[k].replica, b.c0}].emplace_back(b.r0, k);
      }
    }
    for (auto& [key, members] : col_blocks) {
      std::sort(members.begin(), members.end());
      const Layer& l = layers[static_cast<size_t>(std::get<0>(key))];
      const double w = static_cast<double>(l.vectors_per_inference) * static_cast<double>(std::min(l.cols, ctx.chip.cores.cols)) /
                       static_cast<double>(l.replicas);
      for (size_t m = 1; m < members.size(); ++m) link(members[m].second, members[0].second, w);
    }
    // Activations: each layer to the layers reading its output (through digital and layout nodes).
    const auto readers = value_readers(g);
    std::vector<int32_t> layer_at(g.num_nodes(), -1);
    for (size_t l = 0; l < ctx.layer_node.size(); ++l) layer_at[static_cast<size_t>(ctx.layer_node[l])] = static_cast<int32_t>(l);
    for (size_t l = 0; l < layers.size(); ++l) {
      std::vector<int32_t> stack = {ctx.layer_node[l]};
      std::set<int32_t> seen, next;
      while (!stack.empty()) {
        const int32_t n = stack.back();
        stack.pop_back();
        for (ValueId o : g.node(n).outputs) {
          if (o == kNoValue) continue;
          for (int32_t r : readers[static_cast<size_t>(o)]) {
            if (!seen.insert(r).second) continue;
            if (layer_at[static_cast<size_t>(r)] >= 0) {
              next.insert(layer_at[static_cast<size_t>(r)]);
            } else {
              stack.push_back(r);
            }
          }
        }
      }
      for (int32_t q : next) {
        const auto& a = of_layer[l];
        const auto& b = of_layer[static_cast<size_t>(q)];
        if (a.empty() || b.empty()) continue;
        const double bytes = static_cast<double>(layers[static_cast<size_t>(q)].vectors_per_inference) *
                             static_cast<double>(layers[static_cast<size_t>(q)].rows) / static_cast<double>(a.size() * b.size());
        for (size_t x : a) {
          for (size_t y : b) link(x, y, bytes);
        }
      }
    }
    return adj;
  }

  void refine(const CompileContext& ctx, const std::vector<Instance>& inst, const std::vector<std::pair<int32_t, int32_t>>& slots,
              const noc::Network& topo, const std::vector<int32_t>& seg, std::vector<int64_t>& slot_of) {
    const int64_t capacity = static_cast<int64_t>(slots.size());
    const auto adj = traffic(ctx, inst);
    const int64_t window = std::max<int64_t>(1, int_option("window"));
    // The swaps below ask for the hops between two cores millions of times: from a table where the chip's
    // cores fit one (up to 2048 cores: 8 MB; fewer than 4096 hops), else from the network.
    const auto n_cores = static_cast<size_t>(ctx.chip.cores.count);
    std::vector<uint16_t> hop_table;
    if (n_cores <= 2048) {
      hop_table.resize(n_cores * n_cores);
      for (size_t a = 0; a < n_cores; ++a) {
        for (size_t b = 0; b < n_cores; ++b) {
          hop_table[a * n_cores + b] = static_cast<uint16_t>(topo.hops(static_cast<int32_t>(a), static_cast<int32_t>(b)));
        }
      }
    }
    const auto hops = [&](int32_t a, int32_t b) {
      if (hop_table.empty()) return static_cast<double>(topo.hops(a, b));
      return static_cast<double>(hop_table[static_cast<size_t>(a) * n_cores + static_cast<size_t>(b)]);
    };
    auto cost_of = [&](size_t k) {
      double c = 0;
      const int32_t core = slots[static_cast<size_t>(slot_of[k])].first;
      for (const auto& [j, w] : adj[k]) {
        if (seg[k] != seg[static_cast<size_t>(j)]) continue;  // other segment
        c += w * hops(core, slots[static_cast<size_t>(slot_of[static_cast<size_t>(j)])].first);
      }
      return c;
    };
    double before = 0;
    for (size_t k = 0; k < inst.size(); ++k) before += cost_of(k);
    int64_t swaps = 0;
    for (size_t first = 0, last = 0; first < inst.size(); first = last) {
      last = first;
      while (last < inst.size() && seg[last] == seg[first]) ++last;
      // occupant[slot] = instance index or -1, within this segment.
      std::vector<int64_t> occupant(static_cast<size_t>(capacity), -1);
      for (size_t k = first; k < last; ++k) occupant[static_cast<size_t>(slot_of[k])] = static_cast<int64_t>(k);
      for (int pass = 0; pass < 3; ++pass) {
        int64_t improved = 0;
        for (int64_t a = 0; a < capacity; ++a) {
          for (int64_t b = a + 1; b < std::min(capacity, a + 1 + window); ++b) {
            const int64_t i = occupant[static_cast<size_t>(a)], j = occupant[static_cast<size_t>(b)];
            if (i < 0 && j < 0) continue;
            if (slots[static_cast<size_t>(a)].first == slots[static_cast<size_t>(b)].first) continue;
            double old_cost = (i >= 0 ? cost_of(static_cast<size_t>(i)) : 0) + (j >= 0 ? cost_of(static_cast<size_t>(j)) : 0);
            if (i >= 0) slot_of[static_cast<size_t>(i)] = b;
            if (j >= 0) slot_of[static_cast<size_t>(j)] = a;
            double new_cost = (i >= 0 ? cost_of(static_cast<size_t>(i)) : 0) + (j >= 0 ? cost_of(static_cast<size_t>(j)) : 0);
            if (new_cost < old_cost * (1 - 1e-9) - 1e-9) {
              std::swap(occupant[static_cast<size_t>(a)], occupant[static_cast<size_t>(b)]);
              ++improved;
            } else {
              if (i >= 0) slot_of[static_cast<size_t>(i)] = a;
              if (j >= 0) slot_of[static_cast<size_t>(j)] = b;
            }
          }
        }
        swaps += improved;
        if (improved == 0) break;
      }
    }
    double after = 0;
    for (size_t k = 0; k < inst.size(); ++k) after += cost_of(k);
    m_refine = {static_cast<int64_t>(std::llround(before / 2)), static_cast<int64_t>(std::llround(after / 2)), swaps};
  }

  // The core that sums a column block's partial results: the one holding its first row block.
  static void set_reduce_cores(Program& p) {
    std::map<std::tuple<int32_t, int32_t, int64_t, int64_t>, std::pair<int64_t, int32_t>> first;
    for (const Tile& t : p.tiles) {
      auto key = std::make_tuple(t.layer, t.replica, t.col_begin, t.col_end);
      auto it = first.find(key);
      if (it == first.end() || t.row_begin < it->second.first) first[key] = {t.row_begin, t.core};
    }
    for (Tile& t : p.tiles) t.reduce_core = first[std::make_tuple(t.layer, t.replica, t.col_begin, t.col_end)].second;
  }
};

}  // namespace

std::unique_ptr<Pass> make_place_pass() { return std::make_unique<Place>(); }

}  // namespace aimc::compiler
