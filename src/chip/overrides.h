// A chip with some parameters changed by their YAML path ("cores.adc.bits" = 6): the resolved chip
// with the values replaced, validated as a chip file is (the same schema, the same messages). What
// Python's Chip.with_overrides and the sweep axes use.
#pragma once

#include <string>
#include <vector>

#include "chip/chip_spec.h"
#include "chip/presets.h"

namespace aimc::chip {

struct ChipOverride {
  std::string path;   // keys joined by '.'; a list element by its index ("cores.digital.0.count")
  std::string value;  // YAML (JSON is YAML too): 6, 0.5, "pcm", [1, 2], {rows: 0.5, cols: 0.5}
};

// Throws Error naming the path when it leads through a value instead of a section, or when the
// changed chip does not validate (its file named "<chip> with overrides").
ChipSpec with_overrides(const ChipSpec& chip, const std::vector<ChipOverride>& overrides, const PresetLibrary& presets);

}  // namespace aimc::chip
