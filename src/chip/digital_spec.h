// Digital units: per core (`cores.digital.<name>`: HERMES's LDPU, Jia's SIMD, a cluster's RISC-V
// cores) and per chip (`digital.<name>`: HERMES's GDPUs). Each lists the operations it supports
// with its width, throughput and energy.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace aimc::chip {

template <class S>
class Schema;

enum class DigitalKind { FixedFunction, Simd, RiscV };

enum class DigitalOp {
  Affine,  // per-column scale and offset (also folded batch-norm)
  Bias,
  Relu,
  Sign,        // binarisation (BNN activations)
  ShiftAdd,    // recombining bit-planes / bit-slices
  PartialSum,  // accumulating partial MVM results of a layer split over cores
  Quantize,    // requantising to the next layer's input precision
  MaxPool,
  AvgPool,
  ResidualAdd,
  ElementwiseAdd,
  ElementwiseMul,
  Sigmoid,
  Tanh,
  LstmGates,  // a recurrent cell's state update (LSTM c and h, GRU h)
  Softmax,
  DepthwiseConv,  // a depthwise convolution (Garofalo's digital depth-wise accelerator)
};
constexpr DigitalOp kLastDigitalOp = DigitalOp::DepthwiseConv;

struct DigitalUnitSpec {
  std::string name;  // the map key: "ldpu"
  DigitalKind kind = DigitalKind::FixedFunction;
  int64_t count = 1;                // units of this kind (per core or per chip)
  std::vector<DigitalOp> ops;       // the operations it computes
  int64_t width_bits = 0;           // datapath width
  double ops_per_cycle = 0;         // throughput of one unit
  std::optional<double> clock_mhz;  // when it runs on its own clock (absent: the chip clock)
  std::optional<double> e_op_pj;    // energy of one operation
  std::optional<double> area_mm2;   // the whole unit class (all `count` of them) on one core or the chip
};

const Schema<DigitalUnitSpec>& digital_unit_schema();
std::string to_string(DigitalKind kind);
std::string to_string(DigitalOp op);
std::vector<std::string> digital_op_names();

}  // namespace aimc::chip
