// Streaming one inference through the pipeline in slices (PerfOptions::chunks): a layer starts on a
// slice of its input as soon as its producer has made it (a line-buffered, systolic dataflow),
// instead of waiting for the producer's whole output.
//
// A slice is a share of each stage's output positions in raster order, so with K slices a 2-D conv
// stage hands on H/K of its output rows at a time. A windowed layer's slice reads past its own rows
// (the halo): a 3×3 stride-1 conv's last output row of slice k needs the first input row of slice
// k + 1, so the slice waits for its producer's next slice as well (halo_slices). A stage whose layer has fewer output rows (or
// input vectors) than K cannot be cut that finely: a classifier after the global pool, a
// squeeze-and-excitation's 1×1 convolutions, a 4×4 map under K = 8. There the inference gathers —
// the stage waits for every slice, then it and every stage after it run the inference whole.
#pragma once

#include <cstdint>
#include <vector>

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

// How much of its producer's output beyond its own slice k a slice of a windowed op reads, at most
// over k, in producer slices: the slices it reads whole past its own plus the share of rows it reads
// of the next one. 0 when an output slice's window stays inside the producer's slice k (1×1, a 3×3
// with stride 2 and pad 1); 1/R for a 3×3 stride-1 conv whose slices hold R ≥ 1 input rows each.
// Slice k's last output row is ⌈(k+1)·output_rows/K⌉ − 1, and the producer's slice j holds input
// rows ⌊j·input_rows/K⌋ … ⌊(j+1)·input_rows/K⌋ − 1.
double halo_slices(int64_t output_rows, const program::RowWindow& window, int64_t slices);

// Per stage, the largest halo_slices of its windowed layers and digital ops; 0 for stage 0 (its
// input is there at once), from the gather stage on, and for every stage when slices is 1.
std::vector<double> stage_halos(const program::Program& program, int64_t slices);

// One inference's time through a chain of stages, uncontended, in `slices` slices: slice k enters
// stage s once it has left stage s − 1, the producer has made the rows its halo reads (halo[s]: the
// slices it reads whole have left s − 1, and the one it reads a share h of entered it h · latency
// earlier: its rows come out evenly), and stage s has served slice k − 1 for `service[s]`; it stays
// `latency[s]`. At stage `gather` the last slice goes on once every slice has left the stage before,
// and from there the inference runs whole. With no halo this is Σ latency + (slices − 1) · the
// largest service before the gather, when every latency is at least its service.
double sliced_chain_ns(const std::vector<double>& latency, const std::vector<double>& service, const std::vector<double>& halo,
                       int32_t gather, int64_t slices);

// `requested` slices, or auto_slices when it is 0; throws Error (field chunks) when it is negative.
int64_t resolve_slices(const program::Program& program, int64_t requested);

}  // namespace aimc::perf
