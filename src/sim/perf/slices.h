// Streaming one inference through the pipeline in slices (PerfOptions::chunks): a layer starts on a
// slice of its input as soon as its producer has made it (a line-buffered, systolic dataflow),
// instead of waiting for the producer's whole output.
//
// A slice is a share of each stage's output positions in raster order, so with K slices a 2-D conv
// stage hands on H/K of its output rows at a time. A stage whose layer has fewer output rows (or
// input vectors) than K cannot be cut that finely: a classifier after the global pool, a
// squeeze-and-excitation's 1×1 convolutions, a 4×4 map under K = 8. There the inference gathers —
// the stage waits for every slice, then it and every stage after it run the inference whole.
#pragma once

#include <cstdint>

#include "program/program.h"

namespace aimc::perf {

// The most slices `auto` picks: each slice is a simulated item (images × slices items per run).
inline constexpr int64_t kMaxAutoSlices = 32;

// The first stage that runs the inference whole when it streams in `slices` slices: the first with a
// non-recurrent layer that has fewer output rows (a conv with output_rows known) or input vectors
// than slices; the number of stages when none (and always when slices is 1). Recurrent layers do not
// gather: their steps are split evenly over the slices.
int32_t gather_stage(const program::Program& program, int64_t slices);

// The finest slicing at which every slice of every stage before the first gathering layer (a conv
// with one output row, or any other layer with one input vector) holds whole output rows: the fewest
// output rows of the convs before it, at most kMaxAutoSlices. 1 — whole-inference tasks — when the
// inference cannot be streamed row by row: a layer-by-layer or reload schedule (each stage or segment
// holds the batch at its barrier, so slices would only overlap a stage's own steps), a recurrent layer, a layer with several
// input vectors that is not a conv (tokens: an attention between them would need every slice), a conv whose output rows are not
// known (a Program from before they were recorded), or no conv before the first gathering layer.
int64_t auto_slices(const program::Program& program);

// `requested` slices, or auto_slices when it is 0; throws Error (field chunks) when it is negative.
int64_t resolve_slices(const program::Program& program, int64_t requested);

}  // namespace aimc::perf
