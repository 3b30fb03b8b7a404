// ONNX data-movement ops on run-time values (constant inputs are folded before this).
#include <fmt/format.h>

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
    if (a.starts[b] != 0 || a.steps[b] != 1 || a.ends[b] != x.shape[b]) ctx.fail("slicing the batch axis is not supported");
  }
  ctx.emit(OpKind::Slice, {ctx.input(0)}, a);
}

void pad(Context& ctx) {
  ctx.expect_attrs({"mode", "pads", "value"});
  ctx.emit(OpKind::Pad, {ctx.input(0)}, pad_attrs(ctx, ctx.input_value(0).shape.size()));
}

void gather(Context& ctx) {
  ctx.expect_attrs({"axis"});
  auto rank = static_cast<int64_t>(ctx.input_value(0).shape.size());
  ctx.emit(OpKind::Gather, {ctx.input(0), ctx.input(1)}, AxisAttrs{axis_arg(ctx, ctx.attr_int("axis", 0), rank)});
}

void cast(Context& ctx) {
  ctx.expect_attrs({"to", "saturate"});
  DType to = cast_target(ctx);
  ctx.emit(OpKind::Cast, {ctx.input(0)}, CastAttrs{to});
}

void identity(Context& ctx) { ctx.alias_output(0, ctx.input(0)); }

void dropout(Context& ctx) {
  ctx.expect_attrs({"ratio", "seed", "is_test"});
  if (ctx.output_used(1)) ctx.fail("the mask output is not supported (inference only)");
  if (ctx.has_input(2)) {
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
  t["Gather"] = gather;
  t["Cast"] = cast;
  t["Identity"] = identity;
  t["Dropout"] = dropout;
}

}  // namespace aimc::onnx_import
