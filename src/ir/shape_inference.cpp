// Shape, dtype and batch-axis inference for every canonical op.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "ir/graph.h"

namespace aimc {

namespace {

[[noreturn]] void fail(const Node& n, const std::string& message) {
  throw Error(message, ErrorContext{.node = n.name, .op = std::string(op_name(n.op))});
}

// The node would mix samples along the batch axis.
[[noreturn]] void fail_batch(const Node& n, const std::string& message) {
  throw BatchAxisError(message, ErrorContext{.node = n.name, .op = std::string(op_name(n.op))});
}

const Value& in(const Graph& g, const Node& n, size_t i) {
  ValueId id = n.input(i);
  if (id == kNoValue) fail(n, fmt::format("input {} is required", i));
  return g.value(id);
}

bool has_input(const Node& n, size_t i) { return n.input(i) != kNoValue; }

void set_out(Graph& g, const Node& n, size_t i, DType dtype, Shape shape, int batch_axis) {
  if (i >= n.outputs.size() || n.outputs[i] == kNoValue) return;
  for (int64_t d : shape) {
    if (d < 0) fail(n, fmt::format("output {} would have negative dimension: {}", i, shape_str(shape)));
  }
  Value& v = g.value(n.outputs[i]);
  v.dtype = dtype;
  v.shape = std::move(shape);
  v.batch_axis = batch_axis;
}

void require_float(const Node& n, const Value& v) {
  if (v.dtype != DType::f32) {
    fail(n, fmt::format("input '{}' has type {}, expected f32", v.name, dtype_name(v.dtype)));
  }
}

void require_rank(const Node& n, const Value& v, int64_t lo, int64_t hi) {
  auto r = static_cast<int64_t>(v.shape.size());
  if (r < lo || r > hi) {
    fail(n, fmt::format("input '{}' has shape {}, expected rank {}{}", v.name, shape_str(v.shape), lo,
                        hi == lo ? "" : fmt::format("..{}", hi)));
  }
}

// Output size of a sliding window along one dim; -1 when no window fits (or the attributes are so
// large that the arithmetic leaves 64 bits: computed in 128 bits, which they cannot leave).
int64_t window_out(int64_t size, int64_t k, int64_t stride, int64_t dil, int64_t pb, int64_t pe, bool ceil_mode) {
  __extension__ typedef __int128 Wide;  // NOLINT(modernize-use-using): __extension__ keeps -Wpedantic quiet
  const Wide span = Wide{dil} * (Wide{k} - 1) + 1;
  const Wide avail = Wide{size} + pb + pe - span;
  if (avail < 0 || stride <= 0) return -1;
  Wide out = (ceil_mode ? (avail + stride - 1) / stride : avail / stride) + 1;
  // A window may not start in the end padding (PyTorch / ONNX rule for ceil_mode).
  if (ceil_mode && (out - 1) * stride >= Wide{size} + pb) --out;
  if (out > std::numeric_limits<int64_t>::max()) return -1;
  return static_cast<int64_t>(out);
}

Shape window_shape(const Node& n, const Value& x, int64_t channels, const WindowAttrs& w, bool ceil_mode) {
  size_t sd = x.shape.size() - 2;
  if (w.kernel.size() != sd || w.strides.size() != sd || w.dilations.size() != sd || w.pads.size() != 2 * sd) {
    fail(n, fmt::format("window attributes do not match {} spatial dims of input {}", sd, shape_str(x.shape)));
  }
  Shape out = {x.shape[0], channels};
  for (size_t i = 0; i < sd; ++i) {
    if (w.kernel[i] < 1 || w.strides[i] < 1 || w.dilations[i] < 1) {
      fail(n, "kernel, strides and dilations must be >= 1");
    }
    int64_t o = window_out(x.shape[i + 2], w.kernel[i], w.strides[i], w.dilations[i], w.pads[i], w.pads[i + sd], ceil_mode);
    if (o < 1) {
      fail(n, fmt::format("kernel {} does not fit input {} with pads {}", shape_str(w.kernel), shape_str(x.shape),
                          shape_str(w.pads)));
    }
    out.push_back(o);
  }
  return out;
}

// Broadcast two shapes numpy-style; returns the output shape and batch axis.
std::pair<Shape, int> broadcast(const Node& n, const Value& a, const Value& b) {
  size_t r = std::max(a.shape.size(), b.shape.size());
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i < r - a.shape.size() ? 1 : a.shape[i - (r - a.shape.size())];
    int64_t db = i < r - b.shape.size() ? 1 : b.shape[i - (r - b.shape.size())];
    if (da != db && da != 1 && db != 1) {
      fail(n, fmt::format("shapes {} and {} do not broadcast", shape_str(a.shape), shape_str(b.shape)));
    }
    out[i] = da == 1 ? db : da;
  }
  auto mapped = [&](const Value& v) { return v.batch_axis < 0 ? -1 : static_cast<int>(r - v.shape.size()) + v.batch_axis; };
  int ba = mapped(a), bb = mapped(b);
  if (ba >= 0 && bb >= 0 && ba != bb) fail(n, "inputs carry the batch on different axes");
  int batch = ba >= 0 ? ba : bb;
  // The input without the batch must not have a non-1 extent along it.
  if (batch >= 0) {
    for (const Value* v : {&a, &b}) {
      if (v->batch_axis >= 0) continue;
      int64_t pos = batch - static_cast<int64_t>(r - v->shape.size());
      if (pos >= 0 && v->shape[static_cast<size_t>(pos)] != 1) {
        fail_batch(n, fmt::format("'{}' of shape {} spans the batch axis", v->name, shape_str(v->shape)));
      }
    }
  }
  return {out, batch};
}

int64_t normalize_axis(const Node& n, int64_t axis, int64_t rank) {
  int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) fail(n, fmt::format("axis {} out of range for rank {}", axis, rank));
  return a;
}

