#include "chip/drift_compensation_spec.h"

#include "chip/schema/schema.h"

namespace aimc::chip {

namespace {
const EnumCodec<DriftCompensation>& drift_scheme_codec() {
  static const EnumCodec<DriftCompensation> c{
      {{"none", DriftCompensation::None}, {"global", DriftCompensation::Global}, {"per-column", DriftCompensation::PerColumn}}};
  return c;
}
const EnumCodec<CompensationReadout>& readout_codec() {
  static const EnumCodec<CompensationReadout> c{{{"chip", CompensationReadout::Chip}, {"exact", CompensationReadout::Exact}}};
  return c;
}
}  // namespace

std::string to_string(DriftCompensation compensation) { return drift_scheme_codec().name_of(compensation); }
std::string to_string(CompensationReadout readout) { return readout_codec().name_of(readout); }

const Schema<DriftCompensationSpec>& drift_compensation_schema() {
  static const Schema<DriftCompensationSpec> s =
      Schema<DriftCompensationSpec>(
          "drift_compensation",
          "Output rescaling against conductance drift: each tile's outputs are multiplied by α = ref / cur, the "
          "mean |output| of a one-hot calibration readout right after programming (ref) and at the time of use "
          "(cur), over the whole tile (global) or per column.")
          .defaulted("scheme", &DriftCompensationSpec::scheme, drift_scheme_codec(), DriftCompensation::None,
                     "`none`, `global` (aihwkit GlobalDriftCompensation) or `per-column`")
          .defaulted("readout", &DriftCompensationSpec::readout, readout_codec(), CompensationReadout::Chip,
                     "`chip`: the readout goes through the tile's own DAC, array, output noise and ADC, as on a chip "
                     "and in aihwkit; `exact`: exact conductance sums (an idealised reference)");
  return s;
}

}  // namespace aimc::chip
