// The chip's cores (`cores`): how many, how they are arranged, and what one core holds — its
// crossbar, cell technology, weight and input encoding, ADCs, read modes, digital units, local
// memories and weight programming. All cores of a chip are identical.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "chip/adc_spec.h"
#include "chip/device_spec.h"
#include "chip/digital_spec.h"
#include "chip/drift_compensation_spec.h"
#include "chip/fault_spec.h"
#include "chip/input_spec.h"
#include "chip/memory_spec.h"
#include "chip/programming_spec.h"
#include "chip/read_mode_spec.h"
#include "chip/weights_spec.h"

namespace aimc::chip {

template <class S>
class Schema;

struct CoreSpec {
  int64_t count = 0;                      // identical cores on the chip
  std::vector<int64_t> arrangement;       // physical grid, e.g. {8, 8}; product = count
  int64_t rows = 0;                       // crossbar rows: inputs of one MVM
  int64_t cols = 0;                       // crossbar columns of cells (unit cells or bit cells)
  int64_t arrays = 1;                     // crossbars per core computing concurrently
  std::optional<double> area_mm2;         // one core with its converters and local digital units
  std::optional<double> array_area_mm2;   // one crossbar with its row drivers (a part of area_mm2)
  std::optional<double> static_power_mw;  // one core, idle
  DeviceSpec device;
  WeightEncodingSpec weights;
  InputEncoderSpec input;
  AdcSpec adc;
  std::vector<ReadModeSpec> read_modes;  // at least one
  std::vector<DigitalUnitSpec> digital;  // per-core digital units
  std::vector<MemorySpec> memories;      // per-core memories and buffers
  ProgrammingSpec programming;
  FaultSpec faults;                          // stuck devices and dead columns (default: none)
  DriftCompensationSpec drift_compensation;  // the read-out's drift compensation (default: none)
};

const Schema<CoreSpec>& core_schema();

// Weights one core stores at `weight_bits` (rows · arrays · cols / columns per weight).
int64_t core_weight_capacity(const CoreSpec& core, int64_t weight_bits);

}  // namespace aimc::chip
