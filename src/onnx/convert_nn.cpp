// ONNX neural-network ops: Conv, Gemm, MatMul, LSTM, GRU, normalisations, pooling, reductions.
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "onnx/converters.h"

namespace aimc::onnx_import {

namespace {

std::vector<int64_t> ints_or(const Context& ctx, const char* name, size_t n, int64_t fill) {
  auto v = ctx.attr_ints(name);
  if (!v) return std::vector<int64_t>(n, fill);
  return *v;
}

// Sliding-window geometry from ONNX attributes, resolving auto_pad.
WindowAttrs window(const Context& ctx, const Shape& x, std::vector<int64_t> kernel) {
  if (x.size() < 3) ctx.fail(fmt::format("input {} needs spatial dimensions", shape_str(x)));
  size_t sd = x.size() - 2;
  WindowAttrs w;
  w.kernel = std::move(kernel);
  w.strides = ints_or(ctx, "strides", sd, 1);
  w.dilations = ints_or(ctx, "dilations", sd, 1);
  w.pads = ints_or(ctx, "pads", 2 * sd, 0);
  if (w.kernel.size() != sd || w.strides.size() != sd || w.dilations.size() != sd || w.pads.size() != 2 * sd) {
    ctx.fail(fmt::format("kernel_shape/strides/dilations/pads do not match {} spatial dims", sd));
  }
  // Checked before any arithmetic: a zero stride divides by zero, a negative pad or a huge window
  // reaches the kernels.
  constexpr int64_t kMax = int64_t{1} << 24;
  auto check = [&](const char* name, const std::vector<int64_t>& v, int64_t lo) {
    for (int64_t e : v) {
      if (e < lo || e > kMax) ctx.fail(fmt::format("{} {} has {}; expected values in {}..{}", name, shape_str(v), e, lo, kMax));
    }
  };
  check("kernel_shape", w.kernel, 1);
  check("strides", w.strides, 1);
  check("dilations", w.dilations, 1);
  check("pads", w.pads, 0);
  std::string auto_pad = ctx.attr_string("auto_pad", "NOTSET");
  if (auto_pad == "VALID") {
    std::fill(w.pads.begin(), w.pads.end(), 0);
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    for (size_t i = 0; i < sd; ++i) {
      int64_t in = x[i + 2], s = w.strides[i];
      int64_t out = (in + s - 1) / s;
      int64_t total = std::max<int64_t>(0, (out - 1) * s + (w.kernel[i] - 1) * w.dilations[i] + 1 - in);
      int64_t small = total / 2, big = total - small;
      w.pads[i] = auto_pad == "SAME_UPPER" ? small : big;
      w.pads[i + sd] = auto_pad == "SAME_UPPER" ? big : small;
    }
  } else if (auto_pad != "NOTSET") {
    ctx.fail(fmt::format("auto_pad '{}' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER", auto_pad));
  }
  return w;
}

void conv(Context& ctx) {
  ctx.expect_attrs({"kernel_shape", "strides", "dilations", "pads", "auto_pad", "group"});
  const Value& x = ctx.input_value(0);
  const Value& w = ctx.input_value(1);
  if (w.shape.size() < 3) ctx.fail(fmt::format("weight {} must have rank >= 3", shape_str(w.shape)));
  std::vector<int64_t> kernel(w.shape.begin() + 2, w.shape.end());
  if (auto k = ctx.attr_ints("kernel_shape"); k && *k != kernel) {
    ctx.fail(fmt::format("kernel_shape {} does not match weight {}", shape_str(*k), shape_str(w.shape)));
  }
  ConvAttrs a{.window = window(ctx, x.shape, kernel), .group = ctx.attr_int("group", 1)};
  std::vector<ValueId> in = {ctx.input(0), ctx.input(1)};
  if (ctx.has_input(2)) in.push_back(ctx.input(2));
  ctx.emit(OpKind::Conv, in, a);
}

// ConvTranspose, lowered to the Conv that computes it: the input with s - 1 zeros inserted between
// its elements along each spatial axis (Reshape to [N, C, d1, 1, d2, 1, ...], Pad the unit axes to s,
// Reshape back), padded by d·(k - 1) - pad on each side (+ output_padding at the end; a negative pad
// crops), then a stride-1 Conv with the kernel flipped and its in/out channels swapped within each
// group. The Conv is an ordinary crossbar layer; the inserted zeros are inputs it drives (an MVM per
// output pixel), so the mapping costs s^2 times the MVMs of a scatter-based one.
void conv_transpose(Context& ctx) {
  ctx.expect_attrs({"kernel_shape", "strides", "dilations", "pads", "auto_pad", "group", "output_padding", "output_shape"});
  const Shape x = ctx.input_value(0).shape;  // copies: emitting nodes may move values
  const Tensor& w = ctx.constant_input(1, "ConvTranspose weight");
  const Shape ws = w.shape();
  if (x.size() < 3 || ws.size() != x.size()) {
    ctx.fail(fmt::format("input {} and weight {}: expected [N, C, spatial...] and [C, M/group, kernel...] of the same rank",
                         shape_str(x), shape_str(ws)));
  }
  const size_t sd = x.size() - 2;
  const int64_t group = ctx.attr_int("group", 1);
  const int64_t channels = x[1];
  if (group < 1 || channels % group != 0 || ws[0] != channels) {
    ctx.fail(fmt::format("weight {} for {} input channels in {} groups: expected [C, M/group, kernel...]", shape_str(ws),
                         channels, group));
  }
  std::vector<int64_t> kernel(ws.begin() + 2, ws.end());
  if (auto k = ctx.attr_ints("kernel_shape"); k && *k != kernel) {
    ctx.fail(fmt::format("kernel_shape {} does not match weight {}", shape_str(*k), shape_str(ws)));
  }
  const std::vector<int64_t> strides = ints_or(ctx, "strides", sd, 1), dilations = ints_or(ctx, "dilations", sd, 1);
  std::vector<int64_t> pads = ints_or(ctx, "pads", 2 * sd, 0), out_pad = ints_or(ctx, "output_padding", sd, 0);
  if (strides.size() != sd || dilations.size() != sd || pads.size() != 2 * sd || out_pad.size() != sd) {
    ctx.fail(fmt::format("strides/dilations/pads/output_padding do not match {} spatial dims", sd));
  }
  constexpr int64_t kMax = int64_t{1} << 16;
  for (size_t i = 0; i < sd; ++i) {
    if (strides[i] < 1 || strides[i] > kMax || dilations[i] < 1 || dilations[i] > kMax || pads[i] < 0 || pads[i + sd] < 0 ||
        out_pad[i] < 0 || out_pad[i] >= std::max(strides[i], dilations[i])) {
      ctx.fail(
          fmt::format("strides {}, dilations {}, pads {}, output_padding {}: expected strides and dilations in 1..{}, "
                      "pads >= 0 and output_padding below the stride or dilation",
                      shape_str(strides), shape_str(dilations), shape_str(pads), shape_str(out_pad), kMax));
    }
  }
  // output_shape (or auto_pad SAME_*) fixes the total padding per axis (ONNX's rule).
  const std::string auto_pad = ctx.attr_string("auto_pad", "NOTSET");
  auto out_shape = ctx.attr_ints("output_shape");
  if (out_shape && out_shape->size() == sd + 2) out_shape = std::vector<int64_t>(out_shape->begin() + 2, out_shape->end());
  if (out_shape || auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    if (out_shape && out_shape->size() != sd)
      ctx.fail(fmt::format("output_shape {} does not match {} spatial dims", shape_str(*out_shape), sd));
    for (size_t i = 0; i < sd; ++i) {
      const int64_t target = out_shape ? (*out_shape)[i] : x[i + 2] * strides[i];
      const int64_t total = strides[i] * (x[i + 2] - 1) + out_pad[i] + (kernel[i] - 1) * dilations[i] + 1 - target;
      if (total < 0) ctx.fail(fmt::format("output_shape {} is larger than the transposed conv can produce", target));
      const int64_t small = total / 2, big = total - small;
      pads[i] = auto_pad == "SAME_UPPER" ? small : big;
      pads[i + sd] = auto_pad == "SAME_UPPER" ? big : small;
    }
  } else if (auto_pad != "NOTSET" && auto_pad != "VALID") {
    ctx.fail(fmt::format("auto_pad '{}' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER", auto_pad));
  } else if (auto_pad == "VALID") {
    std::fill(pads.begin(), pads.end(), 0);
  }

  // The Conv's weight: [M, C/group, kernel...], flipped in space.
  const int64_t m_per_group = ws[1], c_per_group = channels / group, taps = numel(Shape(kernel.begin(), kernel.end()));
  const Tensor src = w.dtype() == DType::f32 ? w : w.cast(DType::f32);
  Shape conv_ws = ws;
  conv_ws[0] = m_per_group * group;
  conv_ws[1] = c_per_group;
  Tensor flipped(DType::f32, conv_ws);
  const float* in = src.data<float>();
  float* out = flipped.data<float>();
  for (int64_t g = 0; g < group; ++g) {
    for (int64_t c = 0; c < c_per_group; ++c) {
      for (int64_t m = 0; m < m_per_group; ++m) {
        const float* from = in + ((g * c_per_group + c) * m_per_group + m) * taps;
        float* to = out + ((g * m_per_group + m) * c_per_group + c) * taps;
        for (int64_t t = 0; t < taps; ++t) to[t] = from[taps - 1 - t];  // a full flip of every spatial axis
      }
    }
  }

  ValueId v = ctx.input(0);
  bool strided = false;
  for (int64_t s : strides) strided = strided || s > 1;
  if (strided) {
    Shape split = {x[0], x[1]}, padded_split = {x[0], x[1]}, merged = {x[0], x[1]};
    PadAttrs zeros;
    zeros.pads.assign(2 * (2 + 2 * sd), 0);
    for (size_t i = 0; i < sd; ++i) {
      split.insert(split.end(), {x[i + 2], 1});
      padded_split.insert(padded_split.end(), {x[i + 2], strides[i]});
      merged.push_back(x[i + 2] * strides[i]);
      zeros.pads[2 + sd * 2 + 2 + 2 * i + 1] = strides[i] - 1;  // the end of unit axis 2 + 2i + 1
    }
    v = ctx.emit_internal(OpKind::Reshape, {v}, ReshapeAttrs{split}, "split");
    v = ctx.emit_internal(OpKind::Pad, {v}, zeros, "zeros");
    v = ctx.emit_internal(OpKind::Reshape, {v}, ReshapeAttrs{merged}, "upsampled");
  }
  // Each side: d·(k - 1) - pad; the end also drops the s - 1 zeros after the last element and adds
  // output_padding.
  PadAttrs border;
  border.pads.assign(2 * (2 + sd), 0);
  bool any = false;
  for (size_t i = 0; i < sd; ++i) {
    const int64_t reach = dilations[i] * (kernel[i] - 1);
    border.pads[2 + i] = reach - pads[i];
    border.pads[2 + sd + 2 + i] = reach - pads[i + sd] + out_pad[i] - (strides[i] - 1);
    any = any || border.pads[2 + i] != 0 || border.pads[2 + sd + 2 + i] != 0;
  }
  if (any) v = ctx.emit_internal(OpKind::Pad, {v}, border, "border");
  ConvAttrs a;
  a.window = WindowAttrs{kernel, std::vector<int64_t>(sd, 1), dilations, std::vector<int64_t>(2 * sd, 0)};
  a.group = group;
  std::vector<ValueId> conv_in = {v, ctx.add_constant("weight", std::move(flipped))};
  if (ctx.has_input(2)) conv_in.push_back(ctx.input(2));
  ctx.emit(OpKind::Conv, conv_in, a);
}

void gemm(Context& ctx) {
  ctx.expect_attrs({"alpha", "beta", "transA", "transB"});
  GemmAttrs a{.alpha = ctx.attr_float("alpha", 1.0f),
              .beta = ctx.attr_float("beta", 1.0f),
              .trans_a = ctx.attr_int("transA", 0) != 0,
              .trans_b = ctx.attr_int("transB", 0) != 0};
  std::vector<ValueId> in = {ctx.input(0), ctx.input(1)};
  if (ctx.has_input(2)) in.push_back(ctx.input(2));
  ctx.emit(OpKind::Gemm, in, a);
}

void matmul(Context& ctx) {
  ctx.expect_attrs({});
  ctx.emit(OpKind::MatMul, {ctx.input(0), ctx.input(1)});
}

void batch_norm(Context& ctx) {
  ctx.expect_attrs({"epsilon", "momentum", "training_mode", "spatial"});
  if (ctx.attr_int("training_mode", 0) != 0) ctx.fail("training_mode=1 is not supported (inference only)");
  if (ctx.attr_int("spatial", 1) != 1) ctx.fail("spatial=0 is not supported");
  for (size_t i = 1; i < ctx.num_outputs(); ++i) {
    if (ctx.output_used(i)) ctx.fail("training outputs (running mean/var) are not supported");
  }
  std::vector<ValueId> in;
  for (size_t i = 0; i < 5; ++i) in.push_back(ctx.input(i));
  ctx.emit(OpKind::BatchNormalization, in, NormAttrs{.epsilon = ctx.attr_float("epsilon", 1e-5f)}, 1);
}

void layer_norm(Context& ctx) {
  ctx.expect_attrs({"axis", "epsilon", "stash_type"});
  for (size_t i = 1; i < ctx.num_outputs(); ++i) {
    if (ctx.output_used(i)) ctx.fail("the Mean and InvStdDev outputs are not supported");
  }
  auto rank = static_cast<int64_t>(ctx.input_value(0).shape.size());
  NormAttrs a{.axis = axis_arg(ctx, ctx.attr_int("axis", -1), rank), .epsilon = ctx.attr_float("epsilon", 1e-5f)};
  std::vector<ValueId> in = {ctx.input(0), ctx.input(1)};
  if (ctx.has_input(2)) in.push_back(ctx.input(2));
  ctx.emit(OpKind::LayerNormalization, in, a, 1);
}

// InstanceNormalization (and GroupNorm, which torch exports through it): each (sample, channel) normalised
// over its spatial axes, then scaled and shifted per channel. Lowered to a LayerNormalization over axes
// [2, rank) with unit scale, then Mul and Add by the channel's scale and bias (constants shaped [C, 1, ...]).
void instance_norm(Context& ctx) {
  ctx.expect_attrs({"epsilon"});
  const Shape shape = ctx.input_value(0).shape;  // a copy: emitting nodes may move values
  if (shape.size() < 3) ctx.fail(fmt::format("input has shape {}; expected [N, C, spatial...]", shape_str(shape)));
  const int64_t channels = shape[1];
  Shape per_channel(shape.size() - 1, 1);
  per_channel[0] = channels;
  Tensor scale = ctx.constant_input(1, "InstanceNormalization scale").clone();
  Tensor bias = ctx.constant_input(2, "InstanceNormalization B").clone();
  if (scale.numel() != channels || bias.numel() != channels) {
    ctx.fail(
        fmt::format("scale and B hold {} and {} values; expected one per channel ({})", scale.numel(), bias.numel(), channels));
  }
  const Shape spatial(shape.begin() + 2, shape.end());
  Tensor ones(DType::f32, spatial);
  for (int64_t i = 0; i < ones.numel(); ++i) ones.data<float>()[i] = 1.0f;
  const ValueId normalised =
      ctx.emit_internal(OpKind::LayerNormalization, {ctx.input(0), ctx.add_constant("unit_scale", std::move(ones))},
                        NormAttrs{.axis = 2, .epsilon = ctx.attr_float("epsilon", 1e-5f)}, "normalised");
  const ValueId scaled =
      ctx.emit_internal(OpKind::Mul, {normalised, ctx.add_constant("scale", scale.reshaped(per_channel))}, Attrs{}, "scaled");
  ctx.emit(OpKind::Add, {scaled, ctx.add_constant("bias", bias.reshaped(per_channel))});
}

ValueId softmax_of(Context& ctx, ValueId x, int64_t axis, bool as_output) {
  if (as_output) return ctx.emit(OpKind::Softmax, {x}, AxisAttrs{axis}).front();
  return ctx.emit_internal(OpKind::Softmax, {x}, AxisAttrs{axis}, "softmax");
}

// log(softmax(x)) along `axis`, as x − max − log Σ exp(x − max): no exp overflows, and no log of an underflowed
// probability (torch computes it so).
ValueId log_softmax_of(Context& ctx, ValueId x, int64_t axis, bool as_output) {
  const ReduceAttrs along{.axes = {axis}, .keepdims = true};
  const ValueId m = ctx.emit_internal(OpKind::ReduceMax, {x}, along, "max");
  const ValueId d = ctx.emit_internal(OpKind::Sub, {x, m}, Attrs{}, "minus_max");
  const ValueId e = ctx.emit_internal(OpKind::Exp, {d}, Attrs{}, "exp");
  const ValueId l = ctx.emit_internal(OpKind::Log, {ctx.emit_internal(OpKind::ReduceSum, {e}, along, "sum")}, Attrs{}, "log_sum");
  if (as_output) return ctx.emit(OpKind::Sub, {d, l}).front();
  return ctx.emit_internal(OpKind::Sub, {d, l}, Attrs{}, "log_softmax");
}

// Softmax and LogSoftmax: `of(ctx, x, axis, as_output)` emits one along `axis`. Before opset 13 both work on the
// input coerced to 2-D at `axis` (default 1).
void softmax_family(Context& ctx, ValueId (*of)(Context&, ValueId, int64_t, bool)) {
  ctx.expect_attrs({"axis"});
  const Shape shape = ctx.input_value(0).shape;  // a copy: emitting nodes may move values
  auto rank = static_cast<int64_t>(shape.size());
  int64_t axis = axis_arg(ctx, ctx.attr_int("axis", ctx.opset() >= 13 ? -1 : 1), rank);
  if (ctx.opset() >= 13 || axis == rank - 1) {
    of(ctx, ctx.input(0), axis, true);
    return;
  }
  Shape flat(shape.begin(), shape.begin() + axis);
  flat.push_back(numel(Shape(shape.begin() + axis, shape.end())));
  ValueId f = ctx.emit_internal(OpKind::Reshape, {ctx.input(0)}, ReshapeAttrs{flat}, "coerce2d");
  ctx.emit(OpKind::Reshape, {of(ctx, f, axis, false)}, ReshapeAttrs{shape});
}

void pool(Context& ctx, OpKind op) {
  if (op == OpKind::MaxPool) {
    ctx.expect_attrs({"kernel_shape", "strides", "dilations", "pads", "auto_pad", "ceil_mode", "storage_order"});
    if (ctx.output_used(1)) ctx.fail("the Indices output is not supported");
  } else {
    ctx.expect_attrs({"kernel_shape", "strides", "pads", "auto_pad", "ceil_mode", "count_include_pad"});
  }
  auto kernel = ctx.attr_ints("kernel_shape");
  if (!kernel) ctx.fail("kernel_shape is required");
  PoolAttrs a{.window = window(ctx, ctx.input_value(0).shape, *kernel),
              .ceil_mode = ctx.attr_int("ceil_mode", 0) != 0,
              .count_include_pad = ctx.attr_int("count_include_pad", 0) != 0};
  ctx.emit(op, {ctx.input(0)}, a, 1);
}

void global_average_pool(Context& ctx) {
  ctx.expect_attrs({});
  ctx.emit(OpKind::GlobalAveragePool, {ctx.input(0)});
}

// What a reduction sums: the input itself, or |x| (ReduceL1) or x² (ReduceL2, ReduceSumSquare).
enum class Summand { Plain, Abs, Square };

// ReduceMean/Sum/Max/Min; ReduceL1, ReduceSumSquare and ReduceL2 lowered to ReduceSum of |x| or x² (then Sqrt).
void reduce(Context& ctx, OpKind op, Summand summand = Summand::Plain, bool root = false) {
  ctx.expect_attrs({"axes", "keepdims", "noop_with_empty_axes"});
  auto rank = static_cast<int64_t>(ctx.input_value(0).shape.size());
  std::vector<int64_t> axes;
  if (auto a = ctx.attr_ints("axes")) {
    axes = *a;
  } else if (ctx.has_input(1)) {
    axes = ctx.constant_ints(1, "axes");
  }
  if (axes.empty()) {
    if (ctx.attr_int("noop_with_empty_axes", 0) != 0) {
      ctx.alias_output(0, ctx.input(0));
      return;
    }
    for (int64_t i = 0; i < rank; ++i) axes.push_back(i);
  }
  for (int64_t& a : axes) a = axis_arg(ctx, a, rank);
  std::sort(axes.begin(), axes.end());
  const ReduceAttrs attrs{.axes = axes, .keepdims = ctx.attr_int("keepdims", 1) != 0};
  ValueId x = ctx.input(0);
  if (summand == Summand::Abs) x = ctx.emit_internal(OpKind::Abs, {x}, Attrs{}, "abs");
  if (summand == Summand::Square) x = ctx.emit_internal(OpKind::Mul, {x, x}, Attrs{}, "square");
  if (!root) {
    ctx.emit(op, {x}, attrs);
    return;
  }
  ctx.emit(OpKind::Sqrt, {ctx.emit_internal(op, {x}, attrs, "sum")});
}

// ArgMax / ArgMin: one axis, int64 indices.
void arg_reduce(Context& ctx, OpKind op) {
  ctx.expect_attrs({"axis", "keepdims", "select_last_index"});
  auto rank = static_cast<int64_t>(ctx.input_value(0).shape.size());
  ctx.emit(op, {ctx.input(0)},
           ReduceAttrs{.axes = {axis_arg(ctx, ctx.attr_int("axis", 0), rank)},
                       .keepdims = ctx.attr_int("keepdims", 1) != 0,
                       .select_last = ctx.attr_int("select_last_index", 0) != 0});
}

void topk(Context& ctx) {
  // Before opset 10, K is an attribute (and the largest, sorted); from 10 the second input; from 11 `largest`.
  if (ctx.opset() < 10) {
    ctx.expect_attrs({"axis", "k"});
  } else {
    ctx.expect_attrs({"axis", "largest", "sorted"});
  }
  const Shape& x = ctx.input_value(0).shape;
  auto rank = static_cast<int64_t>(x.size());
  const int64_t axis = axis_arg(ctx, ctx.attr_int("axis", -1), rank);
  const std::vector<int64_t> k = ctx.opset() < 10 ? std::vector<int64_t>{ctx.attr_int("k", -1)} : ctx.constant_ints(1, "TopK K");
  if (k.size() != 1 || k[0] < 0 || k[0] > x[static_cast<size_t>(axis)]) {
    ctx.fail(fmt::format("K {} for an axis of {}: expected one value in 0..{}", shape_str(k), x[static_cast<size_t>(axis)],
                         x[static_cast<size_t>(axis)]));
  }
  // sorted=0 lets any order through; the sorted order is one of them.
  ctx.emit(OpKind::TopK, {ctx.input(0)}, TopKAttrs{.axis = axis, .k = k[0], .largest = ctx.attr_int("largest", 1) != 0}, 2);
}

// CumSum: the axis is a constant input (a scalar or one value).
void cumsum(Context& ctx) {
  ctx.expect_attrs({"exclusive", "reverse"});
  const auto rank = static_cast<int64_t>(ctx.input_value(0).shape.size());
  const std::vector<int64_t> axis = ctx.constant_ints(1, "CumSum axis");
  if (axis.size() != 1) ctx.fail(fmt::format("axis {}: expected one value", shape_str(axis)));
  ctx.emit(OpKind::CumSum, {ctx.input(0)},
           CumSumAttrs{.axis = axis_arg(ctx, axis[0], rank),
                       .exclusive = ctx.attr_int("exclusive", 0) != 0,
                       .reverse = ctx.attr_int("reverse", 0) != 0});
}

// Direction d of an input whose axis 0 holds the directions (W, R, B, initial_h, initial_c): a
// constant slice, or a Slice node for a runtime initial state. kNoValue stays kNoValue.
ValueId direction_slice(Context& ctx, ValueId v, int64_t d, const std::string& suffix) {
  if (v == kNoValue) return kNoValue;
  const Value& val = ctx.graph().value(v);
  if (val.shape.empty() || val.shape[0] != 2) ctx.fail(fmt::format("'{}' must hold 2 directions on axis 0", val.name));
  const size_t r = val.shape.size();
  SliceAttrs a{.starts = std::vector<int64_t>(r, 0), .ends = val.shape, .steps = std::vector<int64_t>(r, 1)};
  a.starts[0] = d;
  a.ends[0] = d + 1;
  if (val.is_constant()) {
    const Tensor& t = *val.constant;
    return ctx.add_constant(suffix, t.slice_outer(d, d + 1).clone());
  }
  return ctx.emit_internal(OpKind::Slice, {v}, a, suffix);
}

// The sequence (axis 0) in reverse order.
ValueId reversed_in_time(Context& ctx, ValueId v, const std::string& suffix) {
  const Shape& s = ctx.graph().value(v).shape;
  SliceAttrs a{.starts = std::vector<int64_t>(s.size(), 0), .ends = s, .steps = std::vector<int64_t>(s.size(), 1)};
  a.starts[0] = s[0] - 1;
  a.ends[0] = -1;
  a.steps[0] = -1;
  return ctx.emit_internal(OpKind::Slice, {v}, a, suffix);
}

// LSTM and GRU: the default activations only; the reverse and bidirectional forms are lowered to
// forward ones here (the IR ops and every backend know the forward direction only).
void recurrent(Context& ctx, OpKind op) {
  const bool lstm = op == OpKind::LSTM;
  if (lstm) {
    ctx.expect_attrs(
        {"hidden_size", "direction", "activations", "clip", "input_forget", "layout", "activation_alpha", "activation_beta"});
  } else {
    ctx.expect_attrs({"hidden_size", "direction", "activations", "clip", "linear_before_reset", "layout", "activation_alpha",
                      "activation_beta"});
  }
  const std::string direction = ctx.attr_string("direction", "forward");
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional") {
    ctx.fail(fmt::format("direction '{}' is not one of forward, reverse, bidirectional", direction));
  }
  if (auto acts = ctx.attr(std::string("activations"))) {
    const std::vector<std::string> one =
        lstm ? std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"} : std::vector<std::string>{"Sigmoid", "Tanh"};
    const std::string expected =
        lstm ? "activations must be the default Sigmoid, Tanh, Tanh" : "activations must be the default Sigmoid, Tanh";
    const size_t n = one.size() * (direction == "bidirectional" ? 2 : 1);
    if (static_cast<size_t>(acts->strings_size()) != n) ctx.fail(expected);
    for (int i = 0; i < static_cast<int>(n); ++i) {
      if (acts->strings(i) != one[static_cast<size_t>(i) % one.size()]) ctx.fail(expected);
    }
  }
  if (ctx.attr("clip")) ctx.fail("the clip attribute is not supported");
  if (ctx.attr_int("layout", 0) != 0) ctx.fail("layout=1 (batch-first) is not supported");
  if (lstm) {
    if (ctx.attr_int("input_forget", 0) != 0) ctx.fail("input_forget=1 is not supported");
    if (ctx.has_input(7)) ctx.fail("peephole weights (P) are not supported");
  } else if (ctx.attr_int("linear_before_reset", 0) != 1) {
    ctx.fail(
        "linear_before_reset=0 is not supported (the reset gate would scale h before its matrix product, a second "
        "crossbar pass per step): export with linear_before_reset=1, as torch's nn.GRU does");
  }
  int64_t hidden = ctx.attr_int("hidden_size", 0);
  if (hidden <= 0) ctx.fail("hidden_size must be positive");
  const Value& x = ctx.input_value(0);
  if (ctx.has_input(4)) {
    // Accept sequence_lens only when every sequence has the full length.
    if (x.shape.size() != 3) ctx.fail("X must be [seq, batch, input]");
    for (int64_t len : ctx.constant_ints(4, "sequence_lens")) {
      if (len != x.shape[0]) ctx.fail("sequence_lens shorter than the sequence are not supported");
    }
  }
  std::vector<ValueId> in = {ctx.input(0), ctx.input(1), ctx.input(2), ctx.optional_input(3), kNoValue, ctx.optional_input(5)};
  if (lstm) in.push_back(ctx.optional_input(6));
  const size_t outputs = lstm ? 3 : 2;  // Y, Y_h (, Y_c)
  if (direction == "forward") {
    ctx.emit(op, in, RecurrentAttrs{hidden}, SIZE_MAX);
    return;
  }
  if (x.shape.size() != 3 || x.shape[0] < 1) ctx.fail("X must be [seq, batch, input] with at least one step");
  // reverse: a forward layer over the reversed sequence, its Y reversed back. bidirectional: that
  // beside a forward one, Y concatenated on the directions axis, Y_h (and Y_c) on axis 0.
  std::vector<std::vector<ValueId>> runs;  // per direction: Y [T, 1, B, H], Y_h (, Y_c)
  const bool both = direction == "bidirectional";
  for (int64_t d = 0; d < (both ? 2 : 1); ++d) {
    const bool backward = !both || d == 1;
    const std::string tag = backward ? "backward" : "forward";
    std::vector<ValueId> one = in;
    if (both) {
      for (size_t i = 1; i < in.size(); ++i) {
        if (i != 4) one[i] = direction_slice(ctx, in[i], d, fmt::format("{}_in{}", tag, i));
      }
    }
    if (backward) one[0] = reversed_in_time(ctx, in[0], tag + "_x");
    std::vector<ValueId> out = ctx.emit_internal(op, one, RecurrentAttrs{hidden}, tag, outputs);
    if (backward) out[0] = reversed_in_time(ctx, out[0], tag + "_y");
    runs.push_back(out);
  }
  for (size_t k = 0; k < outputs; ++k) {
    if (!ctx.output_used(k)) continue;
    ValueId v = runs[0][k];
    if (both) {
      v = ctx.emit_internal(OpKind::Concat, {runs[0][k], runs[1][k]}, AxisAttrs{k == 0 ? 1 : 0}, fmt::format("concat{}", k));
    }
    ctx.alias_output(k, v);
  }
}

}  // namespace