void infer_conv(Graph& g, const Node& n) {
  const Value& x = in(g, n, 0);
  const Value& w = in(g, n, 1);
  require_float(n, x);
  require_rank(n, x, 3, 4);
  const auto& a = n.attr<ConvAttrs>();
  if (w.shape.size() != x.shape.size()) {
    fail(n, fmt::format("weight {} and input {} ranks differ", shape_str(w.shape), shape_str(x.shape)));
  }
  int64_t channels = 0;
  if (a.group < 1 || __builtin_mul_overflow(w.shape[1], a.group, &channels) || x.shape[1] != channels ||
      w.shape[0] % a.group != 0) {
    fail(n, fmt::format("input channels {} do not match weight {} with group {}", x.shape[1], shape_str(w.shape), a.group));
  }
  for (size_t i = 2; i < w.shape.size(); ++i) {
    if (w.shape[i] != a.window.kernel[i - 2]) {
      fail(n, fmt::format("weight {} does not match kernel_shape {}", shape_str(w.shape), shape_str(a.window.kernel)));
    }
  }
  if (has_input(n, 2) && in(g, n, 2).shape != Shape{w.shape[0]}) {
    fail(n, fmt::format("bias {} does not match {} output channels", shape_str(in(g, n, 2).shape), w.shape[0]));
  }
  set_out(g, n, 0, DType::f32, window_shape(n, x, w.shape[0], a.window, false), x.batch_axis);
}

void infer_gemm(Graph& g, const Node& n) {
  const Value& a = in(g, n, 0);
  const Value& b = in(g, n, 1);
  require_float(n, a);
  require_float(n, b);
  require_rank(n, a, 2, 2);
  require_rank(n, b, 2, 2);
  const auto& at = n.attr<GemmAttrs>();
  int64_t m = at.trans_a ? a.shape[1] : a.shape[0];
  int64_t ka = at.trans_a ? a.shape[0] : a.shape[1];
  int64_t kb = at.trans_b ? b.shape[1] : b.shape[0];
  int64_t nn = at.trans_b ? b.shape[0] : b.shape[1];
  if (ka != kb) {
    fail(n, fmt::format("inner dimensions differ: A {} and B {} (trans_a={}, trans_b={})", shape_str(a.shape), shape_str(b.shape),
                        at.trans_a, at.trans_b));
  }
  if (has_input(n, 2)) {
    const Value& c = in(g, n, 2);
    Value out_like;
    out_like.shape = {m, nn};
    broadcast(n, out_like, c);
    for (size_t i = 0; i < c.shape.size(); ++i) {
      int64_t want = c.shape.size() == 2 ? (i == 0 ? m : nn) : nn;
      if (c.shape[i] != 1 && c.shape[i] != want) {
        fail(n, fmt::format("C {} does not broadcast to [{}, {}]", shape_str(c.shape), m, nn));
      }
    }
  }
  int batch = -1;
  if (a.batch_axis == (at.trans_a ? 1 : 0)) batch = 0;
  if (a.batch_axis == (at.trans_a ? 0 : 1)) fail_batch(n, "the batch axis is contracted");
  set_out(g, n, 0, DType::f32, {m, nn}, batch);
}

