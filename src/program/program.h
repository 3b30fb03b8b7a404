// The Program: what the compiler decided, and all the simulators see of the network besides the
// model file itself — which weights sit on which crossbar of which core, what the digital units
// do, what crosses the on-chip network, in what order.
//
// Contract: a Program that came out of compile() or load_program() is valid (every index in
// range, every tile inside its crossbar, no two tiles of one segment overlapping). Weights are not
// copied into it: a simulator re-imports `model.path` (checking `model.sha256`), calls
// prepare_graph() to re-apply the deterministic graph passes, and reads each tile's block with
// tile_weights() (program/weights.h). Everything is indexed by dense integer ids (STYLE P6);
// names are for people and error messages.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chip/chip_spec.h"
#include "chip/digital_spec.h"

namespace aimc::program {

using Json = nlohmann::ordered_json;

inline constexpr int kProgramVersion = 1;
inline constexpr const char* kProgramFormat = "aimc-program";

enum class LayerKind { Conv, Gemm, MatMul, Lstm, Gru };
// A layer whose time steps run one after another (h(t−1) feeds step t).
inline bool is_recurrent(LayerKind k) { return k == LayerKind::Lstm || k == LayerKind::Gru; }
enum class ScheduleKind { LayerByLayer, Pipelined, DataParallel };
enum class Scope { Core, Chip, Host };  // where a digital op runs
enum class EndpointKind { Core, Unit, Host };
enum class TransferKind { Activation, PartialSum, Recurrent, Input, Output };
enum class TransferAt { Start, BeforeMvm, AfterMvm, End };  // when, within its stage, a transfer moves

std::string to_string(LayerKind k);
std::string to_string(ScheduleKind k);
std::string to_string(Scope s);
std::string to_string(TransferKind k);
std::string to_string(TransferAt a);
// Parses "layer" | "pipelined" | "data-parallel"; throws Error listing the valid names.
ScheduleKind schedule_kind_from_string(const std::string& s);

// How busy a layer's crossbar rows are, measured on real calibration data (pass `quantize`): the
// input codes the rows take (offset binary included), over the calibration set. The performance
// simulator prices row drives by it (data-dependent energy); absent, every drive counts in full.
struct InputActivity {
  double zero_fraction = 0;   // codes that are 0: rows left undriven (DAC: no level, PWM: no pulse)
  double mean_magnitude = 1;  // mean |code| / the largest code: a PWM pulse's mean length
  double ones_fraction = 1;   // mean fraction of 1 bits over the input's bit-planes (bit-serial)
  // Bit-serial chips that skip all-zero planes (cores.input.skip_zero_planes): the fraction of (input
  // vector, block of the chip's array rows, bit-plane) whose bits are all 0 — planes no array evaluates.
  double empty_plane_fraction = 0;
  // Chips whose conversions cost more for larger outputs (cores.adc.output_energy_share): the mean of
  // |a column's partial sum over its array's rows| / the converter's full scale, clipped at 1, over
  // calibration vectors, the layer's blocks of array rows and its columns (1: not measured).
  double mean_output_fraction = 1;
  int64_t samples = 0;  // input codes the figures are taken over
};

// A windowed op's reach along its input's outermost spatial axis (conv, pooling; H of a 2-D op, W of a
// 1-D one): output row r reads input rows r·stride − pad … r·stride − pad + kernel − 1 (kernel: the
// dilated extent), clipped to [0, input_rows). perf's slices use it for the halo: a slice of a 3×3
// stride-1 conv's output also needs the first input row of the producer's next slice.
struct RowWindow {
  int64_t input_rows = 0;
  int64_t kernel = 1;
  int64_t stride = 1;
  int64_t pad = 0;  // at the start
  bool operator==(const RowWindow&) const = default;
  // The input rows [begin, end) that output rows [first, end_out) read, clipped to the input (empty: begin ≥ end).
  std::pair<int64_t, int64_t> reads(int64_t first, int64_t end_out) const {
    return {std::max<int64_t>(0, first * stride - pad), std::min(input_rows, (end_out - 1) * stride - pad + kernel)};
  }
};

// Precisions and scales of one analog layer (pass `quantize`).
struct Quantization {
  int64_t input_bits = 0;                 // activation precision at the crossbar rows, sign included
  bool input_signed = true;               // the layer's inputs take negative values
  float input_step = 0;                   // value of one input code (x + input_offset ≈ code · step)
  float input_offset = 0;                 // signed inputs on unsigned rows (offset binary): the rows take
                                          // x + offset ≥ 0; the compiler's −offset·Σ_r W[r, c] joins the bias
  int64_t weight_bits = 0;                // 0: analog (unquantised) weights
  std::vector<float> weight_scale;        // value of one weight LSB: 1 entry (per layer) or one per column
  int64_t adc_bits = 0;                   // comparator chips: 1 = binarised by the comparators (Sign with the
                                          // bias as threshold), more = the multi-level read-out
  std::string source;                     // "calibration" | "fake-quant" | "chip" (how the scales were found)
  float weight_error_rms = 0;             // fp32 weights the chip cannot hold, quantised by the compiler
                                          // (no QDQ scales): rms of the rounding error / max|W|; 0 when the
                                          // weights are analog or already on the chip's grid
  std::optional<InputActivity> activity;  // only when calibrated on real data
};

// One weighted node lowered to crossbar form: a rows × cols matrix, y = x · W (rows = inputs).
//   Conv:   rows = (C_in/group)·kh·kw per group in (c, kh, kw) order, cols = C_out; a grouped conv
//           is block diagonal: group g owns rows [g·group_rows, (g+1)·group_rows) and columns
//           [g·group_cols, (g+1)·group_cols); the matrix is the full (rows = C_in·kh·kw) one.
//   Gemm:   rows = K, cols = N, W = alpha · B (transposed when trans_b); bias = beta · C.
//   MatMul: constant 2-D right operand [K, N].
//   LSTM:   rows = I + H ([x_t; h_(t−1)]), cols = 4H in ONNX gate order (i, o, f, c); bias Wb + Rb.
//   GRU:    rows = I + H, cols = 4H: z and r (x and h rows, bias Wb + Rb), then the h gate's x part
//           (x rows, h rows zero, bias Wb) and its h part (h rows, x rows zero, bias Rb): the reset
//           gate scales h·Rₕᵀ + Rbₕ, so the two parts stay apart in one array pass.
struct Layer {
  int32_t id = 0;
  std::string name;  // the graph node's name
  LayerKind kind = LayerKind::Gemm;
  int64_t rows = 0, cols = 0;  // the full logical matrix
  int64_t groups = 1;
  int64_t group_rows = 0, group_cols = 0;
  int64_t vectors_per_inference = 0;  // MVMs (input vectors) of this layer in one inference
  // Conv: the output's extent along its outermost spatial axis (H of a 2-D conv, W of a 1-D one): the
  // rows an inference can be streamed in (perf's slices); 0 for other layers or when not known.
  int64_t output_rows = 0;
  std::optional<RowWindow> row_window;  // conv: its window along those rows (absent: not known)
  int64_t columns_per_weight = 1;       // physical crossbar columns per weight (bit-sliced: bits)
  int64_t replicas = 1;
  bool has_bias = false;
  Quantization quant;
  std::string weights_sha256;  // of the rows × cols f32 matrix (little endian), to detect a changed model
  std::string input_value;     // graph value names, for the simulators
  std::string output_value;
};

// One block of a layer's matrix programmed on one crossbar: rows [row_begin, row_end) and columns
// [col_begin, col_end) of the layer's matrix, at (row_offset, col_offset) inside crossbar `array`
// of core `core` (col_offset in physical columns). `segment` is the reload segment it is
// programmed in (0 when the network fits). Replica k of a layer computes its share of the layer's
// input vectors as program/replicas.h splits them (a 2-D conv: a block of every output row's columns;
// other layers: the vectors ≡ k (mod replicas)).
// Tiles of one crossbar never overlap, but may share rows (columns apart) or columns (rows apart):
// pass `pack`'s 2-D packing. Tiles of one layer replica whose rows and columns are both apart (or
// with the same rows of the layer at the same offset: one input) are evaluated together; any other
// tiles of a crossbar run in turn, each MVM driving its own rows and converting its own columns.
struct Tile {
  int32_t id = 0;
  int32_t layer = 0;
  int32_t group = 0;
  int64_t row_begin = 0, row_end = 0, col_begin = 0, col_end = 0;
  int32_t replica = 0;
  int32_t core = 0;
  int32_t array = 0;
  int64_t row_offset = 0, col_offset = 0;
  int32_t segment = 0;
  int32_t reduce_core = 0;  // core whose digital unit sums this tile's column block over row tiles

