// 2-D rectangle packing for pass `pack` (shape=rect): rectangles (rows × physical columns) go
// anywhere in R × C bins without overlapping — two may share rows when their columns are disjoint,
// or columns when their rows are disjoint (Garofalo's Tile&Pack idea). MaxRects with best-area fit
// (ties: best short side, then the earliest bin and free rectangle), rectangles never rotated (rows
// are a matrix's inputs). Several orders are tried (by height, by area, by width, all decreasing,
// ties by index) and the one needing the fewest bins is kept (the earliest on ties): deterministic.
#pragma once

#include <cstdint>
#include <vector>

namespace aimc::compiler {

struct RectSize {
  int64_t rows = 0, cols = 0;
};
struct RectSpot {
  int32_t bin = 0;
  int64_t row = 0, col = 0;  // top-left corner inside the bin
};

// Pre: every size is ≥ 1 and at most R × C. Returns each rectangle's spot (same order as `sizes`);
// bins are numbered from 0 in the order they were opened, none empty.
std::vector<RectSpot> pack_rects(const std::vector<RectSize>& sizes, int64_t R, int64_t C);

}  // namespace aimc::compiler
