// assign-digital: every graph node not mapped to crossbars, and every layer's own digital steps
// (im2col on programmable cores, bias, partial sums of row splits, shift-add of bit slices and
// bit-serial inputs, LSTM gate math), goes to a digital unit that supports it: a per-core unit (HERMES's LDPU, Jia's SIMD, a
// cluster's RISC-V cores) on the cores where its data is, else a chip-level unit (HERMES's GDPUs),
// else the host (off chip, marked "host": HERMES's max-pool). Programmable (RISC-V) units run any
// op; fixed-function units only those they list. Layout-only nodes (Reshape, Slice, Concat, Pad...)
// are data movement ("layout"). A Sign right after a layer on a chip whose ADC is a comparator is
// computed by the comparator, with the layer's bias as its threshold ("adc"). A graph node's op on a
// unit with `width_bits` gets its output's fixed-point format (frac_bits) from the range `quantize`
// calibrated: the integer part holds twice the calibrated max |v| (one bit of headroom).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <tuple>

#include "compiler/pass.h"
#include "compiler/passes/common.h"
#include "program/weights.h"

namespace aimc::compiler {

namespace {

using ChipOp = chip::DigitalOp;

struct Need {
  std::vector<ChipOp> kinds;  // acceptable chip ops, preferred first; empty: programmable units only
  bool layout = false;
  int64_t ops = 0;
};

Need classify(const Graph& g, const Node& n) {
  const int64_t out = n.outputs.empty() || n.outputs[0] == kNoValue ? 0 : per_inference_numel(g, n.outputs[0]);
  auto runtime = [&](size_t i) { return n.input(i) != kNoValue && !is_constant_value(g, n.input(i)); };
  auto window = [&]() {
    int64_t k = 1;
    for (int64_t d : n.attr<PoolAttrs>().window.kernel) k *= d;
    return k;
  };
  switch (n.op) {
    case OpKind::Relu:
    case OpKind::Clip:
      return {{ChipOp::Relu}, false, out};
    case OpKind::Sigmoid:
      return {{ChipOp::Sigmoid}, false, out};
    case OpKind::Tanh:
      return {{ChipOp::Tanh}, false, out};
    case OpKind::Softmax:
      return {{ChipOp::Softmax}, false, 3 * out};
    case OpKind::Sign:
      return {{ChipOp::Sign}, false, out};
    case OpKind::Add:
      if (runtime(0) && runtime(1)) return {{ChipOp::ResidualAdd, ChipOp::ElementwiseAdd}, false, out};
      return {{ChipOp::Bias, ChipOp::Affine, ChipOp::ElementwiseAdd}, false, out};
    case OpKind::Sub:
      if (runtime(0) && runtime(1)) return {{ChipOp::ElementwiseAdd}, false, out};
      return {{ChipOp::Affine, ChipOp::Bias}, false, out};
    case OpKind::Mul:
    case OpKind::Div:
      if (runtime(0) && runtime(1)) return {{ChipOp::ElementwiseMul}, false, out};
      return {{ChipOp::Affine}, false, out};
    case OpKind::BatchNormalization:
      return {{ChipOp::Affine}, false, out};
    case OpKind::MaxPool:
      return {{ChipOp::MaxPool}, false, out * window()};
    case OpKind::AveragePool:
      return {{ChipOp::AvgPool}, false, out * window()};
    case OpKind::ReduceMax:
    case OpKind::ReduceMin:
    case OpKind::ArgMax:
    case OpKind::ArgMin:
      return {{ChipOp::MaxPool}, false, per_inference_numel(g, n.inputs[0])};  // one comparison per element
    case OpKind::TopK: {
      const auto& a = n.attr<TopKAttrs>();
      const int64_t depth = static_cast<int64_t>(std::ceil(std::log2(static_cast<double>(a.k) + 1.0)));
      return {{ChipOp::MaxPool}, false, per_inference_numel(g, n.inputs[0]) * std::max<int64_t>(depth, 1)};
    }
    case OpKind::CumSum:
      return {{ChipOp::ElementwiseAdd}, false, out};  // one addition per element
    case OpKind::Equal:
    case OpKind::Less:
    case OpKind::Greater:
      return {{ChipOp::MaxPool}, false, out};  // one comparison per element
    case OpKind::GlobalAveragePool:
    case OpKind::ReduceMean:
      return {{ChipOp::AvgPool}, false, per_inference_numel(g, n.inputs[0])};
    case OpKind::FakeQuant:
      return {{ChipOp::Quantize}, false, out};
    case OpKind::Resize: {
      // Nearest is data movement; linear blends two neighbours per resized axis (2 multiplies, 1 add).
      const auto& a = n.attr<ResizeAttrs>();
      if (a.mode == ResizeAttrs::Mode::Nearest) return {{}, true, 0};
      int64_t axes = 0;
      for (double s : a.scales) axes += s != 1.0 ? 1 : 0;
      return {{}, false, 3 * out * std::max<int64_t>(axes, 1)};
    }
    case OpKind::Reshape:
    case OpKind::Transpose:
    case OpKind::Concat:
    case OpKind::Split:
    case OpKind::Slice:
    case OpKind::Pad:
    case OpKind::Cast:
    case OpKind::Expand:
      return {{}, true, 0};
    case OpKind::Conv: {
      // A depthwise conv (one input channel per group) also runs on a depthwise-conv unit.
      const Shape& w = g.value(n.inputs[1]).shape;
      const int64_t ops = 2 * out * numel(Shape(w.begin() + 1, w.end()));
      if (w.size() > 1 && w[1] == 1 && n.attr<ConvAttrs>().group > 1) return {{ChipOp::DepthwiseConv}, false, ops};
      return {{}, false, ops};
    }
    case OpKind::Gemm:
    case OpKind::MatMul: {
      const Shape& a = g.value(n.inputs[0]).shape;
      return {{}, false, 2 * out * (a.empty() ? 1 : a.back())};
    }
    case OpKind::LSTM:
    case OpKind::GRU: {  // runtime weights (off the crossbars): per step [x; h]·[W; R]ᵀ and the cell
      const Shape& w = g.value(n.inputs[1]).shape;  // [1, gates·H, I]
      const int64_t H = n.attr<RecurrentAttrs>().hidden_size;
      const int64_t steps = per_inference_numel(g, n.inputs[0]) / std::max<int64_t>(w[2], 1);  // T (per sample)
      return {{}, false, steps * H * (2 * (w[2] + H) * (w[1] / H) + 10)};
    }
    default:
      return {{}, false, out};
  }
}

class AssignDigital final : public Pass {
 public:
  std::string_view name() const override { return "assign-digital"; }
  std::string_view summary() const override {
    return "assign every non-crossbar op to a per-core or chip-level digital unit that supports it, else the host";
  }

