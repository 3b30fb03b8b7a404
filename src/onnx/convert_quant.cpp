// QDQ models: QuantizeLinear -> [Clip] -> DequantizeLinear becomes one FakeQuant node whose
// scale and range are the layer's quantisation; DequantizeLinear of an integer constant
// (quantised weights) becomes the float constant plus a FakeQuant that records its scale.
#include <fmt/format.h>

#include <limits>

#include "onnx/converters.h"

namespace aimc::onnx_import {

namespace {

struct QParams {
  std::vector<float> scale;
  std::vector<int32_t> zero_point;
  int32_t qmin = 0, qmax = 255;
  int64_t axis = 1;
};

std::pair<int32_t, int32_t> range_of(DType t) {
  switch (t) {
    case DType::u8:
      return {0, 255};
    case DType::i8:
      return {-128, 127};
    case DType::i32:
      return {std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()};
    default:
      return {0, 0};
  }
}

QParams qparams(const Context& ctx, int64_t rank) {
  QParams q;
  const Tensor& s = ctx.constant_input(1, "scale");
  if (s.dtype() != DType::f32 || s.rank() > 1) ctx.fail("scale must be a float scalar or 1-D tensor");
  for (int64_t i = 0; i < s.numel(); ++i) q.scale.push_back(s.data<float>()[i]);
  const DType zdt = ctx.has_input(2) ? ctx.constant_input(2, "zero point").dtype() : DType::u8;
  auto [lo, hi] = range_of(zdt);
  if (lo == hi) ctx.fail(fmt::format("zero point type {} is not int8, uint8 or int32", dtype_name(zdt)));
  if (ctx.has_input(2)) {
    const Tensor& z = ctx.constant_input(2, "zero point");
    if (z.numel() != s.numel()) ctx.fail("scale and zero point sizes differ");
    for (int64_t i = 0; i < z.numel(); ++i) q.zero_point.push_back(static_cast<int32_t>(z.as_double(i)));  // fits: i32 at most
  } else {
    q.zero_point.assign(q.scale.size(), 0);
  }
  q.qmin = lo;
  q.qmax = hi;
  q.axis = axis_arg(ctx, ctx.attr_int("axis", 1), std::max<int64_t>(rank, 1));
  for (float v : q.scale) {
    if (!(v > 0)) ctx.fail(fmt::format("scale {} must be positive", v));
  }
  return q;
}

void quantize(Context& ctx) {
  ctx.expect_attrs({"axis", "saturate"});
  const Value& x = ctx.input_value(0);
  if (x.dtype != DType::f32) ctx.fail("input must be float");
  QParams q = qparams(ctx, static_cast<int64_t>(x.shape.size()));
  ctx.set_pending_quant(
      ctx.output_name(0),
      PendingQuant{
          .x = ctx.input(0), .scale = q.scale, .zero_point = q.zero_point, .axis = q.axis, .qmin = q.qmin, .qmax = q.qmax});
}

FakeQuantAttrs attrs_of(const PendingQuant& p) {
  return FakeQuantAttrs{.scale = p.scale, .zero_point = p.zero_point, .axis = p.axis, .qmin = p.qmin, .qmax = p.qmax};
}

void dequantize(Context& ctx) {
  ctx.expect_attrs({"axis"});
  const std::string& in = ctx.input_name(0);
  if (const PendingQuant* p = ctx.pending_quant(in)) {
    const Value& x = ctx.graph().value(p->x);
    QParams q = qparams(ctx, static_cast<int64_t>(x.shape.size()));
    if (q.scale != p->scale || q.zero_point != p->zero_point) {
      ctx.fail("scale or zero point differs from its QuantizeLinear");
    }
    ctx.emit(OpKind::FakeQuant, {p->x}, attrs_of(*p));
    return;
  }
  const Tensor& qt = ctx.constant_input(0, "the quantised tensor of a DequantizeLinear without QuantizeLinear");
  QParams q = qparams(ctx, qt.rank());
  auto [lo, hi] = range_of(qt.dtype());
  if (lo == hi) ctx.fail(fmt::format("quantised tensor type {} is not int8, uint8 or int32", dtype_name(qt.dtype())));
  // Dequantise the constant, then keep its quantisation as a FakeQuant (exact on these values).
  Tensor w(DType::f32, qt.shape());
  int64_t channels = q.scale.size() > 1 ? qt.dim(q.axis) : 1;
  int64_t inner = 1;
  for (int64_t d = q.axis + 1; d < qt.rank(); ++d) inner *= qt.dim(d);
  for (int64_t i = 0; i < qt.numel(); ++i) {
    auto c = static_cast<size_t>(channels > 1 ? (i / inner) % channels : 0);
    w.data<float>()[i] = static_cast<float>((qt.as_double(i) - q.zero_point[c]) * q.scale[c]);
  }
  ValueId wc = ctx.add_constant("dequantized", std::move(w));
  ctx.emit(OpKind::FakeQuant, {wc},
           FakeQuantAttrs{.scale = q.scale, .zero_point = q.zero_point, .axis = q.axis, .qmin = lo, .qmax = hi});
}

}  // namespace

void register_quant_converters(ConverterTable& t) {
  t["QuantizeLinear"] = quantize;
  t["DequantizeLinear"] = dequantize;
}

}  // namespace aimc::onnx_import
