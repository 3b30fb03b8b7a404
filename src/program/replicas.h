// How a layer's replicas split its input vectors: the Program's contract (program.h, Tile), read by the
// compiler (how many replicas can get work, what each replica's inputs are), the functional simulator
// (which replica computes which vector) and the performance simulator (each replica's MVMs).
//
// Under the data-parallel schedule each network copy takes whole inferences (callers handle that). Else a
// 2-D conv (its output rows hold more than one position) gives replica k of R, in every output row, a block
// of columns, [⌊k·W/R⌋, ⌊(k+1)·W/R⌋) of its W columns: a row streams through all replicas at once, and a
// replica's window reads its neighbours' inputs only at its block's edges (route counts those halo
// columns). Any other layer gives replica k the vectors ≡ k (mod R): a matrix layer's tokens, a recurrent
// layer's time steps, a 1-D conv's positions.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "program/program.h"

namespace aimc::program {

// The columns W of a layer whose replicas take column blocks, else 0.
int64_t replica_block_columns(const Layer& l);
// Columns [begin, end) of W that replica k of R takes.
std::pair<int64_t, int64_t> replica_columns(int64_t columns, int64_t replicas, int64_t k);
// The most replicas that each get vectors: W for column blocks, else the vectors per inference.
int64_t replica_limit(const Layer& l);
// Input vectors per inference replica k of R computes.
int64_t replica_vectors(const Layer& l, int64_t replicas, int64_t k);
// The positions (vector indices within one inference, 0 … positions − 1, ascending) replica k of R computes:
// a 2-D conv's column blocks in every row (where `positions` holds whole rows of its columns), else every
// R-th position.
std::vector<int64_t> replica_positions(const Layer& l, int64_t positions, int64_t replicas, int64_t k);

}  // namespace aimc::program
