// pack: blocks become crossbar bins, in one of two shapes.
//   diagonal (block-diagonal): blocks take disjoint rows and columns, so a crossbar shared by
//     several blocks computes each exactly: the groups of a grouped conv share one input vector and
//     run together; blocks of different layers run in turn with the other rows idle.
//   rect (2-D rectangles, rect_pack.h): blocks go anywhere without overlapping — two may share rows
//     when their columns are disjoint, or columns when their rows are disjoint. Such blocks cannot
//     be evaluated together (one drives rows the other's inputs need, or they sum into the same
//     columns): they run in turn, each MVM driving its own rows and converting its own columns.
// scope=layer packs only blocks of one layer (a pipeline keeps layers apart); scope=network also
// packs blocks of different layers (the fewer bins of the two); scope=none gives every block its
// own crossbar. scope=auto takes the first packing that fits the chip, in the order: layer,
// network (block-diagonal), then — with shape=auto — layer, network (rect); when none fits, the
// one with the fewest bins (so the does-not-fit error reports the best count), but only of the
// block-diagonal ones on a chip that reloads weights (reload segments, as before 2-D packing). When
// scope=auto, shape=auto lands on a 2-D packing with crossbars to spare, the busiest layers move out of it
// onto crossbars of their own, in block-diagonal bands (keep_busy_layers_apart); when it lands on a
// block-diagonal one and the stages overlap (not a layer schedule), that 2-D packing is weighed against it
// once pass `replicate` would have spent the crossbars left (packing_cost), and the cheaper kept.
#include <algorithm>
#include <iterator>
#include <map>
#include <tuple>

#include "compiler/pass.h"
#include "compiler/passes/common.h"
#include "compiler/passes/rect_pack.h"
#include "program/evaluations.h"
#include "program/replicas.h"