void infer_matmul(Graph& g, const Node& n) {
  const Value& a = in(g, n, 0);
  const Value& b = in(g, n, 1);
  require_float(n, a);
  require_float(n, b);
  require_rank(n, a, 1, 8);
  require_rank(n, b, 1, 8);
  Shape as = a.shape, bs = b.shape;
  bool a_vec = as.size() == 1, b_vec = bs.size() == 1;
  if (a_vec) as.insert(as.begin(), 1);
  if (b_vec) bs.push_back(1);
  if (as.back() != bs[bs.size() - 2]) {
    fail(n, fmt::format("inner dimensions differ: {} x {}", shape_str(a.shape), shape_str(b.shape)));
  }
  Value la, lb;
  la.shape.assign(as.begin(), as.end() - 2);
  lb.shape.assign(bs.begin(), bs.end() - 2);
  la.name = a.name;
  lb.name = b.name;
  // Batch axis bookkeeping in the leading (broadcast) dims.
  la.batch_axis = a.batch_axis >= 0 && a.batch_axis < static_cast<int>(la.shape.size()) ? a.batch_axis : -1;
  lb.batch_axis = b.batch_axis >= 0 && b.batch_axis < static_cast<int>(lb.shape.size()) ? b.batch_axis : -1;
  auto [lead, lead_batch] = broadcast(n, la, lb);
  Shape out = lead;
  if (!a_vec) out.push_back(as[as.size() - 2]);
  if (!b_vec) out.push_back(bs.back());
  int batch = lead_batch;
  auto r = static_cast<int>(out.size());
  if (a.batch_axis >= 0 && !a_vec && a.batch_axis == static_cast<int>(a.shape.size()) - 2) {
    batch = r - (b_vec ? 1 : 2);
  }
  if (b.batch_axis >= 0 && !b_vec && b.batch_axis == static_cast<int>(b.shape.size()) - 1) batch = r - 1;
  if ((a.batch_axis >= 0 && a.batch_axis == static_cast<int>(a.shape.size()) - 1) ||
      (b.batch_axis >= 0 && b.batch_axis == static_cast<int>(b.shape.size()) - (b_vec ? 1 : 2))) {
    fail_batch(n, "the batch axis is contracted");
  }
  set_out(g, n, 0, DType::f32, out, batch);
}