  void run(CompileContext& ctx) override {
    const Graph& g = ctx.graph;
    Program& p = ctx.program;
    p.digital_ops.clear();
    std::vector<int32_t> layer_of_node(g.num_nodes(), -1);
    for (size_t l = 0; l < ctx.layer_node.size(); ++l)
      layer_of_node[static_cast<size_t>(ctx.layer_node[l])] = static_cast<int32_t>(l);
    const auto readers = value_readers(g);

    // Where each value's data is, as cores (empty: not on a core).
    std::vector<std::vector<int32_t>> home(g.num_values());
    std::vector<std::vector<int32_t>> reduce(p.layers.size()), all(p.layers.size());
    for (const Tile& t : p.tiles) {
      reduce[static_cast<size_t>(t.layer)].push_back(t.reduce_core);
      all[static_cast<size_t>(t.layer)].push_back(t.core);
    }
    for (auto* v : {&reduce, &all}) {
      for (auto& c : *v) {
        std::sort(c.begin(), c.end());
        c.erase(std::unique(c.begin(), c.end()), c.end());
      }
    }

    struct Pending {
      int32_t node;
      Need need;
      size_t op_index;
    };
    std::vector<Pending> pending;
    int64_t host = 0, on_core = 0, on_chip = 0, by_adc = 0;
    for (size_t i = 0; i < g.num_nodes(); ++i) {
      const Node& n = g.node(static_cast<int32_t>(i));
      const int32_t li = layer_of_node[i];
      if (li >= 0) {
        for (ValueId o : n.outputs) {
          if (o != kNoValue) home[static_cast<size_t>(o)] = reduce[static_cast<size_t>(li)];
        }
        add_layer_ops(ctx, li, readers, reduce[static_cast<size_t>(li)], all[static_cast<size_t>(li)]);
        continue;
      }
      bool all_const = true;
      for (ValueId in : n.inputs) all_const = all_const && (in == kNoValue || is_constant_value(g, in));
      if (all_const) continue;  // folded at load time (e.g. FakeQuant of weights)
      Need need = classify(g, n);
      DigitalOp op = make_op(ctx, n.name, std::string(op_name(n.op)), need, -1);
      // Sign right after a layer on a comparator ADC: the converter decides.
      if (n.op == OpKind::Sign && ctx.chip.cores.adc.kind == chip::AdcKind::Comparator) {
        const Value& x = g.value(n.inputs[0]);
        if (x.producer >= 0 && layer_of_node[static_cast<size_t>(x.producer)] >= 0) {
          op.scope = Scope::Core;
          op.unit = "adc";
          op.unit_index = -1;
          op.ops_per_inference = 0;
        }
      }
      if (op.unit_index >= 0) op.frac_bits = frac_bits(ctx, n, op);
      std::tie(op.output_rows, op.row_window) = row_geometry(g, n);
      std::vector<int32_t> cores;
      for (ValueId in : n.inputs) {
        if (in != kNoValue && !home[static_cast<size_t>(in)].empty()) {
          cores = home[static_cast<size_t>(in)];
          break;
        }
      }
      if (op.scope == Scope::Core) {
        op.cores = cores;
        if (cores.empty()) pending.push_back(Pending{static_cast<int32_t>(i), need, p.digital_ops.size()});
        for (ValueId o : n.outputs) {
          if (o != kNoValue) home[static_cast<size_t>(o)] = cores;
        }
      }
      p.digital_ops.push_back(op);
    }
    // Ops on per-core units before any layer (input normalisation): on the first consumer layer's cores.
    for (auto it = pending.rbegin(); it != pending.rend(); ++it) {
      const Node& n = g.node(it->node);
      std::vector<int32_t> cores;
      for (ValueId o : n.outputs) {
        if (o == kNoValue) continue;
        for (int32_t r : readers[static_cast<size_t>(o)]) {
          const int32_t li = layer_of_node[static_cast<size_t>(r)];
          if (li >= 0) {
            cores = all[static_cast<size_t>(li)];
          } else {
            for (ValueId ro : g.node(r).outputs) {
              if (ro != kNoValue && !home[static_cast<size_t>(ro)].empty()) cores = home[static_cast<size_t>(ro)];
            }
          }
          if (!cores.empty()) break;
        }
        if (!cores.empty()) break;
      }
      if (cores.empty() && !p.tiles.empty()) cores = {p.tiles.front().core};
      p.digital_ops[it->op_index].cores = cores;
      for (ValueId o : n.outputs) {
        if (o != kNoValue) home[static_cast<size_t>(o)] = cores;
      }
    }
    for (DigitalOp& d : p.digital_ops) d.id = static_cast<int32_t>(&d - p.digital_ops.data());
    for (const DigitalOp& d : p.digital_ops) {
      if (d.unit == "layout") continue;
      if (d.unit == "adc") ++by_adc;
      else if (d.scope == Scope::Host) ++host;
      else if (d.scope == Scope::Chip) ++on_chip;
      else ++on_core;
    }
    statistics()["on-core-units"] = on_core;
    statistics()["on-chip-units"] = on_chip;
    statistics()["on-host"] = host;
    statistics()["by-adc"] = by_adc;
  }

