// The resolved chip (every default filled in, every base merged) as JSON and as YAML. The YAML reads
// back through load_chip to an equal ChipSpec, so a result can carry the exact chip it ran on
// (STYLE P5).
#pragma once

#include <string>

#include "chip/chip_spec.h"
#include "chip/schema/codecs.h"

namespace aimc::chip {

Json resolved_json(const ChipSpec& chip);
std::string resolved_yaml(const ChipSpec& chip);
// Any JSON value as block YAML (numbers in their shortest exact form).
std::string json_to_yaml(const Json& value);

}  // namespace aimc::chip
