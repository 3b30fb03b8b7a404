// The host (`host:`): the processor beside the chip that runs the ops no on-chip unit supports
// (HERMES's max-pool and attention, an embedding table), and sends the inputs and takes the
// outputs. Its data crosses the network's path to the chip's edge, then the off-chip memory's link
// where the chip has one (the host's data is staged there), else the host link below (one link
// each way). Every chip has a host model: a default one (one x86 core's SIMD on a PCIe card)
// unless the chip file gives its own.
#pragma once

namespace aimc::chip {

template <class S>
class Schema;

struct HostSpec {
  // ASSUMPTION (default): one 2.5 GHz core issuing one 16-lane fp32 vector op per cycle (AVX-512).
  double gops = 40;
  // ASSUMPTION (default): Horowitz, ISSCC 2014 ("Computing's energy problem", 45 nm): ~70 pJ of
  // instruction overhead per instruction on an out-of-order core, amortised over 16 lanes, plus
  // ~4 pJ for the fp32 op itself: ~8 pJ, rounded up to 10 for the caches' share.
  double e_op_pj = 10;
  // ASSUMPTION (default): PCIe 3.0 x8, the usual link of an FPGA or accelerator card: 8 GT/s per
  // lane with 128b/130b coding = 0.985 GB/s per lane, 7.88 GB/s each way.
  double link_gbps = 7.88;
  // ASSUMPTION (default): a PCIe transaction's one-way latency, ~0.5 us (host to card write).
  double link_latency_ns = 500;
  // ASSUMPTION (default): 5 pJ per bit for both ends' PHYs and protocol layers; a bare short-reach
  // link is 1.4-1.9 pJ/b (IBM, 16 x 12 Gb/s source-synchronous I/O in 32 nm SOI).
  double link_e_bit_pj = 5;
};

const Schema<HostSpec>& host_schema();

}  // namespace aimc::chip
