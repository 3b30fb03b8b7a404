// Element-wise ONNX ops: binary arithmetic with broadcasting, activations, Clip, and the ops lowered to
// those: the activations ONNX defines by formula (HardSigmoid, HardSwish, Softplus, Mish, Elu, Selu, Celu,
// ThresholdedRelu), PRelu, Max, Min, the comparisons LessOrEqual and GreaterOrEqual, and Not, And, Or, Xor.
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

// Activations ONNX defines as formulas, lowered to the canonical element-wise ops (so every backend,
// the digital units' pricing and the reference interpreter need nothing new).
ValueId scalar_constant(Context& ctx, const std::string& suffix, float v) { return ctx.add_constant(suffix, Tensor::scalar(v)); }

// clip(alpha * x + beta, 0, 1); emitted as the node's output when `as_output`.
ValueId hard_sigmoid_of(Context& ctx, ValueId x, float alpha, float beta, bool as_output) {
  const ValueId ax = ctx.emit_internal(OpKind::Mul, {x, scalar_constant(ctx, "alpha", alpha)}, Attrs{}, "alpha_x");
  const ValueId s = ctx.emit_internal(OpKind::Add, {ax, scalar_constant(ctx, "beta", beta)}, Attrs{}, "plus_beta");
  const ScalarAttrs unit{.min = 0.0f, .max = 1.0f};
  if (as_output) return ctx.emit(OpKind::Clip, {s}, unit).front();
  return ctx.emit_internal(OpKind::Clip, {s}, unit, "clip01");
}

void hard_sigmoid(Context& ctx) {
  ctx.expect_attrs({"alpha", "beta"});
  hard_sigmoid_of(ctx, ctx.input(0), ctx.attr_float("alpha", 0.2f), ctx.attr_float("beta", 0.5f), true);
}

void hard_swish(Context& ctx) {  // x * hard_sigmoid(x) with alpha 1/6, beta 1/2
  ctx.expect_attrs({});
  const ValueId x = ctx.input(0);
  ctx.emit(OpKind::Mul, {x, hard_sigmoid_of(ctx, x, 1.0f / 6.0f, 0.5f, false)});
}

// log(1 + exp(x)), computed as relu(x) + log(1 + exp(-|x|)) so that no exp overflows.
ValueId softplus_of(Context& ctx, ValueId x, bool as_output) {
  const ValueId e = ctx.emit_internal(
      OpKind::Exp, {ctx.emit_internal(OpKind::Neg, {ctx.emit_internal(OpKind::Abs, {x}, Attrs{}, "abs")}, Attrs{}, "neg_abs")},
      Attrs{}, "exp");
  const ValueId l = ctx.emit_internal(
      OpKind::Log, {ctx.emit_internal(OpKind::Add, {e, scalar_constant(ctx, "one", 1.0f)}, Attrs{}, "one_plus")}, Attrs{}, "log");
  const ValueId r = ctx.emit_internal(OpKind::Relu, {x}, Attrs{}, "relu");
  if (as_output) return ctx.emit(OpKind::Add, {r, l}).front();
  return ctx.emit_internal(OpKind::Add, {r, l}, Attrs{}, "softplus");
}

void softplus(Context& ctx) {
  ctx.expect_attrs({});
  softplus_of(ctx, ctx.input(0), true);
}

void mish(Context& ctx) {  // x * tanh(softplus(x))
  ctx.expect_attrs({});
  const ValueId x = ctx.input(0);
  ctx.emit(OpKind::Mul, {x, ctx.emit_internal(OpKind::Tanh, {softplus_of(ctx, x, false)}, Attrs{}, "tanh")});
}

