#include "compiler/evaluations.h"

#include <algorithm>

namespace aimc::compiler {

std::vector<Evaluation> array_evaluations(const Program& p, const std::vector<int32_t>& tiles) {
  auto width = [&](const Tile& t) { return t.cols() * p.layers[static_cast<size_t>(t.layer)].columns_per_weight; };
  auto together = [&](const Tile& a, const Tile& b) {
    const bool cols_apart = a.col_offset >= b.col_offset + width(b) || b.col_offset >= a.col_offset + width(a);
    const bool rows_apart = a.row_offset >= b.row_offset + b.rows() || b.row_offset >= a.row_offset + a.rows();
    const bool same_input = a.row_offset == b.row_offset && a.row_begin == b.row_begin && a.row_end == b.row_end;
    return cols_apart && (rows_apart || same_input);
  };
  std::vector<Evaluation> out;
  for (int32_t id : tiles) {
    const Tile& t = p.tiles[static_cast<size_t>(id)];
    auto e = std::find_if(out.begin(), out.end(), [&](const Evaluation& ev) {
      return std::all_of(ev.tiles.begin(), ev.tiles.end(), [&](int32_t m) { return together(t, p.tiles[static_cast<size_t>(m)]); });
    });
    if (e == out.end()) {
      out.push_back(Evaluation{});
      e = out.end() - 1;
    }
    // Rows shared with a member are that member's (the same input): driven once.
    const bool driven = std::any_of(e->tiles.begin(), e->tiles.end(),
                                    [&](int32_t m) { return p.tiles[static_cast<size_t>(m)].row_offset == t.row_offset; });
    if (!driven) e->rows += t.rows();
    e->cols += width(t);
    e->tiles.push_back(id);
  }
  return out;
}

}  // namespace aimc::compiler
