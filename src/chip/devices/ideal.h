// `technology: ideal` — exact weights: no programming error, drift or read noise. For checking
// mappings and for the digital reference.
#pragma once

#include "chip/device_registry.h"

namespace aimc::chip {

struct IdealDeviceSpec {};

const Schema<IdealDeviceSpec>& ideal_schema();

}  // namespace aimc::chip
