// Printers for a chip (STYLE P7): a readable summary and a JSON summary with the computed peak
// figures and the resolved spec. `aimc chip show` prints these.
#pragma once

#include <string>

#include "chip/chip_spec.h"
#include "chip/schema/codecs.h"

namespace aimc::chip {

std::string chip_summary_text(const ChipSpec& chip);

// {"name", "description", "cores", "arrangement", "rows", "cols", "arrays", "cells", "weights",
//  "weight_bits", "device", "clock_mhz", "area_mm2", "area_basis", "peak": [{"mode", "input_bits",
//  "weight_bits", "t_mvm_ns", "ops_per_mvm", "e_mvm_pj", "tops", "tops_per_w", "tops_per_mm2",
//  "power_w", "weights"}...] (MVM energy only), "programming_worst_case_ns_per_core", "static_power_w", "spec": resolved
//  spec}
Json chip_summary_json(const ChipSpec& chip);

}  // namespace aimc::chip