 private:
  // Fractional bits of node n's output on d's unit: (2^(w−1) − 1)·2^−f ≥ 2·range. Absent without a
  // calibrated range, or above 32 bits (the fp32 simulation holds no more).
  static std::optional<int32_t> frac_bits(const CompileContext& ctx, const Node& n, const DigitalOp& d) {
    const auto& units = d.scope == Scope::Core ? ctx.chip.cores.digital : ctx.chip.digital;
    const int64_t w = units.at(static_cast<size_t>(d.unit_index)).width_bits;
    if (w < 2 || w > 32 || n.outputs.empty() || n.outputs[0] == kNoValue) return std::nullopt;
    const auto it = ctx.value_range.find(ctx.graph.value(n.outputs[0]).name);
    if (it == ctx.value_range.end() || !(it->second > 0) || !std::isfinite(it->second)) return std::nullopt;
    const auto e = static_cast<int64_t>(std::ceil(std::log2(2.0 * static_cast<double>(it->second))));
    return static_cast<int32_t>(w - 1 - e);
  }

  // A per-core unit before a chip-level one; at each level, a unit that lists one of `need.kinds` (the
  // first kind it lists wins) before a programmable unit (which runs everything).
  static DigitalOp make_op(const CompileContext& ctx, const std::string& node, const std::string& op, const Need& need,
                           int32_t layer) {
    DigitalOp d;
    d.node = node;
    d.op = op;
    d.layer = layer;
    d.ops_per_inference = need.ops;
    if (!need.kinds.empty()) d.kind = need.kinds.front();
    if (need.layout) {
      d.scope = Scope::Core;
      d.unit = "layout";
      return d;
    }
    auto listed = [&](const chip::DigitalUnitSpec& u) -> std::optional<ChipOp> {
      for (ChipOp k : need.kinds) {
        if (std::find(u.ops.begin(), u.ops.end(), k) != u.ops.end()) return k;
      }
      return std::nullopt;
    };
    auto pick = [&](const std::vector<chip::DigitalUnitSpec>& units, Scope scope) {
      for (bool dedicated : {true, false}) {
        for (size_t i = 0; i < units.size(); ++i) {
          const auto& u = units[i];
          const std::optional<ChipOp> k = listed(u);
          if (dedicated ? !k : u.kind != chip::DigitalKind::RiscV) continue;
          d.kind = k ? k : (need.kinds.empty() ? std::optional<ChipOp>() : need.kinds.front());
          d.scope = scope;
          d.unit = u.name;
          d.unit_index = static_cast<int32_t>(i);
          return true;
        }
      }
      return false;
    };
    if (pick(ctx.chip.cores.digital, Scope::Core) || pick(ctx.chip.digital, Scope::Chip)) return d;
    d.scope = Scope::Host;
    d.unit = "host";
    return d;
  }

