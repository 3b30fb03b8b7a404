#include "compiler/passes/common.h"

#include <algorithm>
#include <string>
#include <tuple>

#include "core/error.h"
#include "program/weights.h"

namespace aimc::compiler {

std::vector<std::vector<int32_t>> value_readers(const Graph& g) {
  std::vector<std::vector<int32_t>> r(g.num_values());
  for (size_t i = 0; i < g.num_nodes(); ++i) {
    for (ValueId v : g.node(static_cast<int32_t>(i)).inputs) {
      if (v != kNoValue) r[static_cast<size_t>(v)].push_back(static_cast<int32_t>(i));
    }
  }
  return r;
}

bool read_only_by_sign(const Graph& g, int32_t node, const std::vector<std::vector<int32_t>>& readers) {
  const Node& n = g.node(node);
  if (n.outputs.empty() || n.outputs[0] == kNoValue || is_graph_output(g, n.outputs[0])) return false;
  const auto& rd = readers[static_cast<size_t>(n.outputs[0])];
  return rd.size() == 1 && g.node(rd[0]).op == OpKind::Sign;
}

bool is_graph_output(const Graph& g, ValueId id) { return std::find(g.outputs.begin(), g.outputs.end(), id) != g.outputs.end(); }

int64_t per_inference_numel(const Graph& g, ValueId id) { return numel(g.runtime_shape(id, 1)); }

int64_t logical_cols(const CompileContext& ctx, const Layer& layer) { return ctx.chip.cores.cols / layer.columns_per_weight; }

// Whether `id` depends on a graph input (else it is computed from constants alone, once, by the
// executors: Swin V2's position-bias MLP on its constant coordinate table).
bool reaches_runtime_input(const Graph& g, ValueId id) {
  std::vector<ValueId> stack{id};
  std::vector<char> seen(g.num_values(), 0);
  while (!stack.empty()) {
    const ValueId v = stack.back();
    stack.pop_back();
    if (v == kNoValue || seen[static_cast<size_t>(v)]) continue;
    seen[static_cast<size_t>(v)] = 1;
    const Value& val = g.value(v);
    if (val.is_constant()) continue;
    if (val.producer < 0) return true;
    for (ValueId in : g.node(val.producer).inputs) stack.push_back(in);
  }
  return false;
}

std::pair<int64_t, std::optional<program::RowWindow>> window_geometry(const Graph& g, const Node& n, size_t dim) {
  if (n.op != OpKind::Conv && n.op != OpKind::MaxPool && n.op != OpKind::AveragePool) return {0, std::nullopt};
  if (n.inputs.empty() || n.input(0) == kNoValue || n.outputs.empty() || n.outputs[0] == kNoValue) return {0, std::nullopt};
  const Shape& is = g.value(n.input(0)).shape;
  const Shape& os = g.value(n.outputs[0]).shape;
  const size_t axis = 2 + dim;
  if (os.size() <= axis || os[axis] <= 0) return {0, std::nullopt};
  const WindowAttrs& w = n.op == OpKind::Conv ? n.attr<ConvAttrs>().window : n.attr<PoolAttrs>().window;
  if (is.size() != os.size() || is[axis] <= 0 || w.kernel.size() <= dim) return {os[axis], std::nullopt};
  const int64_t dilation = w.dilations.size() > dim ? w.dilations[dim] : 1;
  program::RowWindow rw{.input_rows = is[axis],
                        .kernel = (w.kernel[dim] - 1) * dilation + 1,
                        .stride = w.strides.size() > dim ? w.strides[dim] : 1,
                        .pad = w.pads.size() > dim ? w.pads[dim] : 0};
  if (rw.stride < 1 || rw.pad < 0 || rw.pad >= rw.kernel) return {os[axis], std::nullopt};
  return {os[axis], rw};
}

std::optional<Layer> describe_layer(const Graph& g, int32_t node) {
  const Node& n = g.node(node);
  auto constant = [&](size_t i) { return n.input(i) != kNoValue && is_constant_value(g, n.input(i)); };
  Layer l;
  l.name = n.name;
  if (n.outputs.empty() || n.outputs[0] == kNoValue || !reaches_runtime_input(g, n.input(0))) {
    return std::nullopt;
  }
  l.input_value = g.value(n.input(0)).name;
  l.output_value = g.value(n.outputs[0]).name;
  const Shape ws = n.input(1) != kNoValue ? g.value(n.input(1)).shape : Shape{};
  switch (n.op) {
    case OpKind::Conv: {
      if (!constant(1) || ws.size() < 3) return std::nullopt;
      if (n.input(2) != kNoValue && !constant(2)) return std::nullopt;
      const int64_t group = n.attr<ConvAttrs>().group;
      const int64_t K = numel(Shape(ws.begin() + 2, ws.end()));
      l.kind = LayerKind::Conv;
      l.groups = group;
      l.group_rows = ws[1] * K;
      l.group_cols = ws[0] / group;
      l.rows = l.group_rows * group;
      l.cols = ws[0];
      l.has_bias = n.input(2) != kNoValue;
      l.vectors_per_inference = per_inference_numel(g, n.outputs[0]) / l.cols;
      std::tie(l.output_rows, l.row_window) = row_geometry(g, n);
      return l;
    }
    case OpKind::Gemm: {
      const GemmAttrs& a = n.attr<GemmAttrs>();
      if (a.trans_a || !constant(1) || ws.size() != 2) return std::nullopt;
      if (n.input(2) != kNoValue && !constant(2)) return std::nullopt;
      l.kind = LayerKind::Gemm;
      l.rows = a.trans_b ? ws[1] : ws[0];
      l.cols = a.trans_b ? ws[0] : ws[1];
      if (n.input(2) != kNoValue) {
        const int64_t nb = g.value(n.input(2)).constant ? numel(g.value(n.input(2)).shape) : 0;
        if (nb != 1 && nb != l.cols) return std::nullopt;
        l.has_bias = true;
      }
      break;
    }
    case OpKind::MatMul: {
      if (!constant(1) || ws.size() != 2) return std::nullopt;
      l.kind = LayerKind::MatMul;
      l.rows = ws[0];
      l.cols = ws[1];
      break;
    }
    case OpKind::LSTM:
    case OpKind::GRU: {
      if (!constant(1) || !constant(2) || (n.input(3) != kNoValue && !constant(3))) return std::nullopt;
      if (ws.size() != 3 || ws[0] != 1) return std::nullopt;
      const int64_t H = n.attr<RecurrentAttrs>().hidden_size;
      l.kind = n.op == OpKind::LSTM ? LayerKind::Lstm : LayerKind::Gru;
      l.rows = ws[2] + H;
      l.cols = 4 * H;
      l.has_bias = n.input(3) != kNoValue;
      l.group_rows = l.rows;
      l.group_cols = l.cols;
      l.vectors_per_inference = per_inference_numel(g, n.input(0)) / ws[2];
      return l;
    }
    default:
      return std::nullopt;
  }
  l.group_rows = l.rows;
  l.group_cols = l.cols;
  l.vectors_per_inference = per_inference_numel(g, n.input(0)) / l.rows;
  return l;
}

void require(bool condition, const char* pass, const char* before) {
  if (!condition) throw InternalError(std::string("pass '") + pass + "' needs '" + before + "' to run before it");
}

std::vector<int32_t> cut_segments(const std::vector<int64_t>& groups, int64_t capacity) {
  std::vector<int32_t> seg;
  int32_t current = 0;
  int64_t used = 0;
  for (int64_t g : groups) {
    if (used > 0 && used + g > capacity) {
      ++current;
      used = 0;
    }
    for (int64_t k = 0; k < g; ++k) {
      if (used == capacity) {
        ++current;
        used = 0;
      }
      seg.push_back(current);
      ++used;
    }
  }
  return seg;
}

bool runs_depthwise(const chip::ChipSpec& chip) {
  auto can = [](const chip::DigitalUnitSpec& u) {
    return u.kind == chip::DigitalKind::RiscV ||
           std::find(u.ops.begin(), u.ops.end(), chip::DigitalOp::DepthwiseConv) != u.ops.end();
  };
  return std::any_of(chip.cores.digital.begin(), chip.cores.digital.end(), can) ||
         std::any_of(chip.digital.begin(), chip.digital.end(), can);
}

int64_t network_copies(const std::vector<program::Layer>& layers, ScheduleKind kind) {
  int64_t copies = 1;
  if (kind != ScheduleKind::DataParallel) return copies;
  for (const program::Layer& l : layers) copies = std::max(copies, l.replicas);
  return copies;
}

int64_t replication_room(int64_t free, int64_t used, int64_t budget, int64_t total) {
  if (budget != -1) free = std::min(free, std::max<int64_t>(0, budget));
  if (total != -1) free = std::min(free, std::max<int64_t>(0, total - used));
  return free;
}

}  // namespace aimc::compiler
