#include "chip/devices/ideal.h"

namespace aimc::chip {

const Schema<IdealDeviceSpec>& ideal_schema() {
  static const Schema<IdealDeviceSpec> s("device (technology: ideal)",
                                         "Exact weights: no programming error, drift or read noise. No parameters.");
  return s;
}

}  // namespace aimc::chip
