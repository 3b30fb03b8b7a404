// The array evaluations of tiles sharing one crossbar: what one MVM of the crossbar computes.
// Tiles of one layer replica evaluate together when their columns are disjoint and their rows are
// disjoint (block-diagonal: the groups of a grouped conv, row blocks of one input vector) or the
// same rows of the layer at the same row offset (one input); tiles sharing rows with other inputs,
// or sharing columns (2-D packing, pass `pack`), run in turn. Used by `replicate`, `schedule` and
// the performance simulator, so all count the same MVMs.
#pragma once

#include <cstdint>
#include <vector>

#include "program/program.h"

namespace aimc::program {

// A block in a crossbar: rows [row_begin, row_end) of its layer at row_offset, `width` physical
// columns at col_offset.
struct PlacedBlock {
  int64_t row_begin = 0, row_end = 0, row_offset = 0, col_offset = 0, width = 0;
};

struct Evaluation {
  std::vector<int32_t> members;  // indices into the input (tile ids for the Program overload)
  int64_t rows = 0;              // rows driven
  int64_t cols = 0;              // physical columns converted
};

// Pre: the blocks are of one layer replica on one crossbar. Greedy in the given order: each block
// joins the first evaluation it can join.
std::vector<Evaluation> array_evaluations(const std::vector<PlacedBlock>& blocks);
// The same for tiles (ids into p.tiles); `members` are tile ids.
std::vector<Evaluation> array_evaluations(const Program& p, const std::vector<int32_t>& tiles);

}  // namespace aimc::program
