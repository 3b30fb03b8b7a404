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
// block-diagonal ones on a chip that reloads weights (reload segments, as before 2-D packing).
#include <algorithm>

#include "compiler/pass.h"
#include "compiler/passes/common.h"
#include "compiler/passes/rect_pack.h"

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

std::vector<Bin> pack_diagonal(const CompileContext& ctx, Scope scope) {
  const int64_t R = ctx.chip.cores.rows, C = ctx.chip.cores.cols;
  std::vector<Shelf> open;  // bins still accepting blocks (current layer, or all in network scope)
  std::vector<Bin> done;
  int32_t current = -1;
  auto flush = [&] {
    for (Shelf& s : open) done.push_back(std::move(s.bin));
    open.clear();
  };
  for (size_t bi = 0; bi < ctx.blocks.size(); ++bi) {
    const Block& b = ctx.blocks[bi];
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
    fit->bin.entries.push_back(BinEntry{static_cast<int32_t>(bi), fit->next_row, fit->next_col});
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
  return in_block_order(ctx, std::move(done));
}

std::vector<Bin> pack_rect(const CompileContext& ctx, Scope scope) {
  const int64_t R = ctx.chip.cores.rows, C = ctx.chip.cores.cols;
  std::vector<Bin> out;
  // Runs of blocks packed together: one layer's (layer scope; a layer's blocks are consecutive) or all.
  for (size_t first = 0, last = 0; first < ctx.blocks.size(); first = last) {
    last = first + 1;
    while (last < ctx.blocks.size() && (scope == Scope::Network || ctx.blocks[last].layer == ctx.blocks[first].layer)) ++last;
    std::vector<RectSize> sizes;
    for (size_t bi = first; bi < last; ++bi) sizes.push_back(size_of(ctx, ctx.blocks[bi]));
    const std::vector<RectSpot> spots = pack_rects(sizes, R, C);
    const size_t base = out.size();
    for (size_t k = 0; k < spots.size(); ++k) {
      const size_t bin = base + static_cast<size_t>(spots[k].bin);
      if (out.size() <= bin) out.resize(bin + 1);
      out[bin].entries.push_back(BinEntry{static_cast<int32_t>(first + k), spots[k].row, spots[k].col});
    }
  }
  return in_block_order(ctx, std::move(out));
}

std::vector<Bin> pack(const CompileContext& ctx, Packing p) {
  if (p.scope == Scope::None) return pack_diagonal(ctx, Scope::None);
  return p.shape == Shape::Rect ? pack_rect(ctx, p.scope) : pack_diagonal(ctx, p.scope);
}

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
             "auto: diagonal, rect only when scope=auto and no block-diagonal packing fits",
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
};

}  // namespace

std::unique_ptr<Pass> make_pack_pass() { return std::make_unique<Pack>(); }

}  // namespace aimc::compiler