namespace aimc::compiler {

namespace {

struct Shelf {
  Bin bin;
  int64_t next_row = 0, next_col = 0;
};

enum class Scope { None, Layer, Network };
enum class Shape { Diagonal, Rect };

struct Packing {
  Scope scope = Scope::Layer;
  Shape shape = Shape::Diagonal;
};

// A block's size in the crossbar: rows × physical columns.
RectSize size_of(const CompileContext& ctx, const Block& b) {
  const Layer& l = ctx.program.layers[static_cast<size_t>(b.layer)];
  return RectSize{b.r1 - b.r0, (b.c1 - b.c0) * l.columns_per_weight};
}

// Keep the blocks' order (layer by layer) so placement stays local; a bin holding several layers
// has layer −1.
std::vector<Bin> in_block_order(const CompileContext& ctx, std::vector<Bin> bins) {
  for (Bin& b : bins) {
    std::stable_sort(b.entries.begin(), b.entries.end(), [](const BinEntry& x, const BinEntry& y) { return x.block < y.block; });
    b.layer = ctx.blocks[static_cast<size_t>(b.entries.front().block)].layer;
    for (const BinEntry& e : b.entries) {
      if (ctx.blocks[static_cast<size_t>(e.block)].layer != b.layer) b.layer = -1;
    }
  }
  std::stable_sort(bins.begin(), bins.end(),
                   [](const Bin& a, const Bin& b) { return a.entries.front().block < b.entries.front().block; });
  return bins;
}

// The blocks to pack, as indices into ctx.blocks in their order.
using BlockSet = std::vector<int32_t>;

BlockSet all_blocks(const CompileContext& ctx) {
  BlockSet all(ctx.blocks.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int32_t>(i);
  return all;
}

std::vector<Bin> pack_diagonal(const CompileContext& ctx, const BlockSet& set, Scope scope) {
  const int64_t R = ctx.chip.cores.rows, C = ctx.chip.cores.cols;
  std::vector<Shelf> open;  // bins still accepting blocks (current layer, or all in network scope)
  std::vector<Bin> done;
  int32_t current = -1;
  auto flush = [&] {
    for (Shelf& s : open) done.push_back(std::move(s.bin));
    open.clear();
  };
  for (int32_t bi : set) {
    const Block& b = ctx.blocks[static_cast<size_t>(bi)];
    const auto [rows, cols] = size_of(ctx, b);
    if (scope != Scope::Network && b.layer != current) flush();
    current = b.layer;
    Shelf* fit = nullptr;
    if (scope != Scope::None) {
      for (Shelf& s : open) {
        if (s.next_row + rows <= R && s.next_col + cols <= C) {
          fit = &s;
          break;
        }
      }
    }
    if (!fit) {
      open.push_back(Shelf{Bin{{}, b.layer}, 0, 0});
      fit = &open.back();
    }
    fit->bin.entries.push_back(BinEntry{bi, fit->next_row, fit->next_col});
    fit->next_row += rows;
    fit->next_col += cols;
    // A full bin leaves the open list early, keeping the search short.
    if (fit->next_row >= R || fit->next_col >= C) {
      auto it = std::find_if(open.begin(), open.end(), [&](const Shelf& s) { return &s == fit; });
      done.push_back(std::move(it->bin));
      open.erase(it);
    }
  }
  flush();
  return done;
}

std::vector<Bin> pack_rect(const CompileContext& ctx, const BlockSet& set, Scope scope) {
  const int64_t R = ctx.chip.cores.rows, C = ctx.chip.cores.cols;
  std::vector<Bin> out;
  const auto layer_of = [&](size_t i) { return ctx.blocks[static_cast<size_t>(set[i])].layer; };
  // Runs of blocks packed together: one layer's (layer scope; a layer's blocks are consecutive) or all.
  for (size_t first = 0, last = 0; first < set.size(); first = last) {
    last = first + 1;
    while (last < set.size() && (scope == Scope::Network || layer_of(last) == layer_of(first))) ++last;
    std::vector<RectSize> sizes;
    for (size_t i = first; i < last; ++i) sizes.push_back(size_of(ctx, ctx.blocks[static_cast<size_t>(set[i])]));
    const std::vector<RectSpot> spots = pack_rects(sizes, R, C);
    const size_t base = out.size();
    for (size_t k = 0; k < spots.size(); ++k) {
      const size_t bin = base + static_cast<size_t>(spots[k].bin);
      if (out.size() <= bin) out.resize(bin + 1);
      out[bin].entries.push_back(BinEntry{set[first + k], spots[k].row, spots[k].col});
    }
  }
  return out;
}

std::vector<Bin> pack(const CompileContext& ctx, Packing p) {
  if (p.scope == Scope::None) return in_block_order(ctx, pack_diagonal(ctx, all_blocks(ctx), Scope::None));
  if (p.shape == Shape::Rect) return in_block_order(ctx, pack_rect(ctx, all_blocks(ctx), p.scope));
  return in_block_order(ctx, pack_diagonal(ctx, all_blocks(ctx), p.scope));
}

// One layer's blocks on crossbars of its own, `fold` bands to a crossbar: its block-diagonal bins (bands:
// blocks with disjoint rows and columns, one evaluation each) side by side, columns apart and rows shared, so
// a vector takes one evaluation per band there. A depthwise conv's 9-row groups: 28 to a band, a band 28
// columns wide, up to 9 bands to a crossbar.
std::vector<Bin> banded(const CompileContext& ctx, const BlockSet& layer_blocks, int32_t fold) {
  const int64_t C = ctx.chip.cores.cols;
  std::vector<Bin> out;
  std::vector<int64_t> used;   // per crossbar: columns taken
  std::vector<int32_t> bands;  // per crossbar: bands in it
  for (Bin& band : pack_diagonal(ctx, layer_blocks, Scope::Layer)) {
    int64_t width = 0;
    for (const BinEntry& e : band.entries)
      width = std::max(width, e.col_offset + size_of(ctx, ctx.blocks[static_cast<size_t>(e.block)]).cols);
    size_t k = 0;
    while (k < out.size() && (bands[k] >= fold || used[k] + width > C)) ++k;
    if (k == out.size()) out.emplace_back(), used.push_back(0), bands.push_back(0);
    for (BinEntry e : band.entries) {
      e.col_offset += used[k];
      out[k].entries.push_back(e);
    }
    used[k] += width;
    ++bands[k];
  }
  return out;
}

// What a packing costs in MVM time, in array evaluations per inference: a crossbar runs its layers'
// evaluations in turn, each layer's vectors × the evaluations its blocks there take (one when they are
// block-diagonal, more when they share rows or columns). A pipelined schedule is bound by the busiest crossbar
// (its layers' stages share it) — with `replicated`, once pass `replicate` has spent the crossbars left about as
// it does: one more replica of the layer on the busiest crossbar while its crossbars fit, none for a layer
// sharing a crossbar with another. A data-parallel schedule is bound by the busiest crossbar over the network
// copies the crossbars left hold; a layer schedule runs each layer at the pace of its busiest crossbar, one
// layer after another. `total` (all crossbars' evaluations) breaks ties.
struct PackingCost {
  double bound = 0, total = 0;
  int32_t busiest_layer = -1;  // the layer with the most evaluations on the crossbar that bounds it
  bool operator<(const PackingCost& o) const { return bound != o.bound ? bound < o.bound : total < o.total; }
};

PackingCost packing_cost(const CompileContext& ctx, const std::vector<Bin>& bins, bool replicated = false) {
  const auto& layers = ctx.program.layers;
  const size_t n = bins.size();
  std::vector<double> load(n, 0.0), layer_worst(layers.size(), 0.0);
  std::vector<int32_t> most_layer(n, -1), only_layer(n, -1);  // only_layer: −1 where several layers share the bin
  std::vector<int64_t> bins_of(layers.size(), 0);
  std::vector<char> replicable(layers.size(), 1);
  PackingCost c;
  std::map<int32_t, std::vector<PlacedBlock>> per_layer;
  for (size_t i = 0; i < n; ++i) {
    per_layer.clear();
    for (const BinEntry& e : bins[i].entries) {
      const Block& k = ctx.blocks[static_cast<size_t>(e.block)];
      per_layer[k.layer].push_back(
          {k.r0, k.r1, e.row_offset, e.col_offset, (k.c1 - k.c0) * layers[static_cast<size_t>(k.layer)].columns_per_weight});
    }
    double most = -1;
    for (const auto& [l, placed] : per_layer) {
      const double mvms = static_cast<double>(layers[static_cast<size_t>(l)].vectors_per_inference) *
                          static_cast<double>(array_evaluations(placed).size());
      load[i] += mvms;
      if (mvms > most) most = mvms, most_layer[i] = l;
      layer_worst[static_cast<size_t>(l)] = std::max(layer_worst[static_cast<size_t>(l)], mvms);
      if (per_layer.size() > 1) replicable[static_cast<size_t>(l)] = 0;
    }
    if (per_layer.size() == 1) only_layer[i] = per_layer.begin()->first, ++bins_of[static_cast<size_t>(only_layer[i])];
    c.total += load[i];
  }
  const auto used = static_cast<int64_t>(n);
  int64_t spare = ctx.replicates ? replication_room(std::max<int64_t>(0, ctx.crossbars() - used), used, ctx.replicate_budget,
                                                    ctx.replicate_total)
                                 : 0;
  std::vector<int64_t> replicas(layers.size(), 1);
  const auto busiest = [&] {
    size_t at = 0;
    double most = -1;
    for (size_t i = 0; i < n; ++i) {
      const double t = load[i] / static_cast<double>(only_layer[i] >= 0 ? replicas[static_cast<size_t>(only_layer[i])] : 1);
      if (t > most) most = t, at = i;
    }
    return std::pair{at, std::max(most, 0.0)};
  };
  if (replicated && ctx.schedule_kind == ScheduleKind::Pipelined) {
    while (n > 0) {
      const int32_t l = only_layer[busiest().first];
      if (l < 0 || replicable[static_cast<size_t>(l)] == 0) break;
      const auto k = static_cast<size_t>(l);
      if (bins_of[k] > spare || replicas[k] >= program::replica_limit(layers[k])) break;
      ++replicas[k];
      spare -= bins_of[k];
    }
  }
  size_t at = 0;
  std::tie(at, c.bound) = busiest();
  if (n > 0) c.busiest_layer = most_layer[at];
  if (ctx.schedule_kind == ScheduleKind::DataParallel && used > 0) c.bound /= static_cast<double>(1 + spare / used);
  if (ctx.schedule_kind == ScheduleKind::LayerByLayer) {
    c.bound = 0;
    for (double w : layer_worst) c.bound += w;
  }
  return c;
}

// The estimated gain (packing_cost with replication) at which a 2-D packing replaces a block-diagonal one. The
// estimate leaves out the network and the digital units; over ten networks on hermes and cluster-512 the run's
// gain was 0.31 to 1.05 of it (ResNet-20 1.25× estimated, 1.10× run; RegNetX-1.6GF 2.46×, 0.77×: the tree's
// links bound the replicas; ConvNeXt-T 4.5×, 4.7×; RegNetX-800MF 80×, 31×). At 3× every network whose run
// gained less than 1.2× keeps its block-diagonal packing, and every one that gained more than 3× moves.
constexpr double kClearGain = 3.0;

class Pack final : public Pass {
 public:
  std::string_view name() const override { return "pack"; }
  std::string_view summary() const override {
    return "pack blocks into shared crossbars, block-diagonally or as 2-D rectangles (groups of a layer; across layers when "
           "needed)";
  }
  std::vector<PassOption> options() const override {
    return {{"scope",
             "enum",
             "auto",
             "layer | network | none | auto (the first packing that fits: layer, network; then 2-D ones when shape=auto)",
             {"auto", "layer", "network", "none"}},
            {"shape",
             "enum",
             "auto",
             "diagonal: disjoint rows and columns; rect: 2-D rectangles (may share rows or columns, run in turn); "
             "auto: diagonal, rect only when scope=auto and no block-diagonal packing fits (then the busiest layers "
             "go block-diagonal in bands on the crossbars left)",
             {"auto", "diagonal", "rect"}}};
  }

  void run(CompileContext& ctx) override {
    const std::string scope = option("scope"), shape_opt = option("shape");
    const Shape shape = shape_opt == "rect" ? Shape::Rect : Shape::Diagonal;
    std::vector<Packing> tries;  // in order of preference
    if (scope == "none") {
      tries = {{Scope::None, Shape::Diagonal}};
    } else if (scope == "layer") {
      tries = {{Scope::Layer, shape}};
    } else {
      tries = {{Scope::Layer, shape}, {Scope::Network, shape}};
      if (scope == "auto" && shape_opt == "auto") {
        tries.push_back({Scope::Layer, Shape::Rect});
        tries.push_back({Scope::Network, Shape::Rect});
      }
    }
    // scope=network: the fewest bins; scope=auto: the first that fits, else the fewest — of the
    // block-diagonal ones on a chip that reloads weights (2-D packing there saves segments, not
    // writes, and serialises more MVMs: ResNet-50 on verma-cimu ran 25% slower), of all otherwise.
    Packing chosen = tries.front();
    ctx.bins = pack(ctx, chosen);
    std::vector<Bin> best_diagonal;
    Packing best_diagonal_packing = chosen;
    for (size_t i = 1; i < tries.size(); ++i) {
      if (scope == "auto" && static_cast<int64_t>(ctx.bins.size()) <= ctx.crossbars()) break;
      if (tries[i].shape == Shape::Rect && chosen.shape == Shape::Diagonal) {
        best_diagonal = ctx.bins;
        best_diagonal_packing = chosen;
      }
      std::vector<Bin> next = pack(ctx, tries[i]);
      if (next.size() < ctx.bins.size()) {
        ctx.bins = std::move(next);
        chosen = tries[i];
      }
    }
    const bool fits = static_cast<int64_t>(ctx.bins.size()) <= ctx.crossbars();
    if (!fits && ctx.chip.cores.programming.reload && !best_diagonal.empty() && shape_opt == "auto") {
      ctx.bins = std::move(best_diagonal);
      chosen = best_diagonal_packing;
    }
    int64_t layers_apart = 0;
    if (fits && chosen.shape == Shape::Rect && scope == "auto" && shape_opt == "auto")
      keep_busy_layers_apart(ctx, chosen, layers_apart);
    // A block-diagonal packing spends crossbars on layers that 2-D packing would pack tighter (a depthwise conv's
    // groups: 35 crossbars for MobileNetV2's last ones), and the network-scoped one runs in turn the layers sharing
    // a crossbar and leaves replication nothing it may copy there. Where the stages overlap (not a layer
    // schedule), a 2-D packing with its busy layers kept apart may cost far less MVM time once replication has
    // spent the crossbars left (MobileNetV2 on HERMES: 184 images/s block-diagonal on 341 cores, 2,398 on 400;
    // 7,882 and 8,112 this way). It replaces the block-diagonal packing only for a clear gain (kClearGain).
    if (fits && chosen.shape == Shape::Diagonal && scope == "auto" && shape_opt == "auto" &&
        ctx.schedule_kind != ScheduleKind::LayerByLayer) {
      for (Scope s : {Scope::Layer, Scope::Network}) {
        std::vector<Bin> rect_bins = pack(ctx, {s, Shape::Rect});
        if (static_cast<int64_t>(rect_bins.size()) > ctx.crossbars()) continue;
        std::vector<Bin> diagonal_bins = ctx.bins;
        int64_t apart = 0;
        keep_busy_layers_apart(ctx, {s, Shape::Rect}, apart);
        if (apart == 0) ctx.bins = std::move(rect_bins);
        if (kClearGain * packing_cost(ctx, ctx.bins, true).bound <= packing_cost(ctx, diagonal_bins, true).bound) {
          chosen = {s, Shape::Rect};
          layers_apart = apart;
        } else {
          ctx.bins = std::move(diagonal_bins);
        }
        break;
      }
    }
    int64_t shared = 0, multi_layer = 0, rect = 0;
    for (const Bin& b : ctx.bins) {
      if (b.entries.size() > 1) ++shared;
      if (b.layer < 0) ++multi_layer;
      if (!diagonal(ctx, b)) ++rect;
    }
    statistics()["crossbars"] = static_cast<int64_t>(ctx.bins.size());
    statistics()["shared-crossbars"] = shared;
    statistics()["multi-layer-crossbars"] = multi_layer;
    statistics()["rect-packed"] = chosen.shape == Shape::Rect ? 1 : 0;
    statistics()["crossbars-sharing-rows-or-columns"] = rect;
    statistics()["layers-apart-from-2d-packing"] = layers_apart;
  }

 private:
  // Whether a bin's blocks take pairwise disjoint rows and columns.
  static bool diagonal(const CompileContext& ctx, const Bin& b) {
    for (size_t i = 0; i < b.entries.size(); ++i) {
      const RectSize si = size_of(ctx, ctx.blocks[static_cast<size_t>(b.entries[i].block)]);
      for (size_t j = 0; j < i; ++j) {
        const RectSize sj = size_of(ctx, ctx.blocks[static_cast<size_t>(b.entries[j].block)]);
        const BinEntry &x = b.entries[i], &y = b.entries[j];
        const bool rows_apart = x.row_offset >= y.row_offset + sj.rows || y.row_offset >= x.row_offset + si.rows;
        const bool cols_apart = x.col_offset >= y.col_offset + sj.cols || y.col_offset >= x.col_offset + si.cols;
        if (!rows_apart || !cols_apart) return false;
      }
    }
    return true;
  }

  // A 2-D packing runs in turn the MVMs of blocks that share rows or columns, and of layers that share a
  // crossbar: MobileNetV2's depthwise convs on HERMES, their 9-row groups stacked in shared columns, took up
  // to 48 evaluations per vector on crossbars shared with other layers (18 images/s). Where crossbars are
  // left, the busiest crossbar's busiest layer moves out of the 2-D packing onto crossbars of its own, in
  // bands (banded: as few crossbars as its columns allow), and a layer of its own that is still the busiest
  // takes half the bands to a crossbar, until it has one band each; each step is kept while the packing
  // fits and costs less MVM time (packing_cost, before replication). Replication then takes what is left.
  static void keep_busy_layers_apart(CompileContext& ctx, Packing chosen, int64_t& layers_apart) {
    const size_t n_layers = ctx.program.layers.size();
    std::vector<BlockSet> of_layer(n_layers);
    for (size_t i = 0; i < ctx.blocks.size(); ++i)
      of_layer[static_cast<size_t>(ctx.blocks[i].layer)].push_back(static_cast<int32_t>(i));
    // Per layer: kPooled (in the 2-D packing of the rest), kOwn2d (2-D packed alone on crossbars of its own),
    // or the bands it takes to a crossbar (≥ 1).
    constexpr int32_t kPooled = 0, kOwn2d = -1;
    std::vector<int32_t> fold(n_layers, kPooled);
    std::vector<std::vector<Bin>> own(n_layers);
    std::vector<Bin> pooled = pack_rect(ctx, all_blocks(ctx), chosen.scope);
    std::vector<Bin> bins = pooled;
    PackingCost cost = packing_cost(ctx, bins);
    // Layer l in state f (its crossbars `mine`): kept when the network fits and its MVM time falls.
    const auto try_state = [&](size_t l, int32_t f, std::vector<Bin> mine) {
      const bool leaves_pool = fold[l] == kPooled;
      std::vector<Bin> rest_pooled;
      if (leaves_pool) {
        BlockSet rest;
        for (size_t i = 0; i < ctx.blocks.size(); ++i) {
          const auto k = static_cast<size_t>(ctx.blocks[i].layer);
          if (fold[k] == kPooled && k != l) rest.push_back(static_cast<int32_t>(i));
        }
        rest_pooled = pack_rect(ctx, rest, chosen.scope);
      }
      std::vector<Bin> next = leaves_pool ? rest_pooled : pooled;
      for (size_t k = 0; k < n_layers; ++k) {
        const std::vector<Bin>& o = k == l ? mine : own[k];
        next.insert(next.end(), o.begin(), o.end());
      }
      if (static_cast<int64_t>(next.size()) > ctx.crossbars()) return false;
      const PackingCost next_cost = packing_cost(ctx, next);
      if (!(next_cost < cost)) return false;
      fold[l] = f;
      own[l] = std::move(mine);
      if (leaves_pool) pooled = std::move(rest_pooled);
      bins = std::move(next);
      cost = next_cost;
      return true;
    };
    const auto bands_of = [&](size_t l) {
      return std::max<int32_t>(1, static_cast<int32_t>(pack_diagonal(ctx, of_layer[l], Scope::Layer).size()));
    };
    const size_t most_steps = 4 * n_layers + 16;
    for (size_t step = 0; step < most_steps && cost.busiest_layer >= 0; ++step) {
      const auto l = static_cast<size_t>(cost.busiest_layer);
      const int32_t f = fold[l];
      bool moved = false;
      if (f == kPooled || f == kOwn2d) {
        // Its bands side by side, as many to a crossbar as its columns allow; from the pool, else alone in 2-D.
        const int32_t all = bands_of(l);
        moved = try_state(l, all, banded(ctx, of_layer[l], all)) ||
                (f == kPooled && try_state(l, kOwn2d, pack_rect(ctx, of_layer[l], Scope::Layer)));
      } else if (f > 1) {
        // Fewer bands to a crossbar, until it takes more crossbars.
        int32_t g = f;
        std::vector<Bin> mine = own[l];
        while (g > 1 && mine.size() == own[l].size()) {
          g = (g + 1) / 2;
          mine = banded(ctx, of_layer[l], g);
        }
        moved = try_state(l, g, std::move(mine));
      }
      if (!moved) break;  // block-diagonal already (replication's to speed up), or no step fits and helps
    }
    layers_apart = 0;
    for (int32_t f : fold) layers_apart += f != kPooled ? 1 : 0;
    if (layers_apart > 0) ctx.bins = in_block_order(ctx, std::move(bins));
  }
};

}  // namespace

std::unique_ptr<Pass> make_pack_pass() { return std::make_unique<Pack>(); }

}  // namespace aimc::compiler
