// The plain values a Tile is configured with and reports (STYLE P7: spec, state and stats apart).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace aimc::functional {

// Identity of one placed tile block: its random numbers and the read mode it runs in.
struct TileContext {
  uint64_t seed = 0;      // the experiment's seed
  uint32_t tile_id = 0;   // RNG stream: unique for every placed tile block of a program
  std::string read_mode;  // a `cores.read_modes` name; empty: the first one
};

// How the ADC full scale is calibrated from the spec's `adc.full_scale`.
enum class AdcRange {
  PerTile,    // one range for all columns, from the tile's largest |weight|
  PerColumn,  // each column's range from its own largest |weight|
};

// How weights map to conductances: s = (g_max − g_min) / max|W| over the tile or over each column
// (aihwkit's per-channel remapping; the column's digital scale undoes its own s).
enum class WeightScale {
  PerTile,
  PerColumn,
};

// The operands' precision inside the GEMM (the outputs and their sums are fp32 either way): fp32, or
// bfloat16 (8 significant bits: B rounded to nearest even once, each A row when the GEMM runs; A rows
// of integers up to 256 in magnitude, such as 8-bit input codes, are held exactly). bf16 runs about
// 1.8× faster on CPUs with AVX-512 BF16 (oneDNN's brgemm) and is not bit-identical to fp32; its
// results are deterministic on one machine but may differ between CPUs with and without AVX-512 BF16
// (whose dot-product instruction adds products in pairs).
// int8: each column of B on its own symmetric 8-bit grid (b ≈ w·max|b_col|/127, w an integer in
// −127..127, rounded to nearest even once), the A rows as 8-bit integers (input codes, held exactly:
// −128..127, or 0..255 where no row is negative), the sums exact in 32-bit integers, each output
// float(sum) × the column's step (one rounding up to 2^24 = 518 rows of full-scale products). About 4× the fp32 GEMM's speed on
// CPUs with AVX-512 VNNI, not bit-identical to fp32, and the same bits on every CPU that runs it (integer sums have no order).
enum class GemmPrecision { fp32, bf16, int8 };
inline const char* to_string(GemmPrecision p) {
  return p == GemmPrecision::bf16 ? "bf16" : p == GemmPrecision::int8 ? "int8" : "fp32";
}

// What a tile MVM's input rows hold: values, which the tile encodes, or the encoder's codes already
// (a layer encoded once: Tile::mvm_codes), possibly negative or known non-negative (after a ReLU:
// four-phase reads then skip their x⁻ products).
enum class InputForm { values, codes, nonnegative_codes };

// Choices made when the tile is programmed (the compiler's, per layer).
struct TileOptions {
  int64_t input_bits = 0;   // ≤ cores.input.bits; 0: cores.input.bits
  int64_t weight_bits = 0;  // bit-sliced: ≤ cores.weights.bits; differential: quantise to this many
                            // bits before programming; 0: cores.weights.bits (absent: analog weights)
  float weight_step = 0;    // bit-sliced/binary: value of one weight LSB (binary: the ±1 magnitude);
                            // 0: from the weights (max|W| / (2^(b−1) − 1); binary: mean |W|)
  bool converters = true;   // false: inputs are not quantised and columns not converted (exact
                            // analog path, for tests of the devices alone); analog devices only
  AdcRange adc_range = AdcRange::PerTile;
  int64_t adc_bits = 0;                                // comparator ADCs: > 1 reads the columns out at this many bits
                                                       // (cores.adc.readout_bits); 0 or 1: the 1-bit decision
  WeightScale weight_scale = WeightScale::PerTile;     // differential analog devices
  bool count_saturation = false;                       // count conversions at the ADC's end codes
                                                       // (ICrossbar::conversions; a few % of the MVM time)
  GemmPrecision gemm_precision = GemmPrecision::fp32;  // differential analog devices' MVM GEMM
};

// The tile's input and output scaling, explicit so a compiler can set it (Tile::set_scaling) or a
// calibration batch can (Tile::calibrate). "Unit product" = one input code × one weight unit: µS for
// differential devices, 1 for binary and bit-sliced cells; column sums are in unit products.
struct TileScaling {
  float input_step = 0;               // value of one input code: x ≈ code · input_step
  std::vector<float> adc_full_scale;  // column value at the ADC's largest code, in unit products;
                                      // 1 entry (per tile) or one per physical column
  std::vector<float> threshold;       // comparator ADCs: per column, weight domain: +1 when
                                      // (x·W)_c ≥ threshold_c, else −1; empty: 0
};

// What programming the tile cost (STYLE P8: count actions, price them elsewhere).
struct ProgrammingStats {
  int64_t cells = 0;         // unit cells (or bit cells) written
  int64_t pulses = 0;        // programming pulses per unit cell, summed (direct write: one per cell)
  int64_t verify_reads = 0;  // program-and-verify reads, summed
  int64_t unconverged = 0;   // cells still outside the margin after max_iterations
};

// What an MVM of `vectors` input vectors costs in actions.
struct MvmActions {
  int64_t vectors = 0;
  int64_t array_evaluations = 0;  // analog array evaluations (phases, bit-planes)
  int64_t input_conversions = 0;  // DAC/PWM drives of one row
  int64_t adc_conversions = 0;    // column conversions
  int64_t digital_ops = 0;        // shift-add, affine and drift-compensation operations per output
};

}  // namespace aimc::functional