// PRelu: x where x ≥ 0, else slope · x. One slope for every element (nn.PReLU()) is a LeakyRelu; a slope
// per channel (nn.PReLU(C), shaped to broadcast) selects Where(x < 0, x · slope, x): the same products.
void prelu(Context& ctx) {
  ctx.expect_attrs({});
  const ValueId x = ctx.input(0);
  const Shape x_shape = ctx.input_value(0).shape;  // a copy: emitting nodes may move values
  const Shape s_shape = ctx.input_value(1).shape;
  if (s_shape.size() > x_shape.size())
    ctx.fail(fmt::format("slope {} has more axes than the input {}", shape_str(s_shape), shape_str(x_shape)));
  for (size_t i = 0; i < s_shape.size(); ++i) {
    const int64_t s = s_shape[s_shape.size() - 1 - i], d = x_shape[x_shape.size() - 1 - i];
    if (s != 1 && s != d)
      ctx.fail(fmt::format("slope {} does not broadcast to the input {}", shape_str(s_shape), shape_str(x_shape)));
  }
  if (ctx.input_is_constant(1)) {
    const Tensor& slope = ctx.constant_input(1, "slope");
    bool uniform = slope.numel() > 0;
    for (int64_t i = 1; i < slope.numel() && uniform; ++i) uniform = slope.as_double(i) == slope.as_double(0);
    if (uniform) {
      ctx.emit(OpKind::LeakyRelu, {x}, ScalarAttrs{.alpha = static_cast<float>(slope.as_double(0))});
      return;
    }
  }
  const ValueId negative = ctx.emit_internal(OpKind::Less, {x, scalar_constant(ctx, "zero", 0.0f)}, Attrs{}, "negative");
  const ValueId scaled = ctx.emit_internal(OpKind::Mul, {x, ctx.input(1)}, Attrs{}, "slope_x");
  ctx.emit(OpKind::Where, {negative, scaled, x});
}

// Max and Min of any number of inputs (broadcast), pairwise: Where(a > b, a, b) and Where(a < b, a, b).
void extremum(Context& ctx, OpKind compare) {
  ctx.expect_attrs({});
  if (ctx.num_inputs() == 0) ctx.fail("needs at least one input");
  ValueId acc = ctx.input(0);
  if (ctx.num_inputs() == 1) {
    ctx.alias_output(0, acc);
    return;
  }
  for (size_t i = 1; i < ctx.num_inputs(); ++i) {
    const ValueId b = ctx.input(i);
    const ValueId pick = ctx.emit_internal(compare, {acc, b}, Attrs{}, fmt::format("pick{}", i));
    if (i + 1 == ctx.num_inputs()) {
      ctx.emit(OpKind::Where, {pick, acc, b});
      return;
    }
    acc = ctx.emit_internal(OpKind::Where, {pick, acc, b}, Attrs{}, fmt::format("extremum{}", i));
  }
}

// Elu, Selu and Celu: x where x > 0, else `alpha` · (exp(x / `inner`) − 1), all times `scale` (Selu's γ).
// (Celu's max(0, x) + min(0, α (exp(x/α) − 1)) is the same: each side of 0 keeps one term.)
void exponential_linear(Context& ctx, float alpha, float inner, float scale) {
  const ValueId x = ctx.input(0);
  const ValueId positive = ctx.emit_internal(OpKind::Greater, {x, scalar_constant(ctx, "zero", 0.0f)}, Attrs{}, "positive");
  ValueId e = x;
  if (inner != 1.0f) e = ctx.emit_internal(OpKind::Div, {x, scalar_constant(ctx, "inner", inner)}, Attrs{}, "x_over_alpha");
  e = ctx.emit_internal(OpKind::Exp, {e}, Attrs{}, "exp");
  e = ctx.emit_internal(OpKind::Sub, {e, scalar_constant(ctx, "one", 1.0f)}, Attrs{}, "exp_minus_one");
  e = ctx.emit_internal(OpKind::Mul, {e, scalar_constant(ctx, "alpha", alpha)}, Attrs{}, "negative_side");
  if (scale == 1.0f) {
    ctx.emit(OpKind::Where, {positive, x, e});
    return;
  }
  const ValueId w = ctx.emit_internal(OpKind::Where, {positive, x, e}, Attrs{}, "elu");
  ctx.emit(OpKind::Mul, {w, scalar_constant(ctx, "gamma", scale)});
}

void elu(Context& ctx) {
  ctx.expect_attrs({"alpha"});
  exponential_linear(ctx, ctx.attr_float("alpha", 1.0f), 1.0f, 1.0f);
}

void selu(Context& ctx) {  // ONNX's defaults: α and γ of Klambauer et al. (2017), to float precision
  ctx.expect_attrs({"alpha", "gamma"});
  exponential_linear(ctx, ctx.attr_float("alpha", 1.67326319217681884765625f), 1.0f,
                     ctx.attr_float("gamma", 1.05070102214813232421875f));
}

