// Deterministic text form of a Graph.
#include <fmt/format.h>

#include <sstream>

#include "ir/graph.h"

namespace aimc {

namespace {

std::string type_str(const Value& v) {
  std::string s = fmt::format("{}{}", dtype_name(v.dtype), shape_str(v.shape));
  if (v.batch_axis >= 0) s += fmt::format("@{}", v.batch_axis);
  return s;
}

std::string window_str(const WindowAttrs& w) {
  return fmt::format("kernel={} strides={} dilations={} pads={}", shape_str(w.kernel), shape_str(w.strides),
                     shape_str(w.dilations), shape_str(w.pads));
}

struct AttrPrinter {
  std::string operator()(const std::monostate&) const { return ""; }
  std::string operator()(const ConvAttrs& a) const { return fmt::format("{} group={}", window_str(a.window), a.group); }
  std::string operator()(const PoolAttrs& a) const {
    return fmt::format("{} ceil_mode={} count_include_pad={}", window_str(a.window), a.ceil_mode, a.count_include_pad);
  }
  std::string operator()(const GemmAttrs& a) const {
    return fmt::format("alpha={} beta={} trans_a={} trans_b={}", a.alpha, a.beta, a.trans_a, a.trans_b);
  }
  std::string operator()(const ScalarAttrs& a) const { return fmt::format("alpha={} min={} max={}", a.alpha, a.min, a.max); }
  std::string operator()(const NormAttrs& a) const { return fmt::format("axis={} epsilon={}", a.axis, a.epsilon); }
  std::string operator()(const AxisAttrs& a) const { return fmt::format("axis={}", a.axis); }
  std::string operator()(const SplitAttrs& a) const { return fmt::format("axis={} sizes={}", a.axis, shape_str(a.sizes)); }
  std::string operator()(const ReduceAttrs& a) const {
    return fmt::format("axes={} keepdims={}{}", shape_str(a.axes), a.keepdims, a.select_last ? " select_last" : "");
  }
  std::string operator()(const ReshapeAttrs& a) const { return "shape=" + shape_str(a.shape); }
  std::string operator()(const ExpandAttrs& a) const { return "shape=" + shape_str(a.shape); }
  std::string operator()(const TransposeAttrs& a) const { return "perm=" + shape_str(a.perm); }
  std::string operator()(const SliceAttrs& a) const {
    return fmt::format("starts={} ends={} steps={}", shape_str(a.starts), shape_str(a.ends), shape_str(a.steps));
  }
  std::string operator()(const PadAttrs& a) const { return fmt::format("pads={} value={}", shape_str(a.pads), a.value); }
  std::string operator()(const ResizeAttrs& a) const {
    static constexpr const char* kModes[] = {"nearest", "linear"};
    static constexpr const char* kCoordinates[] = {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"};
    static constexpr const char* kNearest[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
    return fmt::format("mode={} coordinates={} nearest={} scales={} sizes={}", kModes[static_cast<int>(a.mode)],
                       kCoordinates[static_cast<int>(a.coordinates)], kNearest[static_cast<int>(a.nearest)],
                       fmt::join(a.scales, ","), shape_str(a.sizes));
  }
  std::string operator()(const TopKAttrs& a) const { return fmt::format("axis={} k={} largest={}", a.axis, a.k, a.largest); }
  std::string operator()(const CumSumAttrs& a) const {
    return fmt::format("axis={} exclusive={} reverse={}", a.axis, a.exclusive, a.reverse);
  }
  std::string operator()(const RecurrentAttrs& a) const { return fmt::format("hidden_size={}", a.hidden_size); }
  std::string operator()(const CastAttrs& a) const { return fmt::format("to={}", dtype_name(a.to)); }
  std::string operator()(const FakeQuantAttrs& a) const {
    if (a.scale.size() == 1) {
      return fmt::format("scale={} zero_point={} range=[{}, {}]", a.scale[0], a.zero_point[0], a.qmin, a.qmax);
    }
    return fmt::format("per_channel={} axis={} range=[{}, {}]", a.scale.size(), a.axis, a.qmin, a.qmax);
  }
};

}  // namespace

std::string Graph::to_text(bool with_constants) const {
  std::ostringstream os;
  os << fmt::format("graph {} (import batch {}{})\n", name, import_batch, per_sample ? ", per sample" : "");
  for (ValueId id : inputs) os << fmt::format("  input %{}: {}\n", value(id).name, type_str(value(id)));
  if (with_constants) {
    for (const Value& v : m_values) {
      if (v.is_constant()) os << fmt::format("  const %{}: {}\n", v.name, type_str(v));
    }
  }
  for (const Node& n : m_nodes) {
    std::vector<std::string> outs, ins;
    for (ValueId o : n.outputs) {
      outs.push_back(o == kNoValue ? "_" : fmt::format("%{}: {}", value(o).name, type_str(value(o))));
    }
    for (ValueId i : n.inputs) ins.push_back(i == kNoValue ? "_" : "%" + value(i).name);
    std::string attrs = std::visit(AttrPrinter{}, n.attrs);
    os << fmt::format("  {} = {}({}){}  # {}\n", fmt::join(outs, ", "), op_name(n.op), fmt::join(ins, ", "),
                      attrs.empty() ? "" : " {" + attrs + "}", n.name);
  }
  for (ValueId id : outputs) os << fmt::format("  output %{}\n", value(id).name);
  return os.str();
}

}  // namespace aimc
