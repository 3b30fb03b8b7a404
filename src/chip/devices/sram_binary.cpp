#include "chip/devices/sram_binary.h"

namespace aimc::chip {

const Schema<SramBinarySpec>& sram_binary_schema() {
  static const Schema<SramBinarySpec> s =
      Schema<SramBinarySpec>("device (technology: sram-binary)",
                             "Binary SRAM cells computing in the current domain (bit-line discharge).")
          .required("transistors", &SramBinarySpec::transistors, IntCodec{4, 16}, "transistors per bit cell")
          .required("current_mismatch_rel_std", &SramBinarySpec::current_mismatch_rel_std, RealCodec{0, 1},
                    "σ of a cell's read current relative to nominal (transistor mismatch)");
  return s;
}

}  // namespace aimc::chip
