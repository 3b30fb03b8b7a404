// The MVM-error measurement of a core, as chip papers report it (HERMES-Core: "MVM error Gaussian
// with σ = 1.94 % for 8-b PWM"): random weights are programmed on full crossbars, random input
// vectors applied, and the chip's outputs compared with the exact products.
//
// Definition (docs/characterize.md; the papers' own normalisation is not published, ASSUMPTION):
//   - M matrices of cores.rows × (weights per core) weights, uniform in [−1, 1] (on the chip's
//     weight grid when it stores quantised weights: binary ±1, b-bit integers), each on its own tile;
//   - N input vectors per matrix, uniform over the encoder's codes (bipolar: −c..c, unsigned: 0..c),
//     so the inputs are exact and the reference is x·W in double precision;
//   - input step 1/c; differential (analog) cells: the ADC full scale set to the largest exact
//     output of the matrix (the columns calibrated to the range under test, so nothing saturates
//     and the error is relative to the full scale); other cells: their ADC as specified;
//   - read t_s seconds after programming;
//   - error e = (y_chip − x·W) / max|x·W| over that matrix's outputs; σ, mean, the 99th percentile
//     of |e| and ‖e‖/‖x·W‖ over all M·N·cols outputs.
// Every source can be measured alone (ablations) so a published total is fitted, not stacked: the
// output noise is what remains after quantisation and device noise (fit_output_noise).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chip/chip_spec.h"

namespace aimc::experiment {

struct MvmErrorOptions {
  std::string read_mode;  // empty: the chip's first
  int64_t matrices = 4;   // M
  int64_t vectors = 512;  // N per matrix
  double t_s = 0;         // time since programming of the read (0: the first read)
  uint64_t seed = 0;
};

struct MvmErrorStats {
  double sigma = 0;     // σ of e
  double mean = 0;      // mean of e
  double p99_abs = 0;   // 99th percentile of |e|
  double rel_l2 = 0;    // ‖y_chip − y‖₂ / ‖y‖₂
  int64_t outputs = 0;  // M · N · cols
};

// The outputs one measurement keeps (matrices × vectors × columns: its 99th percentile needs each, 4 bytes
// apiece), and the vectors it sends through a tile at once.
inline constexpr int64_t kMaxMvmErrorOutputs = int64_t{1} << 27;
inline constexpr int64_t kMvmErrorBlock = 4096;

// The measurement on `chip` exactly as configured.
MvmErrorStats measure_mvm_error(const chip::ChipSpec& chip, const MvmErrorOptions& options);

// The measurement with one part of the chip at a time, cumulatively.
struct MvmErrorBreakdown {
  std::string read_mode;
  bool has_devices = false;      // differential analog cells: the "converters only" row is meaningful
  MvmErrorStats converters;      // ideal devices, no output noise: quantisation and saturation only
  MvmErrorStats devices;         // + the device model (programming, drift, read noise at t_s)
  MvmErrorStats total;           // + the read mode's output noise (as configured)
  double out_noise_rel_std = 0;  // the read mode's configured output noise
  double measured = -1;          // the read mode's measured_mvm_error_rel_std (−1: none given)
};
MvmErrorBreakdown characterize_mvm_error(const chip::ChipSpec& chip, const MvmErrorOptions& options);

// The out_noise_rel_std of the read mode for which the measured σ equals `target_sigma` (bisection
// on the simulated measurement, to 1e-5); 0 when the other sources alone already reach the target.
double fit_output_noise(const chip::ChipSpec& chip, const MvmErrorOptions& options, double target_sigma);

// The measurement `aimc chip characterize` runs: each read mode (all when `read_modes` is empty)
// source by source; with `fit`, the output noise fitted to the mode's published total where it has
// one (a read mode named explicitly without one is an Error).
struct ReadModeCharacterization {
  MvmErrorBreakdown breakdown;
  std::optional<double> fitted_out_noise_rel_std;
};
struct Characterization {
  std::string chip;
  int64_t rows = 0, cols = 0;
  MvmErrorOptions options;  // read_mode unused: one entry per mode
  bool fit = false;
  std::vector<ReadModeCharacterization> read_modes;
};
Characterization characterize(const chip::ChipSpec& chip, const std::vector<std::string>& read_modes,
                              const MvmErrorOptions& options, bool fit);

// The chip with one read mode's output noise replaced (other modes unchanged).
chip::ChipSpec with_output_noise(const chip::ChipSpec& chip, const std::string& read_mode, double out_noise_rel_std);

}  // namespace aimc::experiment
