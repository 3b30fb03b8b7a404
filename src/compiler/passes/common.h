// Small helpers shared by the passes.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "compiler/context.h"
#include "ir/graph.h"

namespace aimc::compiler {

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// For every value, the indices of the nodes reading it.
std::vector<std::vector<int32_t>> value_readers(const Graph& g);
// Whether `id` is one of the graph outputs.
bool is_graph_output(const Graph& g, ValueId id);
// Elements of value `id` in one inference (batch 1).
int64_t per_inference_numel(const Graph& g, ValueId id);
// Crossbar columns (logical weights) a crossbar holds for `layer`.
int64_t logical_cols(const CompileContext& ctx, const Layer& layer);
// The crossbar form of node `node` when it is a weighted layer with constant weights (Conv, Gemm
// without trans_a, MatMul with a constant 2-D right operand, LSTM); absent otherwise. Fills every
// Layer field that depends only on the graph (not quant, replicas or columns_per_weight).
std::optional<Layer> describe_layer(const Graph& g, int32_t node);
// A windowed node's (Conv, MaxPool, AveragePool) output extent and window along spatial axis `dim` (0: the
// outermost, H of a 2-D op; 1: W of a 2-D op) as a program::RowWindow; {0, absent} for any other node, a
// node without that axis, or when the shapes are not known.
std::pair<int64_t, std::optional<program::RowWindow>> window_geometry(const Graph& g, const Node& n, size_t dim);
// Its rows: window_geometry along the outermost spatial axis.
inline std::pair<int64_t, std::optional<program::RowWindow>> row_geometry(const Graph& g, const Node& n) {
  return window_geometry(g, n, 0);
}
// Whether node `node`'s first output is read by exactly one node, a Sign: on a comparator chip the
// column comparators compute that Sign, with the layer's bias as their thresholds.
bool read_only_by_sign(const Graph& g, int32_t node, const std::vector<std::vector<int32_t>>& readers);
// Reload segments cut at layer boundaries. `groups[i]` is the size, in crossbars, of the i-th run of
// crossbars placed together (one layer with its replicas, or one crossbar shared by layers); a
// segment of `capacity` crossbars takes groups while the next fits whole; a group larger than a
// segment starts a new one and spans as many as it needs (its rest shares the last one). Returns
// the segment of every crossbar, in order.
std::vector<int32_t> cut_segments(const std::vector<int64_t>& groups, int64_t capacity);
// Whether a digital unit of the chip runs depthwise convolutions: a programmable one or one that lists
// depthwise-conv (Garofalo's depth-wise accelerator).
bool runs_depthwise(const chip::ChipSpec& chip);
// The extra crossbars pass `replicate` may spend of `free` ones, `used` taken: its `budget` (−1: every free
// one) and `total` (the crossbars in all, replicas included; −1: no cap). Pass `pack` weighs packings by it.
int64_t replication_room(int64_t free, int64_t used, int64_t budget, int64_t total);
// The network copies a data-parallel schedule runs (each layer's replicas: pass `replicate` gives every layer
// as many); 1 under any other schedule.
int64_t network_copies(const std::vector<program::Layer>& layers, ScheduleKind kind);
// Requires a pass to have run before (throws InternalError naming both).
void require(bool condition, const char* pass, const char* before);

}  // namespace aimc::compiler
