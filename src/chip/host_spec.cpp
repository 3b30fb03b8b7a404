#include "chip/host_spec.h"

#include "chip/schema/schema.h"

namespace aimc::chip {

const Schema<HostSpec>& host_schema() {
  static const Schema<HostSpec> s =
      Schema<HostSpec>("host",
                       "The processor beside the chip that runs the ops no on-chip unit supports and sends the inputs "
                       "and takes the outputs; its data crosses the network to the chip's edge, then the off-chip "
                       "memory's link where the chip has one (the host's data is staged there), else the host link "
                       "(one each way). The defaults are one x86 core's fp32 SIMD: 40 Gop/s (2.5 GHz × 16 lanes) and "
                       "10 pJ/op (Horowitz, ISSCC 2014: ~70 pJ per instruction amortised over 16 lanes, plus the op), "
                       "on a PCIe 3.0 x8 card: 7.88 GB/s each way (8 GT/s × 128b/130b × 8 lanes), 0.5 µs one-way "
                       "latency and 5 pJ/bit (a bare short-reach link is 1.4-1.9 pJ/b, IBM 32 nm SOI I/O; PCIe's "
                       "PHYs and protocol layers at both ends take more).")
          .defaulted("gops", &HostSpec::gops, RealCodec{0, 1e9, true}, HostSpec{}.gops,
                     "throughput of the host on the ops placed there (Gop/s)")
          .defaulted("e_op_pj", &HostSpec::e_op_pj, RealCodec{0, 1e9}, HostSpec{}.e_op_pj, "energy of one op on the host (pJ)")
          .defaulted("link_gbps", &HostSpec::link_gbps, RealCodec{0, 1e9, true}, HostSpec{}.link_gbps,
                     "bandwidth of the host link, each way (GB/s); unused on a chip with an off-chip memory")
          .defaulted("link_latency_ns", &HostSpec::link_latency_ns, RealCodec{0, 1e9}, HostSpec{}.link_latency_ns,
                     "one-way latency of the host link (ns)")
          .defaulted("link_e_bit_pj", &HostSpec::link_e_bit_pj, RealCodec{0, 1e9}, HostSpec{}.link_e_bit_pj,
                     "energy of one bit over the host link (pJ)");
  return s;
}

}  // namespace aimc::chip