void celu(Context& ctx) {
  ctx.expect_attrs({"alpha"});
  const float alpha = ctx.attr_float("alpha", 1.0f);
  if (!(alpha != 0.0f)) ctx.fail("alpha is 0; expected a nonzero number (it divides x)");
  exponential_linear(ctx, alpha, alpha, 1.0f);
}

void thresholded_relu(Context& ctx) {  // x where x > alpha, else 0
  ctx.expect_attrs({"alpha"});
  const ValueId x = ctx.input(0);
  const ValueId above =
      ctx.emit_internal(OpKind::Greater, {x, scalar_constant(ctx, "alpha", ctx.attr_float("alpha", 1.0f))}, Attrs{}, "above");
  ctx.emit(OpKind::Where, {above, x, scalar_constant(ctx, "zero", 0.0f)});
}

ValueId bool_constant(Context& ctx, bool v) { return ctx.add_constant(v ? "true" : "false", Tensor::scalar<uint8_t>(v ? 1 : 0)); }

// A bool (u8 0/1) that is 1 where `cond` is 0: Where(cond, false, true); the node's output, or a helper's.
ValueId negate(Context& ctx, ValueId cond, bool as_output) {
  const std::vector<ValueId> in = {cond, bool_constant(ctx, false), bool_constant(ctx, true)};
  if (as_output) return ctx.emit(OpKind::Where, in).front();
  return ctx.emit_internal(OpKind::Where, in, Attrs{}, "not");
}

// And, Or and Xor of two bools (u8 0/1, broadcast), as selections: a ? b : false, a ? true : b, a ? not b : b.
void logical(Context& ctx, const std::string& op) {
  ctx.expect_attrs({});
  const ValueId a = ctx.input(0), b = ctx.input(1);
  if (op == "And") {
    ctx.emit(OpKind::Where, {a, b, bool_constant(ctx, false)});
  } else if (op == "Or") {
    ctx.emit(OpKind::Where, {a, bool_constant(ctx, true), b});
  } else {
    ctx.emit(OpKind::Where, {a, negate(ctx, b, false), b});
  }
}

// a <= b is not a > b; a >= b is not a < b.
void or_equal(Context& ctx, OpKind strict_opposite) {
  ctx.expect_attrs({});
  negate(ctx, ctx.emit_internal(strict_opposite, {ctx.input(0), ctx.input(1)}, Attrs{}, "opposite"), true);
}

// Where(cond, x, y) on a computed condition (a padding mask); constant ones are folded.
void where(Context& ctx) {
  ctx.expect_attrs({});
  ctx.emit(OpKind::Where, {ctx.input(0), ctx.input(1), ctx.input(2)});
}

}  // namespace

void register_elementwise_converters(ConverterTable& t) {
  for (auto [name, op] : {std::pair{"Equal", OpKind::Equal}, {"Less", OpKind::Less}, {"Greater", OpKind::Greater}}) {
    t[name] = [op = op](Context& ctx) { binary(ctx, op); };
  }
  t["Where"] = where;
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
                          {"Reciprocal", OpKind::Reciprocal},
                          {"Floor", OpKind::Floor},
                          {"Ceil", OpKind::Ceil},
                          {"Round", OpKind::Round}}) {
    t[name] = [op = op](Context& ctx) { unary(ctx, op); };
  }
  t["Clip"] = clip;
  t["LeakyRelu"] = leaky_relu;
  t["HardSigmoid"] = hard_sigmoid;
  t["HardSwish"] = hard_swish;
  t["Softplus"] = softplus;
  t["Mish"] = mish;
  t["PRelu"] = prelu;
  t["Elu"] = elu;
  t["Selu"] = selu;
  t["Celu"] = celu;
  t["ThresholdedRelu"] = thresholded_relu;
  t["LessOrEqual"] = [](Context& ctx) { or_equal(ctx, OpKind::Greater); };
  t["GreaterOrEqual"] = [](Context& ctx) { or_equal(ctx, OpKind::Less); };
  for (const char* op : {"And", "Or", "Xor"}) t[op] = [op = std::string(op)](Context& ctx) { logical(ctx, op); };
  t["Not"] = [](Context& ctx) {
    ctx.expect_attrs({});
    negate(ctx, ctx.input(0), true);
  };
  t["Max"] = [](Context& ctx) { extremum(ctx, OpKind::Greater); };
  t["Min"] = [](Context& ctx) { extremum(ctx, OpKind::Less); };
}

}  // namespace aimc::onnx_import
