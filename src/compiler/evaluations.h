// The array evaluations of tiles sharing one crossbar: what one MVM of the crossbar computes.
// Tiles of one layer replica evaluate together when their columns are disjoint and their rows are
// disjoint (block-diagonal: the groups of a grouped conv, row blocks of one input vector) or the
// same rows of the layer at the same row offset (one input); tiles sharing rows with other inputs,
// or sharing columns (2-D packing, pass `pack`), run in turn. Used by `schedule` and the
// performance simulator, so both count the same MVMs.
#pragma once

#include <cstdint>
#include <vector>

#include "compiler/program.h"

namespace aimc::compiler {

struct Evaluation {
  std::vector<int32_t> tiles;
  int64_t rows = 0;  // rows driven
  int64_t cols = 0;  // physical columns converted
};

// Pre: `tiles` (ids into p.tiles) are of one layer replica on one crossbar. Greedy in the given
// order: each tile joins the first evaluation it can join.
std::vector<Evaluation> array_evaluations(const Program& p, const std::vector<int32_t>& tiles);

}  // namespace aimc::compiler
