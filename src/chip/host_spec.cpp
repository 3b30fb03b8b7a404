#include "chip/host_spec.h"

#include "chip/schema/schema.h"

namespace aimc::chip {

const Schema<HostSpec>& host_schema() {
  static const Schema<HostSpec> s =
      Schema<HostSpec>("host",
                       "The processor beside the chip that runs the ops no on-chip unit supports; its data travels "
                       "the network's path to the host (and the off-chip memory's link, if any). The defaults are "
                       "one x86 core's fp32 SIMD: 40 Gop/s (2.5 GHz × 16 lanes) and 10 pJ/op (Horowitz, ISSCC "
                       "2014: ~70 pJ per instruction amortised over 16 lanes, plus the op).")
          .defaulted("gops", &HostSpec::gops, RealCodec{0, 1e9, true}, HostSpec{}.gops,
                     "throughput of the host on the ops placed there (Gop/s)")
          .defaulted("e_op_pj", &HostSpec::e_op_pj, RealCodec{0, 1e9}, HostSpec{}.e_op_pj, "energy of one op on the host (pJ)");
  return s;
}

}  // namespace aimc::chip