void register_nn_converters(ConverterTable& t) {
  t["Conv"] = conv;
  t["ConvTranspose"] = conv_transpose;
  t["Einsum"] = einsum;
  t["Gemm"] = gemm;
  t["MatMul"] = matmul;
  t["BatchNormalization"] = batch_norm;
  t["LayerNormalization"] = layer_norm;
  t["Softmax"] = [](Context& ctx) { softmax_family(ctx, softmax_of); };
  t["LogSoftmax"] = [](Context& ctx) { softmax_family(ctx, log_softmax_of); };
  t["InstanceNormalization"] = instance_norm;
  t["MaxPool"] = [](Context& ctx) { pool(ctx, OpKind::MaxPool); };
  t["AveragePool"] = [](Context& ctx) { pool(ctx, OpKind::AveragePool); };
  t["GlobalAveragePool"] = global_average_pool;
  t["ReduceMean"] = [](Context& ctx) { reduce(ctx, OpKind::ReduceMean); };
  t["ReduceSum"] = [](Context& ctx) { reduce(ctx, OpKind::ReduceSum); };
  t["ReduceMax"] = [](Context& ctx) { reduce(ctx, OpKind::ReduceMax); };
  t["ReduceMin"] = [](Context& ctx) { reduce(ctx, OpKind::ReduceMin); };
  t["ReduceL1"] = [](Context& ctx) { reduce(ctx, OpKind::ReduceSum, Summand::Abs); };
  t["ReduceSumSquare"] = [](Context& ctx) { reduce(ctx, OpKind::ReduceSum, Summand::Square); };
  t["ReduceL2"] = [](Context& ctx) { reduce(ctx, OpKind::ReduceSum, Summand::Square, true); };
  t["ArgMax"] = [](Context& ctx) { arg_reduce(ctx, OpKind::ArgMax); };
  t["ArgMin"] = [](Context& ctx) { arg_reduce(ctx, OpKind::ArgMin); };
  t["TopK"] = topk;
  t["CumSum"] = cumsum;
  t["LSTM"] = [](Context& ctx) { recurrent(ctx, OpKind::LSTM); };
  t["GRU"] = [](Context& ctx) { recurrent(ctx, OpKind::GRU); };
}

}  // namespace aimc::onnx_import