  int64_t rows() const { return row_end - row_begin; }
  int64_t cols() const { return col_end - col_begin; }
};

// A digital operation of the network: a graph node not mapped to crossbars, or a layer's own
// post-processing (partial sums, shift-add, bias, LSTM gate math).
struct DigitalOp {
  int32_t id = 0;
  std::string node;                     // graph node name
  std::string op;                       // graph op name ("Relu") or the layer step ("partial-sum")
  std::optional<chip::DigitalOp> kind;  // the chip operation it needs; absent: layout-only or programmable
  int32_t layer = -1;                   // the layer it post-processes, -1 for graph nodes
  Scope scope = Scope::Host;
  std::string unit;            // digital unit name; "host" off chip; "adc" when the column
                               // converters compute it (comparator thresholds); "layout"
                               // for pure data movement
  int32_t unit_index = -1;     // index in chip.cores.digital (Core) or chip.digital (Chip)
  std::vector<int32_t> cores;  // Core scope: where it runs (ops split evenly)
  int64_t ops_per_inference = 0;
  // Graph-node ops on a unit with `width_bits`: the output's fixed-point format, value = integer ·
  // 2^−frac_bits, integer within ±(2^(width_bits−1) − 1) (pass assign-digital, from the calibrated
  // range); absent: fp32 (host, no width, layout, or no calibration).
  std::optional<int32_t> frac_bits;
  // Windowed graph ops (Conv, MaxPool, AveragePool): output rows and window along the outermost
  // spatial axis, as for a Layer (0 / absent: not windowed or not known).
  int64_t output_rows = 0;
  std::optional<RowWindow> row_window;
};

struct Endpoint {
  EndpointKind kind = EndpointKind::Host;
  int32_t index = 0;  // core id (Core) or index in chip.digital (Unit)
  bool operator==(const Endpoint&) const = default;
  auto operator<=>(const Endpoint&) const = default;
};

// Where activations are held off chip (route{activations=host}), the host sends a node its input under
// this value name, at the start of a layer's stage (before its MVMs) or before a digital op's ops.
inline std::string input_from_host(const std::string& node) { return node + ":input"; }

struct Transfer {
  Endpoint from, to;
  // Bytes per inference, fractional where an edge carries a share of the inferences (a replica's, a network
  // copy's): 25 bytes to one of 256 copies is 25/256 per inference, not 0.
  double bytes_per_inference = 0;
  std::string value;  // graph value (or "<layer>:psum")
  TransferKind kind = TransferKind::Activation;
  int64_t hops = 0;  // hop distance on the chip's network
  // Set by `schedule`: the stage it belongs to (-1: unknown, a Program from before the field, matched by
  // `value`) and when in it: start (inputs, before the MVMs), before-mvm (what the stage's digital ops ahead of
  // its MVMs made), after-mvm (a layer's own partial sums, gates, h; an operand read back for a digital op),
  // end (values the stage produced).
  int32_t stage = -1;
  TransferAt at = TransferAt::End;
  // Transfers with one id carry the same data from one source to several destinations (pass `route`
  // on a chip with noc.multicast): the network copies it where their routes part. −1: its own.
  int32_t multicast = -1;
  // A data-parallel Program: the network copy whose inferences it carries (pass `route`), so that copies whose
  // tiles share a core (a core of several crossbars) keep their own transfers. −1: not data-parallel, or a
  // transfer every inference makes (between the host and an op whose cores serve every copy). A data-parallel
  // Program from before the field names no copy: the simulators split each transfer among the copies both its
  // ends serve.
  int32_t copy = -1;
};

struct Stage {
  int32_t id = 0;
  std::vector<int32_t> layers;
  std::vector<int32_t> cores;
  std::vector<int32_t> digital_ops;
  // The first this many of digital_ops run before the stage's MVMs: graph ops ahead of the network's first
  // layer (an input's normalisation, an embedding look-up) in its first stage; the others after them.
  int32_t digital_ops_before_mvms = 0;
  double mvms_per_inference = 0;  // the busiest crossbar's MVMs per inference (vectors / replicas)
};

// A reload segment: tiles programmed together; segments run in order, each rewriting the crossbars.
struct Segment {
  int32_t id = 0;
  std::vector<int32_t> layers;
  std::vector<int32_t> tiles;
  int64_t cells_written = 0;     // crossbar cells (physical columns × rows) written
  int64_t write_operations = 0;  // Σ ceil(cells / cores.programming.cells_per_write) per tile
};

struct Schedule {
  ScheduleKind kind = ScheduleKind::Pipelined;
  int64_t network_replicas = 1;   // data-parallel: independent copies of the whole network
  std::vector<Stage> stages;      // in execution (topological) order
  std::vector<Segment> segments;  // one when the network fits; more: reprogramming between them
  bool reloads() const { return segments.size() > 1; }
};

struct Program {
  std::string chip_name;
  std::string chip_sha256;  // of the resolved chip JSON (compact dump)
  Json chip_resolved;       // the resolved chip (STYLE P5)
  std::string model_path;
  std::string model_sha256;
  std::string graph_name;
  std::string pipeline;  // the pass pipeline that made it
  int64_t crossbar_rows = 0, crossbar_cols = 0, crossbars_available = 0;
  std::vector<Layer> layers;
  std::vector<Tile> tiles;
  std::vector<DigitalOp> digital_ops;
  std::vector<Transfer> transfers;
  Schedule schedule;
  std::vector<std::string> warnings;
  std::string calibration;  // where the input ranges were calibrated ("synthetic ..." or a dataset spec)
  std::map<std::string, std::map<std::string, int64_t>> statistics;  // pass → counter → value

