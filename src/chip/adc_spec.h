// The analog-to-digital converters that read the crossbar columns (`cores.adc`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace aimc::chip {

template <class S>
class Schema;

enum class AdcKind {
  Cco,  // current-controlled-oscillator, time-based (HERMES)
  Sar,  // successive approximation (Jia et al.)
  Flash,
  Comparator,  // a 1-bit sense decision per column (Zhang & Verma)
  Ideal,       // exact quantiser
};

struct AdcSpec {
  AdcKind kind = AdcKind::Ideal;
  int64_t bits = 0;             // output resolution
  int64_t columns_per_adc = 1;  // 1 = one ADC per column; k = shared by k columns in turn
  // Input range that maps to full scale, in units of the largest single-row product
  // (|w|max·|x|max), i.e. aihwkit's out_bound. Not for comparators.
  std::optional<double> full_scale;
  std::optional<double> t_conversion_ns;  // one conversion; required with bit-serial inputs
  std::optional<double> e_conversion_pj;  // one conversion, when known separately from the read mode
  std::optional<double> area_mm2;         // one converter
  double gain_rel_std = 0;                // column-to-column gain σ left after calibration
  double offset_lsb_std = 0;              // column-to-column offset σ left after calibration (LSB)
  // Static integral nonlinearity: the peak deviation (LSB) of a cubic bow that is zero at mid-scale
  // and at both ends of the range (0 = linear).
  double inl_lsb = 0;
  // Comparator only: bits of the multi-level read-out of a layer whose output is not binarised
  // (a successive approximation with the comparator against its per-column reference, stepped in
  // units of one unit product: codes ±(2^(b−1) − 1)); 0: such layers cannot run on the chip.
  int64_t readout_bits = 0;
  // The share of a conversion's energy that scales with its output's magnitude (a counting converter,
  // CCO or ramp, whose count or ramp stops at the result); the rest is paid per conversion. perf prices
  // it from the column outputs measured on calibration data (InputActivity::mean_output_fraction).
  double output_energy_share = 0;
};

// Array evaluations (and comparator decisions per column) one MVM of a layer converted at
// `adc_bits` takes: a comparator's multi-level read-out re-evaluates the array once per SAR step;
// every other converter digitises one evaluation.
inline int64_t readout_evaluations(const AdcSpec& adc, int64_t adc_bits) {
  return adc.kind == AdcKind::Comparator && adc_bits > 1 ? adc_bits : 1;
}

const Schema<AdcSpec>& adc_schema();
std::string to_string(AdcKind kind);

}  // namespace aimc::chip
