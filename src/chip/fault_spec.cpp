#include "chip/fault_spec.h"

#include "chip/schema/schema.h"

namespace aimc::chip {

const Schema<FaultSpec>& fault_schema() {
  static const Schema<FaultSpec> s =
      Schema<FaultSpec>("faults", "Device and column faults, drawn independently for every tile.")
          .defaulted("stuck_on_fraction", &FaultSpec::stuck_on_fraction, RealCodec{0, 1}, 0.0,
                     "fraction of devices stuck at their highest conductance (bit cells: stuck at 1)")
          .defaulted("stuck_off_fraction", &FaultSpec::stuck_off_fraction, RealCodec{0, 1}, 0.0,
                     "fraction of devices stuck at their lowest conductance (bit cells: stuck at 0)")
          .defaulted("dead_column_fraction", &FaultSpec::dead_column_fraction, RealCodec{0, 1}, 0.0,
                     "fraction of columns whose converter always reads zero")
          .rule("stuck_on_fraction + stuck_off_fraction <= 1", [](const FaultSpec& f, const Site& site) {
            if (f.stuck_on_fraction + f.stuck_off_fraction > 1) {
              site.fail_key("stuck_off_fraction",
                            fmt::format("{} + stuck_on_fraction {} exceeds 1; expected fractions summing to at most 1",
                                        format_real(f.stuck_off_fraction), format_real(f.stuck_on_fraction)));
            }
          });
  return s;
}

}  // namespace aimc::chip
