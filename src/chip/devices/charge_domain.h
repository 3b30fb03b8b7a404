// `technology: charge-domain` — binary SRAM cells that multiply digitally and drive a local
// capacitor; a column sums by charge sharing, so precision is set by capacitor matching
// (Valavi 2019, Jia 2020/2022).
#pragma once

#include <cstdint>

#include "chip/device_registry.h"

namespace aimc::chip {

struct ChargeDomainSpec {
  int64_t transistors = 0;                // per bit cell (8 for 6T + 2 PMOS)
  double capacitor_ff = 0;                // the cell's compute capacitor
  double capacitor_mismatch_rel_std = 0;  // σ of a cell capacitor / nominal
};

const Schema<ChargeDomainSpec>& charge_domain_schema();

}  // namespace aimc::chip
