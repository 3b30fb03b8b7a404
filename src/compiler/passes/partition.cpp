// partition: each layer's matrix (each group's, for a grouped conv) is cut into blocks that fit
// one crossbar: ceil(rows / cores.rows) row blocks, whose outputs are summed digitally (partial
// sums), × ceil(cols / logical columns) column blocks, concatenated. Logical columns per crossbar
// = cores.cols / columns per weight (bit-sliced weights take `bits` columns each; differential and
// binary cells one). Full-size blocks first (greedy) or equal sizes (balanced).
#include "compiler/pass.h"
#include "compiler/passes/common.h"

namespace aimc::compiler {

namespace {

std::vector<std::pair<int64_t, int64_t>> split(int64_t n, int64_t cap, bool balanced) {
  const int64_t parts = ceil_div(n, cap);
  std::vector<std::pair<int64_t, int64_t>> out;
  int64_t at = 0;
  for (int64_t p = 0; p < parts; ++p) {
    const int64_t size = balanced ? (n / parts + (p < n % parts ? 1 : 0)) : std::min(cap, n - at);
    out.emplace_back(at, at + size);
    at += size;
  }
  return out;
}

class Partition final : public Pass {
 public:
  std::string_view name() const override { return "partition"; }
  std::string_view summary() const override {
    return "cut each layer matrix into crossbar-sized blocks (row splits summed digitally, column splits concatenated)";
  }
  std::vector<PassOption> options() const override {
    return {{"split", "enum", "greedy", "greedy: full blocks first; balanced: equal block sizes", {"greedy", "balanced"}}};
  }

  void run(CompileContext& ctx) override {
    require(!ctx.program.layers.empty() || ctx.layer_node.empty(), "partition", "lower-to-crossbar");
    ctx.blocks.clear();
    const bool balanced = option("split") == "balanced";
    int64_t row_split = 0, col_split = 0;
    for (const Layer& l : ctx.program.layers) {
      const auto rows = split(l.group_rows, ctx.chip.cores.rows, balanced);
      const auto cols = split(l.group_cols, logical_cols(ctx, l), balanced);
      if (rows.size() > 1) ++row_split;
      if (cols.size() > 1) ++col_split;
      for (int64_t grp = 0; grp < l.groups; ++grp) {
        for (const auto& [c0, c1] : cols) {
          for (const auto& [r0, r1] : rows) {
            ctx.blocks.push_back(Block{l.id, static_cast<int32_t>(grp), grp * l.group_rows + r0, grp * l.group_rows + r1,
                                       grp * l.group_cols + c0, grp * l.group_cols + c1});
          }
        }
      }
    }
    statistics()["blocks"] = static_cast<int64_t>(ctx.blocks.size());
    statistics()["layers-split-by-rows"] = row_split;
    statistics()["layers-split-by-columns"] = col_split;
  }
};

}  // namespace

std::unique_ptr<Pass> make_partition_pass() { return std::make_unique<Partition>(); }

}  // namespace aimc::compiler