// LSTM (4 gates, states h and c) and GRU (3 gates, state h).
void infer_recurrent(Graph& g, const Node& n) {
  const Value& x = in(g, n, 0);
  const Value& w = in(g, n, 1);
  const Value& r = in(g, n, 2);
  require_float(n, x);
  require_rank(n, x, 3, 3);
  const bool lstm = n.op == OpKind::LSTM;
  const int64_t gates = lstm ? 4 : 3;
  int64_t h = n.attr<RecurrentAttrs>().hidden_size;
  if (h <= 0 || h > (int64_t{1} << 32)) fail(n, fmt::format("hidden_size {} expected in 1..2^32", h));
  int64_t t = x.shape[0], batch = x.shape[1], isz = x.shape[2];
  if (w.shape != Shape{1, gates * h, isz}) {
    fail(n, fmt::format("W {} expected [1, {}, {}] (forward direction, hidden_size {})", shape_str(w.shape), gates * h, isz, h));
  }
  if (r.shape != Shape{1, gates * h, h}) {
    fail(n, fmt::format("R {} expected [1, {}, {}]", shape_str(r.shape), gates * h, h));
  }
  if (has_input(n, 3) && in(g, n, 3).shape != Shape{1, 2 * gates * h}) {
    fail(n, fmt::format("B {} expected [1, {}]", shape_str(in(g, n, 3).shape), 2 * gates * h));
  }
  if (has_input(n, 4)) fail(n, "sequence_lens is not supported (all sequences have full length)");
  for (size_t i = 5; i < (lstm ? 7u : 6u); ++i) {
    if (!has_input(n, i)) continue;
    const Value& s = in(g, n, i);
    if (s.shape != Shape{1, batch, h} && s.shape != Shape{1, 1, h}) {
      fail(n, fmt::format("initial state {} expected [1, {}, {}]", shape_str(s.shape), batch, h));
    }
  }
  if (x.batch_axis == 0 || x.batch_axis == 2) fail_batch(n, "input must be [seq, batch, features]");
  int xb = x.batch_axis;  // 1 or -1
  set_out(g, n, 0, DType::f32, {t, 1, batch, h}, xb < 0 ? -1 : 2);
  set_out(g, n, 1, DType::f32, {1, batch, h}, xb < 0 ? -1 : 1);
  if (lstm) set_out(g, n, 2, DType::f32, {1, batch, h}, xb < 0 ? -1 : 1);
}

void infer_pool(Graph& g, const Node& n) {
  const Value& x = in(g, n, 0);
  require_float(n, x);
  require_rank(n, x, 3, 4);
  const auto& a = n.attr<PoolAttrs>();
  set_out(g, n, 0, DType::f32, window_shape(n, x, x.shape[1], a.window, a.ceil_mode), x.batch_axis);
}

void infer_reduce(Graph& g, const Node& n) {
  const Value& x = in(g, n, 0);
  require_float(n, x);
  const auto& a = n.attr<ReduceAttrs>();
  Shape out;
  int batch = -1;
  for (size_t i = 0; i < x.shape.size(); ++i) {
    bool reduced = std::find(a.axes.begin(), a.axes.end(), static_cast<int64_t>(i)) != a.axes.end();
    if (static_cast<int>(i) == x.batch_axis && !reduced) batch = static_cast<int>(out.size());
    if (!reduced) {
      out.push_back(x.shape[i]);
    } else if (a.keepdims) {
      out.push_back(1);
    }
  }
  for (int64_t ax : a.axes) {
    if (ax < 0 || ax >= static_cast<int64_t>(x.shape.size())) fail(n, "reduction axis out of range");
    if (ax == x.batch_axis) fail_batch(n, "reduces over the batch axis");
  }
  const bool arg = n.op == OpKind::ArgMax || n.op == OpKind::ArgMin;
  if (arg && a.axes.size() != 1) fail(n, "expects exactly one axis");
  set_out(g, n, 0, arg ? DType::i64 : DType::f32, out, batch);
}

void infer_topk(Graph& g, const Node& n) {
  const Value& x = in(g, n, 0);
  require_float(n, x);
  const auto& a = n.attr<TopKAttrs>();
  if (a.axis < 0 || a.axis >= static_cast<int64_t>(x.shape.size())) fail(n, "axis out of range");
  if (a.axis == x.batch_axis) fail_batch(n, "selects along the batch axis");
  if (a.k < 0 || a.k > x.shape[static_cast<size_t>(a.axis)]) fail(n, "k is larger than the axis");
  Shape out = x.shape;
  out[static_cast<size_t>(a.axis)] = a.k;
  set_out(g, n, 0, DType::f32, out, x.batch_axis);
  if (n.outputs.size() > 1) set_out(g, n, 1, DType::i64, out, x.batch_axis);
}

void infer_cumsum(Graph& g, const Node& n) {
  const Value& x = in(g, n, 0);
  if (x.dtype != DType::f32 && x.dtype != DType::i64 && x.dtype != DType::i32) {
    fail(n, fmt::format("sums {} values; expected f32, i32 or i64", dtype_name(x.dtype)));
  }
  const auto& a = n.attr<CumSumAttrs>();
  if (a.axis < 0 || a.axis >= static_cast<int64_t>(x.shape.size())) fail(n, "axis out of range");
  if (a.axis == x.batch_axis) fail_batch(n, "sums along the batch axis");
  set_out(g, n, 0, x.dtype, x.shape, x.batch_axis);
}

