// A whole chip (the top level of a chip YAML): identity, clock, area and power, its cores, the
// chip-level digital units, the network between cores, the shared memories and the host.
//
// Contract: a ChipSpec that came out of load_chip() or passed validate_chip() is valid; the rest
// of aimc trusts it without checking again (ARCHITECTURE: validated once at the edge).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chip/core_spec.h"
#include "chip/digital_spec.h"
#include "chip/host_spec.h"
#include "chip/memory_spec.h"
#include "chip/noc_spec.h"

namespace aimc::chip {

template <class S>
class Schema;

struct ChipSpec {
  std::string name;
  std::string description;
  std::optional<int64_t> technology_nm;   // CMOS node
  double clock_mhz = 0;                   // main (digital) clock
  std::optional<double> area_mm2;         // die area, when published
  std::optional<double> static_power_mw;  // whole chip, idle
  CoreSpec cores;
  std::vector<DigitalUnitSpec> digital;  // chip-level digital units
  NocSpec noc;
  std::vector<MemorySpec> memories;  // chip-level and off-chip memories
  HostSpec host;                     // runs the ops no on-chip unit supports
};

const Schema<ChipSpec>& chip_schema();

// The off-chip memory the chip's host data is staged in: the first `memories` entry with off_chip;
// null when there is none (the host is then reached over the host link, noc/network.h).
const MemorySpec* offchip_memory(const ChipSpec& chip);

// Range checks and rules for a spec built in C++ (throws aimc::Error naming the YAML path).
void validate_chip(const ChipSpec& chip);

}  // namespace aimc::chip
