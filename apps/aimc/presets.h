// Where the CLI looks for chip presets, first match wins: $AIMC_PRESETS (':'-separated folders),
// the source tree's presets/ and the installed share/aimc/presets.
#pragma once

#include "chip/presets.h"

namespace aimc::cli {

chip::PresetLibrary preset_library();

}  // namespace aimc::cli
