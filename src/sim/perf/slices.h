// Streaming one inference through the pipeline in slices (PerfOptions::chunks): a layer starts on a
// slice of its input as soon as its producer has made it (a line-buffered, systolic dataflow),
// instead of waiting for the producer's whole output.
//
// A slice is a share of each stage's output positions in raster order, so with K slices a 2-D conv
// stage hands on H/K of its output rows at a time. A windowed layer's slice reads past its own rows
// (the halo): a 3×3 stride-1 conv's last output row of slice k needs the first input row of slice
// k + 1, so the slice waits for its producer's next slice as well (halo_slices). A stage whose layer
// has fewer output rows (or input vectors) than K cannot be cut that finely: a classifier after the
// global pool, a squeeze-and-excitation's 1×1 convolutions on the pooled map, a 4×4 map under K = 8.
// There the inference gathers — the stage waits for every slice and runs the inference whole — and
// at the next stage that can be cut again (the convolution after a squeeze-and-excitation scaled its
// input) it streams in slices again.
#pragma once

#include <cstdint>
#include <vector>

#include "program/program.h"

namespace aimc::perf {

// The most slices `auto` picks: each slice is a simulated item (images × slices items per run).
inline constexpr int64_t kMaxAutoSlices = 32;
// The most a run may ask for (--chunks, a sweep's perf.chunks, Python's chunks).
inline constexpr int64_t kMaxSlices = 4096;

// Per stage, whether it streams in `slices` slices (else it runs the inference whole): every
// non-recurrent layer of it has at least `slices` output rows (a conv with output_rows known) and input
// vectors. Recurrent layers never gather: their steps are split evenly over the slices. None when
// slices is 1.
std::vector<char> sliced_stages(const program::Program& program, int64_t slices);

// The first stage that runs the inference whole (sliced_stages); the number of stages when none.
int32_t gather_stage(const program::Program& program, int64_t slices);

// The finest slicing at which every slice of every conv with more than one output row holds whole
// output rows: the fewest output rows of those convs, at most kMaxAutoSlices (layers with one input
// vector, and convs with one output row, gather). 1 — whole-inference tasks — when the inference
// cannot be streamed row by row: a layer-by-layer or reload schedule (each stage or segment holds the
// batch at its barrier, so slices would only overlap a stage's own steps), a recurrent layer, a layer
// with several input vectors that is not a conv (tokens: an attention between them would need every
// slice), a conv whose output rows are not known (a Program from before they were recorded), or no
// such conv.
int64_t auto_slices(const program::Program& program);

// The slicings `auto` chooses among (choose_slices, perf_sim.h): 1, 2, 4, … below auto_slices, and
// auto_slices itself; {1} where the inference cannot stream.
std::vector<int64_t> auto_slice_candidates(const program::Program& program);

// How much of its producer's output beyond its own slice k a slice of a windowed op reads, at most
// over k, in producer slices: the slices it reads whole past its own plus the share of rows it reads
// of the next one. 0 when an output slice's window stays inside the producer's slice k (1×1, a 3×3
// with stride 2 and pad 1); 1/R for a 3×3 stride-1 conv whose slices hold R ≥ 1 input rows each.
// Slice k's last output row is ⌈(k+1)·output_rows/K⌉ − 1, and the producer's slice j holds input
// rows ⌊j·input_rows/K⌋ … ⌊(j+1)·input_rows/K⌋ − 1.
double halo_slices(int64_t output_rows, const program::RowWindow& window, int64_t slices);

// Per stage, the largest halo_slices of its windowed layers and digital ops; 0 for stage 0 (its
// input is there at once), for a stage that or whose producer runs whole (sliced_stages), and for
// every stage when slices is 1.
std::vector<double> stage_halos(const program::Program& program, int64_t slices);

// One inference's time through a chain of stages, uncontended, in `slices` slices: slice k enters a
// sliced stage s once it has left stage s − 1 and the producer has made the rows its halo reads (halo[s]:
// the slices it reads whole have left s − 1, and the one it reads a share h of began there h · latency
// earlier: its rows come out evenly); it stays `latency[s]`, and leaves no sooner than `service[s]` after
// slice k − 1 (the busiest resource's occupancy within one of the stage's task groups: the slices take
// that group's resource in turn). `span[s]` (optional): the least time from slice 0's inputs being there
// to the last slice leaving (a resource the stage uses in several groups takes every slice's work there
// in turn). A slice begins at a stage (the halo's clock) as soon as its inputs are there and the
// stage's least busy resource has served the slice before: `first[s]` (default: `service`), so a stage
// whose replicas hold uneven shares starts the next slice's rows before its busiest one is free, as the
// simulation does. A stage that runs whole (`sliced[s]` 0) takes the inference once every slice has left
// the stage before, for `latency[s]`; the next sliced stage starts every slice then. With one gather
// and no halo this is Σ latency + (slices − 1) · the largest service before the gather, when every
// latency is at least its service and no span binds.
double sliced_chain_ns(const std::vector<double>& latency, const std::vector<double>& service, const std::vector<double>& halo,
                       const std::vector<char>& sliced, int64_t slices, const std::vector<double>& first = {},
                       const std::vector<double>& span = {});

}  // namespace aimc::perf
