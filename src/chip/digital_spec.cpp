#include "chip/digital_spec.h"

#include <set>

#include "chip/schema/schema.h"

namespace aimc::chip {

namespace {
const EnumCodec<DigitalKind>& digital_kind_codec() {
  static const EnumCodec<DigitalKind> c{
      {{"fixed-function", DigitalKind::FixedFunction}, {"simd", DigitalKind::Simd}, {"risc-v", DigitalKind::RiscV}}};
  return c;
}
const EnumCodec<DigitalOp>& op_codec() {
  static const EnumCodec<DigitalOp> c{{{"affine", DigitalOp::Affine},
                                       {"bias", DigitalOp::Bias},
                                       {"relu", DigitalOp::Relu},
                                       {"sign", DigitalOp::Sign},
                                       {"shift-add", DigitalOp::ShiftAdd},
                                       {"partial-sum", DigitalOp::PartialSum},
                                       {"quantize", DigitalOp::Quantize},
                                       {"max-pool", DigitalOp::MaxPool},
                                       {"avg-pool", DigitalOp::AvgPool},
                                       {"residual-add", DigitalOp::ResidualAdd},
                                       {"elementwise-add", DigitalOp::ElementwiseAdd},
                                       {"elementwise-mul", DigitalOp::ElementwiseMul},
                                       {"sigmoid", DigitalOp::Sigmoid},
                                       {"tanh", DigitalOp::Tanh},
                                       {"lstm-gates", DigitalOp::LstmGates},
                                       {"softmax", DigitalOp::Softmax},
                                       {"depthwise-conv", DigitalOp::DepthwiseConv}}};
  return c;
}
}  // namespace

std::string to_string(DigitalKind kind) { return digital_kind_codec().name_of(kind); }
std::string to_string(DigitalOp op) { return op_codec().name_of(op); }
std::vector<std::string> digital_op_names() { return op_codec().keys(); }

const Schema<DigitalUnitSpec>& digital_unit_schema() {
  static const Schema<DigitalUnitSpec> s =
      Schema<DigitalUnitSpec>("digital.<name>",
                              "A kind of digital unit: the operations it computes, its width, throughput and "
                              "energy. Under `cores.digital` the count is per core, under `digital` per chip.")
          .required("kind", &DigitalUnitSpec::kind, digital_kind_codec(), "`fixed-function`, `simd` or `risc-v`")
          .required("count", &DigitalUnitSpec::count, IntCodec{1, 1000000}, "units of this kind")
          .required("ops", &DigitalUnitSpec::ops, ListCodec<EnumCodec<DigitalOp>>{.element = op_codec(), .min_size = 1},
                    "operations it computes")
          .required("width_bits", &DigitalUnitSpec::width_bits, IntCodec{2, 32},
                    "datapath width (bits) of its fixed-point values and partial sums (simulated in 32-bit integers)")
          .required("ops_per_cycle", &DigitalUnitSpec::ops_per_cycle, RealCodec{0, 1e6, true},
                    "operations one unit completes per cycle")
          .optional("clock_mhz", &DigitalUnitSpec::clock_mhz, RealCodec{0, 1e5, true},
                    "own clock (MHz); absent: the chip's clock_mhz")
          .optional("e_op_pj", &DigitalUnitSpec::e_op_pj, RealCodec{0, 1e9}, "energy of one operation (pJ)")
          .optional("area_mm2", &DigitalUnitSpec::area_mm2, RealCodec{0, 1e4, true},
                    "area of the unit class, all `count` units together (mm²)")
          .rule("no operation listed twice", [](const DigitalUnitSpec& d, const Site& site) {
            std::set<DigitalOp> seen;
            for (std::size_t i = 0; i < d.ops.size(); ++i) {
              if (!seen.insert(d.ops[i]).second) site.child("ops").element(i).fail("'" + to_string(d.ops[i]) + "' listed twice");
            }
          });
  return s;
}

}  // namespace aimc::chip