void infer_reshape(Graph& g, const Node& n) {
  const Value& x = in(g, n, 0);
  const Shape& s = n.attr<ReshapeAttrs>().shape;
  if (numel(s) != numel(x.shape)) {
    fail(n, fmt::format("cannot reshape {} to {}", shape_str(x.shape), shape_str(s)));
  }
  // The batch axis survives when some output axis has the same extent and the same number of
  // elements before it (so the batch still strides over whole samples). Prefer the same index.
  int batch = -1;
  if (x.batch_axis >= 0) {
    auto a = static_cast<size_t>(x.batch_axis);
    int64_t before = numel(Shape(x.shape.begin(), x.shape.begin() + static_cast<int64_t>(a)));
    auto fits = [&](size_t k) {
      return k < s.size() && s[k] == x.shape[a] && numel(Shape(s.begin(), s.begin() + static_cast<int64_t>(k))) == before;
    };
    if (fits(a)) {
      batch = x.batch_axis;
    } else {
      for (size_t k = 0; k < s.size() && batch < 0; ++k) {
        if (fits(k)) batch = static_cast<int>(k);
      }
    }
    // Folding the batch into another axis: a one-sample graph keeps its per-sample meaning, so it
    // runs sample by sample from here on (Graph::per_sample); a graph imported at a larger batch
    // has shapes that mix samples, which no per-sample run can reproduce.
    if (batch < 0 && g.import_batch != 1) {
      fail_batch(n, fmt::format("reshape {} -> {} merges the batch axis {} with other axes; export the model with batch 1 or a "
                                "dynamic batch axis",
                                shape_str(x.shape), shape_str(s), a));
    }
    if (batch < 0) g.per_sample = true;
  }
  set_out(g, n, 0, x.dtype, s, batch);
}

void infer_transpose(Graph& g, const Node& n) {
  const Value& x = in(g, n, 0);
  const auto& perm = n.attr<TransposeAttrs>().perm;
  if (perm.size() != x.shape.size()) fail(n, "perm length differs from the input rank");
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (sorted[i] != static_cast<int64_t>(i)) fail(n, "perm is not a permutation");
  }
  Shape out(perm.size());
  int batch = -1;
  for (size_t i = 0; i < perm.size(); ++i) {
    out[i] = x.shape[static_cast<size_t>(perm[i])];
    if (perm[i] == x.batch_axis) batch = static_cast<int>(i);
  }
  set_out(g, n, 0, x.dtype, out, batch);
}

void infer_concat(Graph& g, const Node& n) {
  if (n.inputs.empty()) fail(n, "needs at least one input");
  const Value& first = in(g, n, 0);
  auto rank = static_cast<int64_t>(first.shape.size());
  int64_t axis = n.attr<AxisAttrs>().axis;
  if (axis < 0 || axis >= rank) fail(n, "axis out of range");
  Shape out = first.shape;
  out[static_cast<size_t>(axis)] = 0;
  int batch = -1;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    const Value& v = in(g, n, i);
    if (v.dtype != first.dtype) fail(n, "inputs have different types");
    if (static_cast<int64_t>(v.shape.size()) != rank) fail(n, "inputs have different ranks");
    for (int64_t d = 0; d < rank; ++d) {
      if (d != axis && v.shape[static_cast<size_t>(d)] != first.shape[static_cast<size_t>(d)]) {
        fail(n, fmt::format("input shapes {} and {} differ outside axis {}", shape_str(first.shape), shape_str(v.shape), axis));
      }
    }
    int64_t& len = out[static_cast<size_t>(axis)];
    if (__builtin_add_overflow(len, v.shape[static_cast<size_t>(axis)], &len)) {
      fail(n, fmt::format("the concatenated length along axis {} exceeds 2^63", axis));
    }
    if (v.batch_axis >= 0) batch = v.batch_axis;
  }
  if (batch == axis) fail_batch(n, "concatenates along the batch axis");
  set_out(g, n, 0, first.dtype, out, batch);
}

