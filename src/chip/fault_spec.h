// Manufacturing and wear-out faults of a core's crossbar (`cores.faults`), drawn per tile by the
// functional simulator: devices (or bit cells) stuck at their on or off state, and dead columns.
#pragma once

namespace aimc::chip {

template <class S>
class Schema;

struct FaultSpec {
  double stuck_on_fraction = 0;     // devices stuck at their highest conductance (bit cells: at 1)
  double stuck_off_fraction = 0;    // devices stuck at their lowest conductance (bit cells: at 0)
  double dead_column_fraction = 0;  // columns whose converter always reads zero
};

const Schema<FaultSpec>& fault_schema();

}  // namespace aimc::chip
