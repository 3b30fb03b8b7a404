#include "program/evaluations.h"

#include <algorithm>

namespace aimc::program {

std::vector<Evaluation> array_evaluations(const std::vector<PlacedBlock>& blocks) {
  auto together = [](const PlacedBlock& a, const PlacedBlock& b) {
    const bool cols_apart = a.col_offset >= b.col_offset + b.width || b.col_offset >= a.col_offset + a.width;
    const int64_t ar = a.row_end - a.row_begin, br = b.row_end - b.row_begin;
    const bool rows_apart = a.row_offset >= b.row_offset + br || b.row_offset >= a.row_offset + ar;
    const bool same_input = a.row_offset == b.row_offset && a.row_begin == b.row_begin && a.row_end == b.row_end;
    return cols_apart && (rows_apart || same_input);
  };
  std::vector<Evaluation> out;
  for (size_t i = 0; i < blocks.size(); ++i) {
    const PlacedBlock& t = blocks[i];
    auto e = std::find_if(out.begin(), out.end(), [&](const Evaluation& ev) {
      return std::all_of(ev.members.begin(), ev.members.end(),
                         [&](int32_t m) { return together(t, blocks[static_cast<size_t>(m)]); });
    });
    if (e == out.end()) {
      out.push_back(Evaluation{});
      e = out.end() - 1;
    }
    // Rows shared with a member are that member's (the same input): driven once.
    const bool driven = std::any_of(e->members.begin(), e->members.end(),
                                    [&](int32_t m) { return blocks[static_cast<size_t>(m)].row_offset == t.row_offset; });
    if (!driven) e->rows += t.row_end - t.row_begin;
    e->cols += t.width;
    e->members.push_back(static_cast<int32_t>(i));
  }
  return out;
}

std::vector<Evaluation> array_evaluations(const Program& p, const std::vector<int32_t>& tiles) {
  std::vector<PlacedBlock> blocks;
  for (int32_t id : tiles) {
    const Tile& t = p.tiles[static_cast<size_t>(id)];
    blocks.push_back({t.row_begin, t.row_end, t.row_offset, t.col_offset,
                      t.cols() * p.layers[static_cast<size_t>(t.layer)].columns_per_weight});
  }
  std::vector<Evaluation> out = array_evaluations(blocks);
  for (Evaluation& e : out) {
    for (int32_t& m : e.members) m = tiles[static_cast<size_t>(m)];
  }
  return out;
}

}  // namespace aimc::program