void infer_split(Graph& g, const Node& n) {
  const Value& x = in(g, n, 0);
  const auto& a = n.attr<SplitAttrs>();
  if (a.axis < 0 || a.axis >= static_cast<int64_t>(x.shape.size())) fail(n, "axis out of range");
  if (a.axis == x.batch_axis) fail_batch(n, "splits along the batch axis");
  if (a.sizes.size() != n.outputs.size()) fail(n, "split sizes do not match the outputs");
  int64_t total = std::accumulate(a.sizes.begin(), a.sizes.end(), int64_t{0});
  if (total != x.shape[static_cast<size_t>(a.axis)]) {
    fail(n, fmt::format("split sizes {} do not add up to {}", shape_str(a.sizes), x.shape[static_cast<size_t>(a.axis)]));
  }
  for (size_t i = 0; i < a.sizes.size(); ++i) {
    Shape s = x.shape;
    s[static_cast<size_t>(a.axis)] = a.sizes[i];
    set_out(g, n, i, x.dtype, s, x.batch_axis);
  }
}

void infer_slice(Graph& g, const Node& n) {
  const Value& x = in(g, n, 0);
  const auto& a = n.attr<SliceAttrs>();
  size_t r = x.shape.size();
  if (a.starts.size() != r || a.ends.size() != r || a.steps.size() != r) {
    fail(n, "slice attributes do not match the input rank");
  }
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    int64_t st = a.steps[i];
    if (st == 0) fail(n, "slice step 0");
    out[i] = slice_length(a.starts[i], a.ends[i], st);
    if (static_cast<int>(i) == x.batch_axis && (a.starts[i] != 0 || st != 1 || a.ends[i] < x.shape[i])) {
      fail_batch(n, "slices the batch axis");
    }
  }
  set_out(g, n, 0, x.dtype, out, x.batch_axis);
}

void infer_resize(Graph& g, const Node& n) {
  const Value& x = in(g, n, 0);
  const auto& a = n.attr<ResizeAttrs>();
  const size_t r = x.shape.size();
  if (a.scales.size() != r || (!a.sizes.empty() && a.sizes.size() != r)) fail(n, "scales/sizes do not match the input rank");
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    if (a.sizes.empty()) {
      const double len = std::floor(static_cast<double>(x.shape[i]) * a.scales[i]);
      if (!(len >= 0 && len < 0x1p62)) fail(n, fmt::format("scale {} gives axis {} a length of {}", a.scales[i], i, len));
      out[i] = static_cast<int64_t>(len);
    } else {
      out[i] = a.sizes[i];
    }
    if (static_cast<int>(i) == x.batch_axis) {
      if (a.scales[i] != 1.0 || (!a.sizes.empty() && a.sizes[i] != x.shape[i])) fail_batch(n, "resizes the batch axis");
      out[i] = x.shape[i];
    }
    if (out[i] < 1 || (x.shape[i] == 0 && out[i] > 0)) fail(n, "an output axis would be empty, or an empty axis resized");
  }
  set_out(g, n, 0, x.dtype, out, x.batch_axis);
}

void infer_pad(Graph& g, const Node& n) {
  const Value& x = in(g, n, 0);
  const auto& a = n.attr<PadAttrs>();
  size_t r = x.shape.size();
  if (a.pads.size() != 2 * r) fail(n, "pads do not match the input rank");
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    if (__builtin_add_overflow(x.shape[i], a.pads[i], &out[i]) || __builtin_add_overflow(out[i], a.pads[i + r], &out[i])) {
      fail(n, fmt::format("pads {} and {} overflow axis {}", a.pads[i], a.pads[i + r], i));
    }
    if (static_cast<int>(i) == x.batch_axis && (a.pads[i] != 0 || a.pads[i + r] != 0)) {
      fail_batch(n, "pads the batch axis");
    }
  }
  set_out(g, n, 0, x.dtype, out, x.batch_axis);
}

