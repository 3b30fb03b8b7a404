// `technology: sram-binary` — binary SRAM cells computing in the current domain (e.g. the 6T cells
// of Zhang & Verma, whose bit-line discharge current depends on each cell's transistors).
#pragma once

#include <cstdint>

#include "chip/device_registry.h"

namespace aimc::chip {

struct SramBinarySpec {
  int64_t transistors = 0;              // per bit cell (6 for 6T)
  double current_mismatch_rel_std = 0;  // σ of a cell's read current / its nominal value
};

const Schema<SramBinarySpec>& sram_binary_schema();

}  // namespace aimc::chip
