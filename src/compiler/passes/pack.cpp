// pack: blocks become crossbar bins. Blocks are placed block-diagonally (disjoint rows and
// columns), so a crossbar shared by several blocks computes each exactly: the groups of a grouped
// conv share one input vector and run together; blocks of different layers run in turn with the
// other rows idle. scope=layer packs only blocks of one layer (a pipeline keeps layers apart);
// scope=network also packs small blocks of different layers; scope=auto does that only when the
// network would not fit otherwise.
#include <algorithm>

#include "compiler/pass.h"
#include "compiler/passes/common.h"

namespace aimc::compiler {

namespace {

struct Shelf {
  Bin bin;
  int64_t next_row = 0, next_col = 0;
};

class Pack final : public Pass {
 public:
  std::string_view name() const override { return "pack"; }
  std::string_view summary() const override {
    return "pack small blocks block-diagonally into shared crossbars (groups of a layer; across layers when needed)";
  }
  std::vector<PassOption> options() const override {
    return {{"scope", "enum", "auto", "layer | network | auto (network only when the layer-scoped packing does not fit)",
             {"auto", "layer", "network", "none"}}};
  }

  void run(CompileContext& ctx) override {
    const std::string scope = option("scope");
    ctx.bins = pack(ctx, scope == "none" ? Mode::None : Mode::Layer);
    if (scope == "network" || (scope == "auto" && static_cast<int64_t>(ctx.bins.size()) > ctx.crossbars())) {
      std::vector<Bin> net = pack(ctx, Mode::Network);
      if (net.size() < ctx.bins.size()) ctx.bins = std::move(net);
    }
    int64_t shared = 0, multi_layer = 0;
    for (const Bin& b : ctx.bins) {
      if (b.entries.size() > 1) ++shared;
      if (b.layer < 0) ++multi_layer;
    }
    statistics()["crossbars"] = static_cast<int64_t>(ctx.bins.size());
    statistics()["shared-crossbars"] = shared;
    statistics()["multi-layer-crossbars"] = multi_layer;
  }

 private:
  enum class Mode { None, Layer, Network };

  static std::vector<Bin> pack(const CompileContext& ctx, Mode mode) {
    const int64_t R = ctx.chip.cores.rows, C = ctx.chip.cores.cols;
    std::vector<Shelf> open;  // bins still accepting blocks (current layer, or all in network mode)
    std::vector<Bin> done;
    int32_t current = -1;
    auto flush = [&] {
      for (Shelf& s : open) done.push_back(std::move(s.bin));
      open.clear();
    };
    for (size_t bi = 0; bi < ctx.blocks.size(); ++bi) {
      const Block& b = ctx.blocks[bi];
      const Layer& l = ctx.program.layers[static_cast<size_t>(b.layer)];
      const int64_t rows = b.r1 - b.r0, cols = (b.c1 - b.c0) * l.columns_per_weight;
      if (mode != Mode::Network && b.layer != current) flush();
      current = b.layer;
      Shelf* fit = nullptr;
      if (mode != Mode::None) {
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
      if (fit->bin.layer != b.layer) fit->bin.layer = -1;
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
    // Keep the blocks' order (layer by layer) so placement stays local.
    std::stable_sort(done.begin(), done.end(),
                     [](const Bin& a, const Bin& b) { return a.entries.front().block < b.entries.front().block; });
    return done;
  }
};

}  // namespace

std::unique_ptr<Pass> make_pack_pass() { return std::make_unique<Pack>(); }

}  // namespace aimc::compiler