void infer_gather(Graph& g, const Node& n) {
  const Value& data = in(g, n, 0);
  const Value& idx = in(g, n, 1);
  if (idx.dtype != DType::i64 && idx.dtype != DType::i32) fail(n, "indices must be integers");
  int64_t axis = normalize_axis(n, n.attr<AxisAttrs>().axis, static_cast<int64_t>(data.shape.size()));
  if (axis == data.batch_axis) fail_batch(n, "gathers along the batch axis");
  Shape out(data.shape.begin(), data.shape.begin() + axis);
  out.insert(out.end(), idx.shape.begin(), idx.shape.end());
  out.insert(out.end(), data.shape.begin() + axis + 1, data.shape.end());
  int batch = -1;
  if (idx.batch_axis >= 0) {
    batch = static_cast<int>(axis) + idx.batch_axis;
  } else if (data.batch_axis >= 0) {
    batch = data.batch_axis < axis ? data.batch_axis : data.batch_axis - 1 + static_cast<int>(idx.shape.size());
  }
  set_out(g, n, 0, data.dtype, out, batch);
}

void infer_fake_quant(Graph& g, const Node& n) {
  const Value& x = in(g, n, 0);
  require_float(n, x);
  const auto& a = n.attr<FakeQuantAttrs>();
  if (a.scale.empty() || a.scale.size() != a.zero_point.size()) fail(n, "scale and zero point sizes differ");
  if (a.scale.size() > 1) {
    if (a.axis < 0 || a.axis >= static_cast<int64_t>(x.shape.size()) ||
        static_cast<int64_t>(a.scale.size()) != x.shape[static_cast<size_t>(a.axis)]) {
      fail(n, fmt::format("{} per-channel scales do not match axis {} of {}", a.scale.size(), a.axis, shape_str(x.shape)));
    }
  }
  for (float s : a.scale) {
    if (!(s > 0)) fail(n, fmt::format("scale {} must be positive", s));
  }
  if (a.qmin >= a.qmax) fail(n, "empty quantisation range");
  set_out(g, n, 0, DType::f32, x.shape, x.batch_axis);
}

void infer_norm_like(Graph& g, const Node& n) {
  const Value& x = in(g, n, 0);
  require_float(n, x);
  if (n.op == OpKind::BatchNormalization) {
    require_rank(n, x, 2, 5);
    for (size_t i = 1; i <= 4; ++i) {
      if (in(g, n, i).shape != Shape{x.shape[1]}) {
        fail(n, fmt::format("parameter {} has shape {}, expected [{}]", i, shape_str(in(g, n, i).shape), x.shape[1]));
      }
    }
  } else if (n.op == OpKind::LayerNormalization) {
    int64_t axis = n.attr<NormAttrs>().axis;
    if (axis < 0 || axis >= static_cast<int64_t>(x.shape.size())) fail(n, "axis out of range");
    if (axis <= x.batch_axis) fail_batch(n, "normalises over the batch axis");
    Shape norm(x.shape.begin() + axis, x.shape.end());
    for (size_t i = 1; i <= 2; ++i) {
      if (!has_input(n, i)) continue;
      if (numel(in(g, n, i).shape) != numel(norm)) {
        fail(n, fmt::format("parameter {} has shape {}, expected {}", i, shape_str(in(g, n, i).shape), shape_str(norm)));
      }
    }
  } else {  // Softmax
    int64_t axis = n.attr<AxisAttrs>().axis;
    if (axis < 0 || axis >= static_cast<int64_t>(x.shape.size())) fail(n, "axis out of range");
    if (axis == x.batch_axis) fail_batch(n, "softmax over the batch axis");
  }
  set_out(g, n, 0, DType::f32, x.shape, x.batch_axis);
}

}  // namespace