  void add_layer_ops(CompileContext& ctx, int32_t li, const std::vector<std::vector<int32_t>>& readers,
                     const std::vector<int32_t>& cores, const std::vector<int32_t>& tile_cores) {
    Program& p = ctx.program;
    const Layer& l = p.layers[static_cast<size_t>(li)];
    const Graph& g = ctx.graph;
    const int64_t vc = l.vectors_per_inference * l.cols;
    auto add = [&](const std::string& step, std::vector<ChipOp> kinds, int64_t ops) {
      DigitalOp d = make_op(ctx, l.name, step, Need{std::move(kinds), false, ops}, li);
      if (d.scope == Scope::Core) d.cores = cores;
      p.digital_ops.push_back(d);
    };
    // Programmable cores marshal a convolution's input windows (im2col) into the crossbar's input
    // buffer, one element moved per row of every input vector (Bruschi 2023's RISC-V cores); a chip
    // with only fixed-function units gets its windows from its input path in hardware.
    const auto& units = ctx.chip.cores.digital;
    if (l.kind == LayerKind::Conv && std::any_of(units.begin(), units.end(), [](const chip::DigitalUnitSpec& u) {
          return u.kind == chip::DigitalKind::RiscV;
        })) {
      DigitalOp d = make_op(ctx, l.name, "im2col", Need{{}, false, l.vectors_per_inference * l.rows}, li);
      d.cores = tile_cores;
      p.digital_ops.push_back(d);
    }
    const int64_t row_blocks = ceil_div(l.group_rows, ctx.chip.cores.rows);
    if (row_blocks > 1) add("partial-sum", {ChipOp::PartialSum, ChipOp::ElementwiseAdd}, vc * (row_blocks - 1));
    const int64_t planes = ctx.chip.cores.input.kind == chip::InputKind::BitSerial ? l.quant.input_bits : 1;
    if (l.columns_per_weight * planes > 1) add("shift-add", {ChipOp::ShiftAdd}, vc * (l.columns_per_weight * planes - 1));
    if (l.has_bias) {
      // A comparator ADC followed only by Sign applies the bias as its threshold.
      if (ctx.chip.cores.adc.kind == chip::AdcKind::Comparator &&
          read_only_by_sign(g, ctx.layer_node[static_cast<size_t>(li)], readers)) {
        DigitalOp d;
        d.node = l.name;
        d.op = "bias";
        d.kind = ChipOp::Bias;
        d.layer = li;
        d.scope = Scope::Core;
        d.unit = "adc";
        d.cores = cores;
        p.digital_ops.push_back(d);
      } else {
        add("bias", {ChipOp::Bias, ChipOp::Affine}, vc);
      }
    }
    if (l.kind == LayerKind::Lstm) {
      const int64_t H = l.cols / 4, T = l.vectors_per_inference;
      add("lstm-sigmoid", {ChipOp::Sigmoid}, 3 * H * T);
      add("lstm-tanh", {ChipOp::Tanh}, 2 * H * T);
      add("lstm-cell", {ChipOp::LstmGates, ChipOp::ElementwiseMul}, 4 * H * T);  // c = f·c + i·g, h = o·tanh c
    } else if (l.kind == LayerKind::Gru) {
      const int64_t H = l.cols / 4, T = l.vectors_per_inference;
      add("gru-sigmoid", {ChipOp::Sigmoid}, 2 * H * T);
      add("gru-tanh", {ChipOp::Tanh}, H * T);
      add("gru-cell", {ChipOp::LstmGates, ChipOp::ElementwiseMul}, 5 * H * T);  // r·hₕ + xₕ, (1−z)·n + z·h
    }
  }
};

}  // namespace

std::unique_ptr<Pass> make_assign_digital_pass() { return std::make_unique<AssignDigital>(); }

}  // namespace aimc::compiler
