// Element-wise ONNX ops: binary arithmetic with broadcasting, activations, Clip.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "onnx/converters.h"

namespace aimc::onnx_import {

namespace {

void binary(Context& ctx, OpKind op) {
  ctx.expect_attrs({});
  ctx.emit(op, {ctx.input(0), ctx.input(1)});
}

void unary(Context& ctx, OpKind op) {
  ctx.expect_attrs({});
  ctx.emit(op, {ctx.input(0)});
}

float scalar_bound(Context& ctx, size_t i, float fallback) {
  if (!ctx.has_input(i)) return fallback;
  const Tensor& t = ctx.constant_input(i, i == 1 ? "Clip min" : "Clip max");
  if (t.numel() != 1) ctx.fail("Clip bounds must be scalars");
  return static_cast<float>(t.as_double(0));
}

void clip(Context& ctx) {
  ScalarAttrs a;
  if (const PendingQuant* q = ctx.pending_quant(ctx.input_name(0))) {
    // QuantizeLinear -> Clip -> DequantizeLinear: the clip narrows the integer range.
    PendingQuant narrowed = *q;
    float lo = scalar_bound(ctx, 1, static_cast<float>(q->qmin));
    float hi = scalar_bound(ctx, 2, static_cast<float>(q->qmax));
    narrowed.qmin = std::max(q->qmin, static_cast<int32_t>(std::ceil(lo)));
    narrowed.qmax = std::min(q->qmax, static_cast<int32_t>(std::floor(hi)));
    if (narrowed.qmin >= narrowed.qmax) ctx.fail("Clip leaves an empty quantisation range");
    ctx.set_pending_quant(ctx.output_name(0), narrowed);
    return;
  }
  if (ctx.opset() < 11) {
    ctx.expect_attrs({"min", "max"});
    a.min = ctx.attr_float("min", -std::numeric_limits<float>::infinity());
    a.max = ctx.attr_float("max", std::numeric_limits<float>::infinity());
  } else {
    ctx.expect_attrs({});
    a.min = scalar_bound(ctx, 1, -std::numeric_limits<float>::infinity());
    a.max = scalar_bound(ctx, 2, std::numeric_limits<float>::infinity());
  }
  if (a.min > a.max) ctx.fail(fmt::format("Clip min {} exceeds max {}", a.min, a.max));
  ctx.emit(OpKind::Clip, {ctx.input(0)}, a);
}

void leaky_relu(Context& ctx) {
  ctx.expect_attrs({"alpha"});
  ctx.emit(OpKind::LeakyRelu, {ctx.input(0)}, ScalarAttrs{.alpha = ctx.attr_float("alpha", 0.01f)});
}

}  // namespace

void register_elementwise_converters(ConverterTable& t) {
  for (auto [name, op] :
       {std::pair{"Add", OpKind::Add}, {"Sub", OpKind::Sub}, {"Mul", OpKind::Mul}, {"Div", OpKind::Div}, {"Pow", OpKind::Pow}}) {
    t[name] = [op = op](Context& ctx) { binary(ctx, op); };
  }
  for (auto [name, op] : {std::pair{"Relu", OpKind::Relu},
                          {"Sigmoid", OpKind::Sigmoid},
                          {"Tanh", OpKind::Tanh},
                          {"Sign", OpKind::Sign},
                          {"Erf", OpKind::Erf},
                          {"Sqrt", OpKind::Sqrt},
                          {"Exp", OpKind::Exp},
                          {"Log", OpKind::Log},
                          {"Neg", OpKind::Neg},
                          {"Abs", OpKind::Abs},
                          {"Reciprocal", OpKind::Reciprocal}}) {
    t[name] = [op = op](Context& ctx) { unary(ctx, op); };
  }
  t["Clip"] = clip;
  t["LeakyRelu"] = leaky_relu;
}

}  // namespace aimc::onnx_import