void infer_node(Graph& g, const Node& n) {
  switch (n.op) {
    case OpKind::Conv:
      return infer_conv(g, n);
    case OpKind::Gemm:
      return infer_gemm(g, n);
    case OpKind::MatMul:
      return infer_matmul(g, n);
    case OpKind::LSTM:
    case OpKind::GRU:
      return infer_recurrent(g, n);
    case OpKind::Add:
    case OpKind::Sub:
    case OpKind::Mul:
    case OpKind::Div:
    case OpKind::Pow:
    case OpKind::Equal:
    case OpKind::Less:
    case OpKind::Greater: {
      const Value& a = in(g, n, 0);
      const Value& b = in(g, n, 1);
      if (a.dtype != b.dtype) {
        fail(n, fmt::format("input types differ: {} and {}", dtype_name(a.dtype), dtype_name(b.dtype)));
      }
      auto [shape, batch] = broadcast(n, a, b);
      const bool comparison = n.op == OpKind::Equal || n.op == OpKind::Less || n.op == OpKind::Greater;
      return set_out(g, n, 0, comparison ? DType::u8 : a.dtype, shape, batch);  // comparisons: bool as u8
    }
    case OpKind::BatchNormalization:
    case OpKind::LayerNormalization:
    case OpKind::Softmax:
      return infer_norm_like(g, n);
    case OpKind::MaxPool:
    case OpKind::AveragePool:
      return infer_pool(g, n);
    case OpKind::GlobalAveragePool: {
      const Value& x = in(g, n, 0);
      require_float(n, x);
      require_rank(n, x, 3, 5);
      Shape s = x.shape;
      for (size_t i = 2; i < s.size(); ++i) s[i] = 1;
      return set_out(g, n, 0, DType::f32, s, x.batch_axis);
    }
    case OpKind::ReduceMean:
    case OpKind::ReduceSum:
    case OpKind::ReduceMax:
    case OpKind::ReduceMin:
    case OpKind::ArgMax:
    case OpKind::ArgMin:
      return infer_reduce(g, n);
    case OpKind::TopK:
      return infer_topk(g, n);
    case OpKind::CumSum:
      return infer_cumsum(g, n);
    case OpKind::Reshape:
      return infer_reshape(g, n);
    case OpKind::Transpose:
      return infer_transpose(g, n);
    case OpKind::Concat:
      return infer_concat(g, n);
    case OpKind::Split:
      return infer_split(g, n);
    case OpKind::Slice:
      return infer_slice(g, n);
    case OpKind::Pad:
      return infer_pad(g, n);
    case OpKind::Resize:
      return infer_resize(g, n);
    case OpKind::Gather:
      return infer_gather(g, n);
    case OpKind::Cast: {
      const Value& x = in(g, n, 0);
      return set_out(g, n, 0, n.attr<CastAttrs>().to, x.shape, x.batch_axis);
    }
    case OpKind::Expand: {
      const Value& x = in(g, n, 0);
      Value target;
      target.shape = n.attr<ExpandAttrs>().shape;
      auto [shape, batch] = broadcast(n, x, target);
      return set_out(g, n, 0, x.dtype, shape, batch);
    }
    case OpKind::Where: {
      const Value& c = in(g, n, 0);
      const Value& x = in(g, n, 1);
      const Value& y = in(g, n, 2);
      if (c.dtype != DType::u8) fail(n, fmt::format("condition has type {}, expected bool", dtype_name(c.dtype)));
      if (x.dtype != y.dtype) fail(n, fmt::format("input types differ: {} and {}", dtype_name(x.dtype), dtype_name(y.dtype)));
      auto [xy, batch_xy] = broadcast(n, x, y);
      Value joined;
      joined.name = x.batch_axis >= 0 ? x.name : y.name;
      joined.shape = xy;
      joined.batch_axis = batch_xy;
      auto [shape, batch] = broadcast(n, c, joined);
      return set_out(g, n, 0, x.dtype, shape, batch);
    }
    case OpKind::FakeQuant:
      return infer_fake_quant(g, n);
    default:
      break;
  }
  if (is_elementwise_unary(n.op)) {
    const Value& x = in(g, n, 0);
    bool keeps_int = n.op == OpKind::Neg || n.op == OpKind::Abs || n.op == OpKind::Sign || n.op == OpKind::Relu;
    if (!keeps_int) require_float(n, x);
    return set_out(g, n, 0, x.dtype, x.shape, x.batch_axis);
  }
  throw InternalError(fmt::format("infer_node: no rule for {}", op_name(n.op)));
}

void infer_shapes(Graph& g) {
  for (const Node& n : g.nodes()) infer_node(g, n);
}

}  // namespace aimc
