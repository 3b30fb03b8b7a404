// Peak figures computed from a chip's parameters — never typed in:
//   ops per MVM   = 2 · rows · arrays · (cols / columns per weight) · cores
//   latency       = the read mode's t_mvm (pwm/dac), or phases · input bits · columns_per_adc ·
//                   adc.t_conversion_ns (bit-serial)
//   energy        = cores · (e_mvm_pj, or phases · input bits · e_bit_phase_pj)
//   TOPS          = ops / latency;  TOPS/W = ops / energy;  TOPS/mm² = TOPS / area
// with area the die area when given, else the cores' and the chip-level parts' (chip/area.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chip/chip_spec.h"

namespace aimc::chip {

struct AreaBasis {
  double mm2 = 0;
  std::string basis;  // "die" or "cores"
};

struct PeakPoint {
  std::string mode;  // read mode name
  int64_t input_bits = 0;
  std::optional<int64_t> weight_bits;  // absent for analog (unquantised) weights
  double t_mvm_ns = 0;                 // one MVM on every core at once (back-to-back interval)
  double ops_per_mvm = 0;              // all cores (a multiply-accumulate is 2 ops)
  double e_mvm_pj = 0;                 // all cores
  double tops = 0;
  double tops_per_w = 0;
  std::optional<double> tops_per_mm2;  // absent when the area is unknown
  double power_w = 0;                  // e_mvm / t_mvm
  int64_t weights = 0;                 // weights the chip stores at weight_bits
};

// Latency of one MVM in `mode` with `input_bits` of input (ns), on `rows` active rows and `cols`
// active physical columns (−1: the whole crossbar); only a mode with a `job` depends on them.
double mvm_latency_ns(const ChipSpec& chip, const ReadModeSpec& mode, int64_t input_bits, int64_t rows = -1, int64_t cols = -1);

// The interval between back-to-back MVMs of the same shape (ns): the latency, except for a job that
// overlaps its streaming with the neighbouring jobs' computation (job.overlap). The peak figures and the
// crossbars' occupancy use it.
double mvm_interval_ns(const ChipSpec& chip, const ReadModeSpec& mode, int64_t input_bits, int64_t rows = -1, int64_t cols = -1);
// Energy of one MVM on one core (pJ).
double core_mvm_energy_pj(const CoreSpec& core, const ReadModeSpec& mode, int64_t input_bits);
// Weights the chip stores at `weight_bits` (absent: one column per weight).
int64_t chip_weight_capacity(const ChipSpec& chip, std::optional<int64_t> weight_bits);
std::optional<AreaBasis> area_basis(const ChipSpec& chip);

// The peak of one read mode at one precision. Throws aimc::Error when the mode does not exist or
// a precision is outside what the encoders support.
PeakPoint peak_point(const ChipSpec& chip, const std::string& mode, int64_t input_bits, std::optional<int64_t> weight_bits);
// Every read mode at every input precision of peak_input_bits(), with peak_weight_bits().
std::vector<PeakPoint> peak_table(const ChipSpec& chip);

// The chip's static power (W): its own static_power_mw, else its cores' × their count, else 0.
double static_power_w(const ChipSpec& chip);

}  // namespace aimc::chip