  // Accessors (no string parsing in simulators).
  const Layer& layer(int32_t id) const { return layers.at(static_cast<size_t>(id)); }
  std::vector<int32_t> tiles_of(int32_t layer, int32_t replica = -1) const;  // -1: every replica
  std::vector<int32_t> cores_of(int32_t layer) const;                        // sorted, unique
  std::optional<int32_t> find_layer(const std::string& node_name) const;
  int64_t crossbars_used() const;  // distinct (segment, core, array) slots
};

Json to_json(const Program& p);
// Throws Error naming `origin` and the JSON field on anything missing, mistyped or inconsistent.
Program program_from_json(const Json& j, const std::string& origin);
void save_program(const Program& p, const std::string& path);
Program load_program(const std::string& path);

// Deterministic text form (golden tests, --print-ir-after-all).
std::string to_text(const Program& p);

// Throws Error when `chip` is not the chip the Program was compiled for.
void check_chip(const Program& p, const chip::ChipSpec& chip, const std::string& origin);
// Throws Error when the Program names a part `chip` does not have: its crossbars' size, a tile's core or
// array, a digital op's unit or cores, a transfer's end. Weaker than check_chip: a chip that differs only in
// parameters the mapping does not read (noise, timing, energy) passes, for what-if runs of one Program.
void check_fits(const Program& p, const chip::ChipSpec& chip, const std::string& origin);
// Throws Error when the model file's hash differs from the Program's.
void check_model(const Program& p, const std::string& model_path);

std::string chip_sha256(const chip::ChipSpec& chip);

}  // namespace aimc::program
