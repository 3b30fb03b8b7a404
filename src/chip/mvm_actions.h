// The actions of one MVM — one input vector through `rows` × `cols` cells of a crossbar — on a
// core in a read mode: what both simulators count (the functional tile per vector, the
// performance simulator per crossbar evaluation), so the energy priced from either is the same.
#pragma once

#include <cstdint>

#include "chip/core_spec.h"
#include "chip/read_mode_spec.h"

namespace aimc::chip {

struct MvmActionCounts {
  // Array evaluations: the read mode's phases × the input's bit-planes (bit-serial inputs) × a
  // comparator's read-out steps (chip::readout_evaluations).
  int64_t evaluations = 0;
  int64_t row_drives = 0;  // evaluations × rows: every evaluation drives the rows
  // Column conversions: one per column and converted result. A multi-phase read sums its phases
  // before converting (read_modes.*.phase_full_scale); bit-planes and read-out steps are each
  // converted.
  int64_t conversions = 0;
};

// `input_bits` of the layer (≥ 1), `adc_bits` the layer's converted bits (0: the converter's own),
// `rows` × `cols` the cells the vector drives and converts (physical columns, ≤ the crossbar's).
MvmActionCounts mvm_action_counts(const CoreSpec& core, const ReadModeSpec& mode, int64_t input_bits, int64_t adc_bits,
                                  int64_t rows, int64_t cols);

}  // namespace aimc::chip
