// The host (`host:`): the processor beside the chip that runs the ops no on-chip unit supports
// (HERMES's max-pool and attention, an embedding table). Its data reaches it over the network's
// path to the host (through the off-chip memory's link where the chip has one). Every chip has a
// host model: a default one (one x86 core's SIMD) unless the chip file gives its own.
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
};

const Schema<HostSpec>& host_schema();

}  // namespace aimc::chip
