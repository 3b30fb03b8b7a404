#include "chip/devices/charge_domain.h"

namespace aimc::chip {

const Schema<ChargeDomainSpec>& charge_domain_schema() {
  static const Schema<ChargeDomainSpec> s =
      Schema<ChargeDomainSpec>("device (technology: charge-domain)",
                               "Binary SRAM cells with a compute capacitor; columns accumulate by charge sharing.")
          .required("transistors", &ChargeDomainSpec::transistors, IntCodec{4, 16}, "transistors per bit cell")
          .required("capacitor_ff", &ChargeDomainSpec::capacitor_ff, RealCodec{0, 1000, true}, "compute capacitor per cell (fF)")
          .required("capacitor_mismatch_rel_std", &ChargeDomainSpec::capacitor_mismatch_rel_std, RealCodec{0, 1},
                    "σ of a cell capacitor relative to nominal");
  return s;
}

}  // namespace aimc::chip
