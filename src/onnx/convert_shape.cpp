// ONNX data-movement ops on run-time values (constant inputs are folded before this).
#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "onnx/converters.h"
#include "onnx/shape_rules.h"

namespace aimc::onnx_import {

namespace {

void emit_reshape(Context& ctx, Shape target) { ctx.emit(OpKind::Reshape, {ctx.input(0)}, ReshapeAttrs{std::move(target)}); }

void reshape(Context& ctx) {
  ctx.expect_attrs({"allowzero"});
  const Value& x = ctx.input_value(0);
  emit_reshape(ctx, reshape_target(ctx, x.shape, ctx.constant_ints(1, "target shape"), ctx.attr_int("allowzero", 0) != 0));
}

void flatten(Context& ctx) {
  ctx.expect_attrs({"axis"});
  emit_reshape(ctx, flatten_target(ctx, ctx.input_value(0).shape, ctx.attr_int("axis", 1)));
}

void squeeze(Context& ctx) {
  ctx.expect_attrs({"axes"});
  const Value& x = ctx.input_value(0);
  emit_reshape(ctx, squeeze_target(ctx, x.shape, squeeze_axes(ctx), x.batch_axis));
}

void unsqueeze(Context& ctx) {
  ctx.expect_attrs({"axes"});
  auto axes = squeeze_axes(ctx);
  if (!axes) ctx.fail("axes are required");
  emit_reshape(ctx, unsqueeze_target(ctx, ctx.input_value(0).shape, *axes));
}

void transpose(Context& ctx) {
  ctx.expect_attrs({"perm"});
  ctx.emit(OpKind::Transpose, {ctx.input(0)}, TransposeAttrs{transpose_perm(ctx, ctx.input_value(0).shape.size())});
}

void concat(Context& ctx) {
  ctx.expect_attrs({"axis"});
  std::vector<ValueId> in;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) in.push_back(ctx.input(i));
  auto rank = static_cast<int64_t>(ctx.input_value(0).shape.size());
  ctx.emit(OpKind::Concat, in, AxisAttrs{axis_arg(ctx, ctx.attr_int("axis", 0), rank)});
}

void split(Context& ctx) {
  ctx.expect_attrs({"axis", "split", "num_outputs"});
  ctx.emit(OpKind::Split, {ctx.input(0)}, split_attrs(ctx, ctx.input_value(0).shape), SIZE_MAX);
}

void slice(Context& ctx) {
  ctx.expect_attrs({"starts", "ends", "axes"});
  const Value& x = ctx.input_value(0);
  SliceAttrs a = slice_attrs(ctx, x.shape);
  if (x.batch_axis >= 0) {
    auto b = static_cast<size_t>(x.batch_axis);
    if (a.starts[b] != 0 || a.steps[b] != 1 || a.ends[b] != x.shape[b]) ctx.fail_batch("slicing the batch axis is not supported");
  }
  ctx.emit(OpKind::Slice, {ctx.input(0)}, a);
}

// A string attribute read as one of `names` (its value, else `fallback`), failing with the choices.
template <class E>
E enum_attr(const Context& ctx, const char* attr, const char* fallback, const std::vector<std::pair<std::string, E>>& names) {
  const std::string v = ctx.attr_string(attr, fallback);
  std::vector<std::string> choices;
  for (const auto& [name, e] : names) {
    if (name == v) return e;
    choices.push_back(name);
  }
  ctx.fail(fmt::format("{} '{}' is not supported; expected one of {}", attr, v, fmt::join(choices, ", ")));
}

ResizeAttrs::Mode resize_mode(Context& ctx) {
  return enum_attr<ResizeAttrs::Mode>(ctx, "mode", "nearest",
                                      {{"nearest", ResizeAttrs::Mode::Nearest}, {"linear", ResizeAttrs::Mode::Linear}});
}

// Emits Resize `a` of input 0, its scales or sizes from the constant inputs `scales_at` and `sizes_at` (−1: none;
// an empty tensor counts as absent); exactly one of them. The batch axis keeps its size.
void emit_resize(Context& ctx, ResizeAttrs a, int scales_at, int sizes_at) {
  const Shape x = ctx.input_value(0).shape;  // copies: emitting nodes may move values
  const int batch_axis = ctx.input_value(0).batch_axis;
  const size_t r = x.size();
  const auto given = [&](int at, const char* what) {
    return at >= 0 && ctx.has_input(static_cast<size_t>(at)) && ctx.constant_input(static_cast<size_t>(at), what).numel() > 0;
  };
  const bool has_scales = given(scales_at, "Resize scales"), has_sizes = given(sizes_at, "Resize sizes");
  if (has_scales == has_sizes) ctx.fail(sizes_at < 0 ? "expected constant scales" : "expected exactly one of scales and sizes");
  if (has_scales) {
    const Tensor& s = ctx.constant_input(static_cast<size_t>(scales_at), "Resize scales");
    if (s.numel() != static_cast<int64_t>(r)) ctx.fail(fmt::format("{} scales for a rank-{} input", s.numel(), r));
    for (int64_t i = 0; i < s.numel(); ++i) {
      const double v = s.as_double(i);
      if (!(v > 0) || !std::isfinite(v) || v > 1e6) ctx.fail(fmt::format("scale {} of axis {} is not a positive number", v, i));
      a.scales.push_back(v);
    }
  } else {
    a.sizes = ctx.constant_ints(static_cast<size_t>(sizes_at), "Resize sizes");
    if (a.sizes.size() != r) ctx.fail(fmt::format("{} sizes for a rank-{} input", a.sizes.size(), r));
    for (size_t i = 0; i < r; ++i) {
      if (a.sizes[i] < 1 || a.sizes[i] > (int64_t{1} << 24))
        ctx.fail(fmt::format("size {} of axis {} is out of range", a.sizes[i], i));
      a.scales.push_back(x[i] > 0 ? static_cast<double>(a.sizes[i]) / static_cast<double>(x[i]) : 1.0);
    }
  }
  if (batch_axis >= 0) {
    const auto b = static_cast<size_t>(batch_axis);
    if (a.scales[b] != 1.0) ctx.fail_batch(fmt::format("resizes the batch axis {} (scale {})", b, a.scales[b]));
    if (!a.sizes.empty()) a.sizes[b] = x[b];  // at any batch size: kept as it comes
  }
  ctx.emit(OpKind::Resize, {ctx.input(0)}, a);
}

// Resize-10 and Upsample-9 (X, scales; mode nearest or linear): coordinates asymmetric, x_in = x_out / scale,
// and nearest takes the sample at or below it (floor), as the later Resize's modes "asymmetric" and "floor".
// torch's bilinear (half-pixel) and align_corners interpolations have no exact form at these opsets: torch
// warns at export that the file's results may differ from its own, and aimc computes the file's.
void resize_before_opset_11(Context& ctx) {
  ctx.expect_attrs({"mode"});
  ResizeAttrs a;
  a.mode = resize_mode(ctx);
  a.coordinates = ResizeAttrs::Coordinates::Asymmetric;
  a.nearest = ResizeAttrs::Nearest::Floor;
  emit_resize(ctx, a, 1, -1);
}

// Resize (opsets 11-17): nearest or linear, the coordinate transforms torch and common exporters emit;
// scales or sizes must be constants (they are folded at import).
void resize(Context& ctx) {
  if (ctx.opset() < 11) {
    resize_before_opset_11(ctx);
    return;
  }
  ctx.expect_attrs(
      {"mode", "coordinate_transformation_mode", "nearest_mode", "cubic_coeff_a", "exclude_outside", "extrapolation_value"});
  ResizeAttrs a;
  a.mode = resize_mode(ctx);
  using C = ResizeAttrs::Coordinates;
  a.coordinates = enum_attr<C>(ctx, "coordinate_transformation_mode", "half_pixel",
                               {{"half_pixel", C::HalfPixel},
                                {"pytorch_half_pixel", C::PytorchHalfPixel},
                                {"align_corners", C::AlignCorners},
                                {"asymmetric", C::Asymmetric}});
  using N = ResizeAttrs::Nearest;
  a.nearest = enum_attr<N>(ctx, "nearest_mode", "round_prefer_floor",
                           {{"round_prefer_floor", N::RoundPreferFloor},
                            {"round_prefer_ceil", N::RoundPreferCeil},
                            {"floor", N::Floor},
                            {"ceil", N::Ceil}});
  if (ctx.attr_int("exclude_outside", 0) != 0) ctx.fail("exclude_outside=1 is not supported");
  // Inputs: X, roi (only for tf_crop_and_resize), scales, sizes.
  emit_resize(ctx, a, 2, 3);
}

// Upsample (opset 9; deprecated at 10 for Resize): as Resize-10.
void upsample(Context& ctx) {
  if (ctx.opset() >= 10) ctx.fail("Upsample is deprecated from opset 10: expected Resize");
  resize_before_opset_11(ctx);
}

// The slice [start, end) with `step` of `x` along axis d (every other axis whole).
ValueId slice_along(Context& ctx, ValueId x, const Shape& shape, size_t d, int64_t start, int64_t end, int64_t step,
                    const std::string& suffix) {
  SliceAttrs a;
  a.starts.assign(shape.size(), 0);
  a.ends = shape;
  a.steps.assign(shape.size(), 1);
  a.starts[d] = start, a.ends[d] = end, a.steps[d] = step;
  return ctx.emit_internal(OpKind::Slice, {x}, a, suffix);
}

// `copies` copies of `x` along axis d (x one element thick there), from O(log copies) concatenations of
// doublings: appended to `parts`.
void append_copies(Context& ctx, ValueId x, size_t d, int64_t copies, const std::string& suffix, std::vector<ValueId>& parts) {
  ValueId block = x;
  for (int64_t c = copies, k = 0; c > 0; c >>= 1, ++k) {
    if ((c & 1) != 0) parts.push_back(block);
    if (c > 1)
      block = ctx.emit_internal(OpKind::Concat, {block, block}, AxisAttrs{static_cast<int64_t>(d)},
                                fmt::format("{}x{}", suffix, int64_t{2} << k));
  }
}

// Pad in mode reflect (numpy's: the edge element is not repeated) or edge, lowered to slices of the input
// concatenated before and after it, one axis at a time.
void pad_from_input(Context& ctx, const std::string& mode, const std::vector<int64_t>& pads) {
  Shape shape = ctx.input_value(0).shape;  // a copy: emitting nodes may move values
  const int batch_axis = ctx.input_value(0).batch_axis;
  const size_t r = shape.size();
  size_t last = r;  // the last axis padded
  for (size_t d = 0; d < r; ++d) {
    const int64_t p = pads[d], q = pads[d + r];
    if (p < 0 || q < 0) ctx.fail(fmt::format("negative pads (cropping) in mode '{}' are not supported", mode));
    constexpr int64_t kMaxPad = int64_t{1} << 24;
    if (p > kMaxPad || q > kMaxPad) ctx.fail(fmt::format("pads {} and {} along axis {}: expected at most {}", p, q, d, kMaxPad));
    if (p == 0 && q == 0) continue;
    if (static_cast<int>(d) == batch_axis) ctx.fail_batch(fmt::format("pads the batch axis {}", d));
    const int64_t n = shape[d];
    if (mode == "reflect" && (p >= n || q >= n))
      ctx.fail(fmt::format("reflect pads {} and {} along axis {} need more elements than that ({} has {})", p, q, d,
                           shape_str(shape), n));
    if (n == 0) ctx.fail(fmt::format("{} padding of an empty axis {}", mode, d));
    last = d;
  }
  if (last == r) {
    ctx.alias_output(0, ctx.input(0));
    return;
  }
  ValueId x = ctx.input(0);
  for (size_t d = 0; d <= last; ++d) {
    const int64_t p = pads[d], q = pads[d + r], n = shape[d];
    if (p == 0 && q == 0) continue;
    std::vector<ValueId> parts;
    const std::string axis = std::to_string(d);
    if (mode == "reflect") {
      if (p > 0) parts.push_back(slice_along(ctx, x, shape, d, p, 0, -1, "before" + axis));
      parts.push_back(x);
      if (q > 0) parts.push_back(slice_along(ctx, x, shape, d, n - 2, n - 2 - q, -1, "after" + axis));
    } else {  // edge
      if (p > 0) append_copies(ctx, slice_along(ctx, x, shape, d, 0, 1, 1, "first" + axis), d, p, "first" + axis, parts);
      parts.push_back(x);
      if (q > 0) append_copies(ctx, slice_along(ctx, x, shape, d, n - 1, n, 1, "last" + axis), d, q, "last" + axis, parts);
    }
    const AxisAttrs along{static_cast<int64_t>(d)};
    if (d == last) {
      ctx.emit(OpKind::Concat, parts, along);
      return;
    }
    x = ctx.emit_internal(OpKind::Concat, parts, along, "padded" + axis);
    shape[d] = n + p + q;
  }
}

void pad(Context& ctx) {
  ctx.expect_attrs({"mode", "pads", "value"});
  const std::string mode = ctx.attr_string("mode", "constant");
  PadAttrs a = pad_attrs(ctx, ctx.input_value(0).shape.size());
  if (mode == "constant") {
    ctx.emit(OpKind::Pad, {ctx.input(0)}, std::move(a));
    return;
  }
  if (mode != "reflect" && mode != "edge")
    ctx.fail(fmt::format("pad mode '{}' is not supported; expected constant, reflect or edge", mode));
  pad_from_input(ctx, mode, a.pads);
}

// DepthToSpace (mode DCR, or CRD: torch's PixelShuffle) and SpaceToDepth on [N, C, H, W], lowered to the
// Reshape, Transpose and Reshape their definitions are written in.
void depth_space(Context& ctx, bool to_space) {
  ctx.expect_attrs({"blocksize", "mode"});
  const Shape x = ctx.input_value(0).shape;  // a copy: emitting nodes may move values
  if (x.size() != 4) ctx.fail(fmt::format("input {} is not [N, C, H, W]", shape_str(x)));
  const int batch_axis = ctx.input_value(0).batch_axis;
  if (batch_axis > 0) ctx.fail_batch(fmt::format("the batch is axis {}, not the first of [N, C, H, W]", batch_axis));
  const int64_t b = ctx.attr_int("blocksize", 0);
  if (b < 1 || b > (int64_t{1} << 16)) ctx.fail(fmt::format("blocksize {}: expected a whole number ≥ 1", b));
  const int64_t n = x[0], c = x[1], h = x[2], w = x[3];
  Shape split, out;
  std::vector<int64_t> perm;
  if (to_space) {
    if (c % (b * b) != 0) ctx.fail(fmt::format("{} channels are not a multiple of blocksize² = {}", c, b * b));
    const std::string mode = ctx.attr_string("mode", "DCR");
    if (mode == "DCR") {
      split = {n, b, b, c / (b * b), h, w}, perm = {0, 3, 4, 1, 5, 2};
    } else if (mode == "CRD") {
      split = {n, c / (b * b), b, b, h, w}, perm = {0, 1, 4, 2, 5, 3};
    } else {
      ctx.fail(fmt::format("mode '{}' is not supported; expected DCR or CRD", mode));
    }
    out = {n, c / (b * b), h * b, w * b};
  } else {
    if (ctx.attr("mode")) ctx.fail("SpaceToDepth has no mode attribute");
    if (h % b != 0 || w % b != 0) ctx.fail(fmt::format("{}x{} is not a multiple of blocksize {}", h, w, b));
    split = {n, c, h / b, b, w / b, b}, perm = {0, 3, 5, 1, 2, 4};
    out = {n, c * b * b, h / b, w / b};
  }
  const ValueId s = ctx.emit_internal(OpKind::Reshape, {ctx.input(0)}, ReshapeAttrs{split}, "blocks");
  const ValueId t = ctx.emit_internal(OpKind::Transpose, {s}, TransposeAttrs{perm}, "moved");
  ctx.emit(OpKind::Reshape, {t}, ReshapeAttrs{out});
}

void gather(Context& ctx) {
  ctx.expect_attrs({"axis"});
  auto rank = static_cast<int64_t>(ctx.input_value(0).shape.size());
  ctx.emit(OpKind::Gather, {ctx.input(0), ctx.input(1)}, AxisAttrs{axis_arg(ctx, ctx.attr_int("axis", 0), rank)});
}

void cast(Context& ctx) {
  ctx.expect_attrs({"to", "saturate"});
  DType to = cast_target(ctx);
  if (ctx.attr_int("to", 0) == onnx::TensorProto::BOOL) {
    // bool(x) is x != 0: Where(x == 0, false, true), stored as u8 0/1.
    const ValueId x = ctx.input(0);
    Tensor zero(ctx.input_value(0).dtype, {});
    std::memset(zero.raw(), 0, zero.nbytes());
    const ValueId is_zero = ctx.emit_internal(OpKind::Equal, {x, ctx.add_constant("zero", zero)}, Attrs{}, "is_zero");
    ctx.emit(OpKind::Where, {is_zero, ctx.add_constant("false", Tensor::scalar<uint8_t>(0)),
                             ctx.add_constant("true", Tensor::scalar<uint8_t>(1))});
    return;
  }
  ctx.emit(OpKind::Cast, {ctx.input(0)}, CastAttrs{to});
}

// Expand of a computed value to a (constant) shape: numpy broadcasting.
void expand(Context& ctx) {
  ctx.expect_attrs({});
  ctx.emit(OpKind::Expand, {ctx.input(0)}, ExpandAttrs{ctx.constant_ints(1, "shape")});
}

void identity(Context& ctx) { ctx.alias_output(0, ctx.input(0)); }

void dropout(Context& ctx) {
  ctx.expect_attrs({"ratio", "seed", "is_test"});
  if (ctx.output_used(1)) ctx.fail("the mask output is not supported (inference only)");
  // A ratio of 0 drops nothing even in training mode (torchvision's Swin passes training= through).
  const bool drops_nothing =
      ctx.has_input(1) && ctx.constant_input(1, "ratio").numel() == 1 && ctx.constant_input(1, "ratio").as_double(0) == 0;
  if (ctx.has_input(2) && !drops_nothing) {
    const Tensor& training = ctx.constant_input(2, "training_mode");
    if (training.numel() == 1 && training.as_double(0) != 0) ctx.fail("training_mode=true is not supported");
  }
  ctx.alias_output(0, ctx.input(0));
}

}  // namespace

void register_shape_converters(ConverterTable& t) {
  t["Reshape"] = reshape;
  t["Flatten"] = flatten;
  t["Squeeze"] = squeeze;
  t["Unsqueeze"] = unsqueeze;
  t["Transpose"] = transpose;
  t["Concat"] = concat;
  t["Split"] = split;
  t["Slice"] = slice;
  t["Pad"] = pad;
  t["DepthToSpace"] = [](Context& ctx) { depth_space(ctx, true); };
  t["SpaceToDepth"] = [](Context& ctx) { depth_space(ctx, false); };
  t["Resize"] = resize;
  t["Upsample"] = upsample;
  t["Gather"] = gather;
  t["Cast"] = cast;
  t["Expand"] = expand;
  t["Identity"] = identity;
  t["Dropout"] = dropout;
}

}  // namespace aimc::onnx_import
