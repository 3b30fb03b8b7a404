// ChipExecutor: runs a compiled Program on batches as the chip would compute it.
//
// Analog layers (Conv via im2col, Gemm / MatMul with a constant right operand, LSTM gate matrices
// step by step with the cell update in fp32) run through the
// Tile model on every placed tile of the Program (tile_id = the Program's tile id, one seed for
// all); row splits are summed as the layer's `partial-sum` unit does (accumulate_partial_sums in
// the unit's width_bits; fp32 on the host or without converters), column splits concatenated, the
// bias added digitally in fp32. Replica k of a layer computes its vectors as program/replicas.h splits
// them (a 2-D conv: a block of every output row's columns; other layers: the vectors whose index within
// the inference is ≡ k (mod replicas); one-vector layers and data-parallel schedules: the sample
// index). Every other graph node runs through the fp32 reference kernels, its output rounded to the
// fixed-point format of the digital unit computing it where the Program gives one (digital_ops.h).
// Comparator chips: binarised layers get their bias as column thresholds; offset-binary inputs
// (input_offset.h) move −offset·Σ W into the bias.
//
// Determinism: each tile's MVM noise is keyed by a vector index that is a function of the global
// sample index (run()'s sample_offset + position in the batch), so the outputs are bit-identical
// for any batch split and thread count.
//
// Contract: construct (tiles programmed; programming noise drawn from `seed`), optionally
// set_time(t), then run() any number of batches. The Graph must be the prepared graph
// (compiler::prepare_graph) of the Program's model and outlive the executor.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chip/chip_spec.h"
#include "chip/drift_compensation_spec.h"
#include "core/tensor.h"
#include "ir/graph.h"
#include "program/program.h"
#include "sim/functional/tile_types.h"

namespace aimc::functional {

struct FunctionalOptions {
  uint64_t seed = 0;          // programming, read and output noise (Philox keys)
  int threads = 1;            // OpenMP / oneDNN threads of run()
  std::string read_mode;      // a cores.read_modes name; empty: the chip's first
  std::optional<double> t_s;  // time since programming applied at construction (absent: none,
                              // the programmed state without drift or read noise)
  // Override cores.drift_compensation's scheme / readout; absent: as the chip says.
  std::optional<chip::DriftCompensation> drift_compensation;
  std::optional<chip::CompensationReadout> compensation_readout;
  bool converters = true;         // false: no input quantisation and no ADC (ideal-periphery tests)
  bool count_saturation = false;  // count ADC conversions at their end codes (conversions())
  // The analog tiles' GEMM operands (tile_types.h): bf16 needs converters and input codes of at most
  // 8 bits in magnitude (held exactly); the conductances are rounded to 8 significant bits.
  GemmPrecision gemm_precision = GemmPrecision::fp32;
  // An analog layer whose tiles all read codes in place has its input encoded once, before its vectors
  // are gathered (Tile::mvm_codes); false: every tile encodes its own rows. Bit-identical; tests compare.
  bool encode_layers_once = true;
};

// One analog layer's ADC conversions (all its tiles and replicas) since the last set_time, and how
// many saturated (ICrossbar::conversions).
struct LayerConversions {
  std::string layer;
  int64_t conversions = 0;
  int64_t saturated = 0;
};

class ChipExecutor {
 public:
  // Programs every tile of `program`. Throws Error when a layer's node is missing from `graph`
  // or a layer has no input step.
  ChipExecutor(const program::Program& program, const Graph& graph, const chip::ChipSpec& chip, FunctionalOptions options);
  ~ChipExecutor();
  ChipExecutor(const ChipExecutor&) = delete;
  ChipExecutor& operator=(const ChipExecutor&) = delete;

  // Every tile's state t_s ≥ 0 seconds after programming (drift, read noise, drift compensation).
  void set_time(double t_s);
  // Runs the graph on `inputs` (graph input order, batch at axis 0). sample_offset is the global
  // index of the batch's first sample (noise keys). Returns the graph outputs in order.
  std::vector<Tensor> run(const std::vector<Tensor>& inputs, int64_t sample_offset = 0);

  int64_t tiles() const;  // placed tiles (all replicas)
  int64_t analog_layers() const;
  // Per analog layer in Program order: the conversions of every run() since the last set_time (or
  // construction), with options.count_saturation (else zeros). Comparator decisions are not conversions.
  std::vector<LayerConversions> conversions() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace aimc::functional
