// The chip's area, component by component (the `area_mm2` keys of the chip YAML):
//   arrays     cores · arrays · cores.array_area_mm2
//   adcs       cores · arrays · (cols / columns_per_adc) · cores.adc.area_mm2
//   core X     cores · cores.digital.X.area_mm2 / cores.memories.X.area_mm2
//   core other cores · (cores.area_mm2 − the core's parts above), when the core's total and parts are given
//   chip X     digital.X.area_mm2 / memories.X.area_mm2 (on-chip memories), noc.area_mm2
//   other      area_mm2 (the die) − everything above, when the die is given
// The total is the die when given (basis "die"), else the cores (given or summed from their parts)
// plus the chip-level parts (basis "cores"); absent when neither the die nor any core area is known.
//
// Contract: validate_area() (a chip rule) rejects parts larger than the total they belong to and an
// area on an off-chip memory, so every part here is ≥ 0.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chip/chip_spec.h"

namespace aimc::chip {

class Site;

struct AreaBreakdown {
  double total_mm2 = 0;
  std::string basis;                                  // "die" or "cores"
  std::vector<std::pair<std::string, double>> parts;  // name → mm², the chip's total of each
};

std::optional<AreaBreakdown> area_breakdown(const ChipSpec& chip);

// One core's area: cores.area_mm2, else the sum of its parts when any is given.
std::optional<double> core_area_mm2(const CoreSpec& core);
// The sum of one core's parts (arrays, ADCs, digital units, memories): 0 when none is given.
double core_parts_mm2(const CoreSpec& core);
// Rule of the chip schema: parts within their totals, no area on an off-chip memory.
void validate_area(const ChipSpec& chip, const Site& site);

}  // namespace aimc::chip
