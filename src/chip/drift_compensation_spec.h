// Drift compensation (`cores.drift_compensation`): the read-out rescales a tile's outputs by
// α = ref / cur, where ref and cur are the same calibration readout (one-hot inputs on every row)
// taken right after programming and at the time of use (aihwkit GlobalDriftCompensation; the
// HERMES chip's global drift compensation). A property of the core's read-out, so any drifting
// technology can use it.
#pragma once

#include <string>

namespace aimc::chip {

template <class S>
class Schema;

enum class DriftCompensation { None, Global, PerColumn };

// How the calibration readout is taken.
enum class CompensationReadout {
  Chip,   // through the tile's own read path: DAC codes, array, output noise, ADC (as on the chip)
  Exact,  // exact conductance sums Σ|G⁺ − G⁻| (an idealised reference, not what a chip measures)
};

struct DriftCompensationSpec {
  DriftCompensation scheme = DriftCompensation::None;
  CompensationReadout readout = CompensationReadout::Chip;
};

const Schema<DriftCompensationSpec>& drift_compensation_schema();
std::string to_string(DriftCompensation compensation);
std::string to_string(CompensationReadout readout);

}  // namespace aimc::chip
