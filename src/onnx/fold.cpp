// Constant folding at import: ONNX nodes whose inputs are all constants (and Shape of any
// value) are evaluated here, so shape computations (Shape -> Gather -> Concat -> Reshape)
// become plain constants. Evaluation is exact: integer arithmetic on integers, float ops in
// double rounded once to f32.
#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <unordered_map>

#include "onnx/converters.h"
#include "onnx/index_maps.h"
#include "onnx/shape_rules.h"
#include "onnx/tensor_proto.h"

namespace aimc::onnx_import {

namespace {

// Multi-index of linear index i in a shape with strides st.
void unravel(int64_t i, const std::vector<int64_t>& st, std::vector<int64_t>& idx) {
  for (size_t d = 0; d < st.size(); ++d) {
    idx[d] = i / st[d];
    i %= st[d];
  }
}

Tensor permute(const Tensor& t, const std::vector<int64_t>& perm) {
  Shape out_shape(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) out_shape[i] = t.shape()[static_cast<size_t>(perm[i])];
  auto ost = strides_of(out_shape), ist = strides_of(t.shape());
  std::vector<int64_t> idx(perm.size());
  return remap(t, out_shape, [&](int64_t i) {
    unravel(i, ost, idx);
    int64_t src = 0;
    for (size_t d = 0; d < perm.size(); ++d) src += idx[d] * ist[static_cast<size_t>(perm[d])];
    return src;
  });
}

Tensor slice(const Tensor& t, const SliceAttrs& a) {
  size_t r = static_cast<size_t>(t.rank());
  Shape out_shape(r);
  for (size_t d = 0; d < r; ++d) {
    out_shape[d] = slice_length(a.starts[d], a.ends[d], a.steps[d]);
  }
  auto ost = strides_of(out_shape), ist = strides_of(t.shape());
  std::vector<int64_t> idx(r);
  return remap(t, out_shape, [&](int64_t i) {
    unravel(i, ost, idx);
    int64_t src = 0;
    for (size_t d = 0; d < r; ++d) src += (a.starts[d] + idx[d] * a.steps[d]) * ist[d];
    return src;
  });
}

// A folded constant is data the importer computes from the file, element by element: real models
// fold shape tables and masks (a 4096 x 4096 attention mask is 16 M elements), so one beyond half
// the import's fold budget (64 M elements by default) is refused before it is allocated.
const Shape& foldable(const Context& ctx, const Shape& s) {
  const std::optional<int64_t> n = checked_numel(s);
  if (!n || *n > ctx.max_folded_constant()) {
    ctx.fail(fmt::format("folding it gives a constant of shape {}; at most {} elements are folded", shape_str(s),
                         ctx.max_folded_constant()));
  }
  return s;
}

// Broadcast source shape `s` (right-aligned) into `out`: linear source index for output i.
Shape broadcast_shape(const Context& ctx, const Shape& a, const Shape& b) {
  size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da != db && da != 1 && db != 1) ctx.fail(fmt::format("shapes {} and {} do not broadcast", shape_str(a), shape_str(b)));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

void set_from_double(Tensor& t, int64_t i, double v) {
  switch (t.dtype()) {
    case DType::f32:
      t.data<float>()[i] = static_cast<float>(v);
      break;
    case DType::i32:
      t.data<int32_t>()[i] = static_cast<int32_t>(v);
      break;
    case DType::i64:
      t.data<int64_t>()[i] = static_cast<int64_t>(v);
      break;
    case DType::i8:
      t.data<int8_t>()[i] = static_cast<int8_t>(v);
      break;
    case DType::u8:
      t.data<uint8_t>()[i] = static_cast<uint8_t>(v);
      break;
  }
}

// The element-wise ops folding evaluates, named once (not per element).
// Mod: ONNX Mod with fmod = 0 (integers; the result takes the divisor's sign, as Python's %);
// FMod: fmod = 1 (C's fmod / %: the dividend's sign).
enum class BinaryOp { Add, Sub, Mul, Div, Pow, Mod, FMod, Equal, Less, Greater, LessOrEqual, GreaterOrEqual, Min, Max };
enum class UnaryOp { Neg, Abs, Sqrt, Floor, Ceil, Not, Reciprocal, Exp };

std::optional<BinaryOp> binary_op(const std::string& op) {
  static const std::unordered_map<std::string, BinaryOp> ops = {
      {"Add", BinaryOp::Add},   {"Sub", BinaryOp::Sub},         {"Mul", BinaryOp::Mul},
      {"Div", BinaryOp::Div},   {"Pow", BinaryOp::Pow},         {"Equal", BinaryOp::Equal},
      {"Less", BinaryOp::Less}, {"Greater", BinaryOp::Greater}, {"LessOrEqual", BinaryOp::LessOrEqual},
      {"Min", BinaryOp::Min},   {"Max", BinaryOp::Max},         {"GreaterOrEqual", BinaryOp::GreaterOrEqual},
      {"Mod", BinaryOp::Mod}};
  auto it = ops.find(op);
  return it == ops.end() ? std::nullopt : std::optional<BinaryOp>(it->second);
}

std::optional<UnaryOp> unary_op(const std::string& op) {
  static const std::unordered_map<std::string, UnaryOp> ops = {{"Neg", UnaryOp::Neg},
                                                               {"Abs", UnaryOp::Abs},
                                                               {"Sqrt", UnaryOp::Sqrt},
                                                               {"Floor", UnaryOp::Floor},
                                                               {"Ceil", UnaryOp::Ceil},
                                                               {"Not", UnaryOp::Not},
                                                               {"Reciprocal", UnaryOp::Reciprocal},
                                                               {"Exp", UnaryOp::Exp}};
  auto it = ops.find(op);
  return it == ops.end() ? std::nullopt : std::optional<UnaryOp>(it->second);
}

bool is_comparison(BinaryOp op) {
  return op == BinaryOp::Equal || op == BinaryOp::Less || op == BinaryOp::Greater || op == BinaryOp::LessOrEqual ||
         op == BinaryOp::GreaterOrEqual;
}

// A comparison (1 or 0), Min or Max in the operands' own type.
template <class T>
T order_op(BinaryOp op, T x, T y) {
  switch (op) {
    case BinaryOp::Equal:
      return x == y;
    case BinaryOp::Less:
      return x < y;
    case BinaryOp::Greater:
      return x > y;
    case BinaryOp::LessOrEqual:
      return x <= y;
    case BinaryOp::GreaterOrEqual:
      return x >= y;
    case BinaryOp::Min:
      return std::min(x, y);
    case BinaryOp::Max:
      return std::max(x, y);
    default:
      throw InternalError("constant folding: not a comparison, Min or Max");
  }
}

// One element in exact int64 arithmetic; nullopt when the result does not fit 64 bits. Pre: y ≠ 0
// for Div.
std::optional<int64_t> apply_int(BinaryOp op, int64_t x, int64_t y) {
  int64_t r = 0;
  switch (op) {
    case BinaryOp::Add:
      return __builtin_add_overflow(x, y, &r) ? std::nullopt : std::optional<int64_t>(r);
    case BinaryOp::Sub:
      return __builtin_sub_overflow(x, y, &r) ? std::nullopt : std::optional<int64_t>(r);
    case BinaryOp::Mul:
      return __builtin_mul_overflow(x, y, &r) ? std::nullopt : std::optional<int64_t>(r);
    case BinaryOp::Div:
      if (x == std::numeric_limits<int64_t>::min() && y == -1) return std::nullopt;
      return x / y;
    case BinaryOp::Mod:
    case BinaryOp::FMod:
      if (y == -1) return 0;
      r = x % y;
      if (op == BinaryOp::Mod && r != 0 && ((r < 0) != (y < 0))) r += y;
      return r;
    case BinaryOp::Pow: {
      const double p = std::pow(static_cast<double>(x), static_cast<double>(y));
      if (!(std::fabs(p) < 9.2e18)) return std::nullopt;
      return static_cast<int64_t>(p);
    }
    default:
      return order_op(op, x, y);
  }
}

// One element of f32 operands (one f32 operation: the same as in double, rounded once to f32).
double apply_float(BinaryOp op, float x, float y) {
  switch (op) {
    case BinaryOp::Add:
      return x + y;
    case BinaryOp::Sub:
      return x - y;
    case BinaryOp::Mul:
      return x * y;
    case BinaryOp::Div:
      return x / y;
    case BinaryOp::Pow:
      return std::pow(x, y);
    case BinaryOp::Mod:
    case BinaryOp::FMod:
      return std::fmod(x, y);
    default:
      return order_op(op, x, y);
  }
}

double apply(UnaryOp op, double x) {
  switch (op) {
    case UnaryOp::Neg:
      return -x;
    case UnaryOp::Abs:
      return std::fabs(x);
    case UnaryOp::Sqrt:
      return std::sqrt(x);
    case UnaryOp::Floor:
      return std::floor(x);
    case UnaryOp::Ceil:
      return std::ceil(x);
    case UnaryOp::Not:
      return x == 0;
    case UnaryOp::Reciprocal:
      return 1.0 / x;
    case UnaryOp::Exp:
      return std::exp(x);
  }
  return 0;
}

// Integer tensors are computed in int64 (exact); floats in double.
Tensor binary(const Context& ctx, const Tensor& a, const Tensor& b, const std::string& name, BinaryOp op) {
  if (a.dtype() != b.dtype()) ctx.fail("input types differ");
  Shape shape = broadcast_shape(ctx, a.shape(), b.shape());
  Tensor out(is_comparison(op) ? DType::u8 : a.dtype(), foldable(ctx, shape));
  Broadcaster ba(shape, a.shape()), bb(shape, b.shape());
  bool integer = a.dtype() != DType::f32;
  std::vector<int64_t> ai = integer ? a.to_int64_vector() : std::vector<int64_t>{};
  std::vector<int64_t> bi = integer ? b.to_int64_vector() : std::vector<int64_t>{};
  for (int64_t i = 0; i < out.numel(); ++i) {
    int64_t ia = ba(i), ib = bb(i);
    if (integer) {
      const int64_t x = ai[static_cast<size_t>(ia)], y = bi[static_cast<size_t>(ib)];
      if ((op == BinaryOp::Div || op == BinaryOp::Mod || op == BinaryOp::FMod) && y == 0) {
        ctx.fail("integer division by zero");
      }
      const std::optional<int64_t> r = apply_int(op, x, y);
      if (!r) ctx.fail(fmt::format("integer {} of {} and {} overflows 64 bits", name, x, y));
      if (out.dtype() == DType::i64) {
        out.data<int64_t>()[i] = *r;
      } else {
        set_from_double(out, i, static_cast<double>(*r));
      }
    } else {
      set_from_double(out, i, apply_float(op, a.data<float>()[ia], b.data<float>()[ib]));
    }
  }
  return out;
}

// Integer tensors stay exact: Floor and Ceil keep them, and a result int64 cannot hold (Neg or Abs of −2^63, a
// large Exp) is an error, as in `binary`.
Tensor unary(const Context& ctx, const Tensor& a, UnaryOp op) {
  Tensor out(op == UnaryOp::Not ? DType::u8 : a.dtype(), a.shape());
  for (int64_t i = 0; i < a.numel(); ++i) {
    const double r = apply(op, a.as_double(i));
    if (a.dtype() == DType::i64 && op != UnaryOp::Not) {
      const int64_t x = a.data<int64_t>()[i];
      if (op == UnaryOp::Floor || op == UnaryOp::Ceil) {
        out.data<int64_t>()[i] = x;
      } else if (op == UnaryOp::Neg && x != std::numeric_limits<int64_t>::min()) {
        out.data<int64_t>()[i] = -x;
      } else if (op != UnaryOp::Neg && r >= -0x1p63 && r < 0x1p63) {
        out.data<int64_t>()[i] = static_cast<int64_t>(r);
      } else {
        ctx.fail(fmt::format("the integer result for {} does not fit 64 bits", x));
      }
    } else {
      set_from_double(out, i, r);
    }
  }
  return out;
}

Tensor constant_attr(const Context& ctx) {
  if (const auto* a = ctx.attr("value")) return tensor_from_proto(a->t(), ctx.model_dir());
  if (const auto* a = ctx.attr("value_float")) return Tensor::scalar<float>(a->f());
  if (const auto* a = ctx.attr("value_int")) return Tensor::scalar<int64_t>(a->i());
  if (auto v = ctx.attr_floats("value_floats")) return Tensor::from<float>(*v, {static_cast<int64_t>(v->size())});
  if (auto v = ctx.attr_ints("value_ints")) return Tensor::from<int64_t>(*v, {static_cast<int64_t>(v->size())});
  ctx.fail("Constant without a supported value attribute (value, value_float(s), value_int(s))");
}

Tensor cast_to(const Tensor& t, DType to, bool to_bool) {
  if (!to_bool) return t.cast(to);
  Tensor out(DType::u8, t.shape());
  for (int64_t i = 0; i < t.numel(); ++i) out.data<uint8_t>()[i] = t.as_double(i) != 0;
  return out;
}

bool all_inputs_constant(const Context& ctx) {
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) continue;
    if (ctx.pending_quant(ctx.input_name(i))) return false;
    if (!ctx.input_value(i).is_constant()) return false;
  }
  return true;
}

const Tensor& c(const Context& ctx, size_t i) { return *ctx.input_value(i).constant; }

}  // namespace

bool try_fold(Context& ctx) {
  const std::string& op = ctx.node().op_type();
  if (op == "Constant") {
    ctx.constant_output(0, constant_attr(ctx));
    return true;
  }
  if (op == "Shape") {
    const Shape& s = ctx.input_value(0).shape;
    auto rank = static_cast<int64_t>(s.size());
    int64_t start = ctx.attr_int("start", 0), end = ctx.attr_int("end", rank);
    if (start < 0) start += rank;
    if (end < 0) end += rank;
    start = std::clamp<int64_t>(start, 0, rank);
    end = std::clamp<int64_t>(end, start, rank);
    std::vector<int64_t> dims(s.begin() + start, s.begin() + end);
    ctx.constant_output(0, Tensor::from<int64_t>(dims, {static_cast<int64_t>(dims.size())}));
    return true;
  }
  if (op == "Size") {
    ctx.constant_output(0, Tensor::scalar<int64_t>(numel(ctx.input_value(0).shape)));
    return true;
  }
  if (op == "QuantizeLinear" || op == "DequantizeLinear" || !all_inputs_constant(ctx) || ctx.num_inputs() == 0) {
    return false;
  }
  if (op == "Identity" || op == "Dropout") {
    ctx.alias_output(0, ctx.input(0));
    return true;  // nothing computed
  }
  if (op == "ConstantOfShape") {
    std::vector<int64_t> dims = ctx.constant_ints(0, "shape");
    Tensor fill = ctx.attr("value") ? tensor_from_proto(ctx.attr("value")->t(), ctx.model_dir()) : Tensor::scalar<float>(0);
    if (fill.numel() != 1) ctx.fail("ConstantOfShape: value must hold exactly one element");
    Tensor out = Tensor::uninitialized(fill.dtype(), foldable(ctx, dims));
    const size_t es = dtype_size(fill.dtype());
    for (int64_t i = 0; i < out.numel(); ++i) std::memcpy(out.raw() + i * es, fill.raw(), es);
    ctx.constant_output(0, out);
  } else if (op == "Range") {
    const Tensor& s = c(ctx, 0);
    double start = s.as_double(0), limit = c(ctx, 1).as_double(0), delta = c(ctx, 2).as_double(0);
    if (delta == 0) ctx.fail("Range delta is 0");
    const double count = std::max(0.0, std::ceil((limit - start) / delta));
    if (!(count <= static_cast<double>(ctx.max_folded_constant()))) {
      ctx.fail(
          fmt::format("Range from {} to {} by {} has more than {} elements", start, limit, delta, ctx.max_folded_constant()));
    }
    auto n = static_cast<int64_t>(count);
    Tensor out(s.dtype(), {n});
    for (int64_t i = 0; i < n; ++i) set_from_double(out, i, start + static_cast<double>(i) * delta);
    ctx.constant_output(0, out);
  } else if (op == "NonZero") {
    // The indices of the non-zero elements, [rank, count] in row-major order (torch before opset 11 exports
    // arange over a static size this way).
    const Tensor& x = c(ctx, 0);
    std::vector<int64_t> at;
    for (int64_t i = 0; i < x.numel(); ++i) {
      if (x.as_double(i) != 0) at.push_back(i);
    }
    const auto n = static_cast<int64_t>(at.size());
    const auto st = strides_of(x.shape());
    std::vector<int64_t> idx(st.size());
    Tensor out(DType::i64, {x.rank(), n});
    for (int64_t k = 0; k < n; ++k) {
      unravel(at[static_cast<size_t>(k)], st, idx);
      for (size_t d = 0; d < idx.size(); ++d) out.data<int64_t>()[static_cast<int64_t>(d) * n + k] = idx[d];
    }
    ctx.constant_output(0, out);
  } else if (op == "Cast") {
    bool to_bool = ctx.attr_int("to", 0) == onnx::TensorProto::BOOL;
    ctx.constant_output(0, cast_to(c(ctx, 0), cast_target(ctx), to_bool));
  } else if (op == "Reshape") {
    ctx.constant_output(0, c(ctx, 0).clone().reshaped(reshape_target(ctx, c(ctx, 0).shape(), ctx.constant_ints(1, "shape"),
                                                                     ctx.attr_int("allowzero", 0) != 0)));
  } else if (op == "Flatten") {
    ctx.constant_output(0, c(ctx, 0).clone().reshaped(flatten_target(ctx, c(ctx, 0).shape(), ctx.attr_int("axis", 1))));
  } else if (op == "Squeeze") {
    ctx.constant_output(0, c(ctx, 0).clone().reshaped(squeeze_target(ctx, c(ctx, 0).shape(), squeeze_axes(ctx), -1)));
  } else if (op == "Unsqueeze") {
    auto axes = squeeze_axes(ctx);
    if (!axes) ctx.fail("axes are required");
    ctx.constant_output(0, c(ctx, 0).clone().reshaped(unsqueeze_target(ctx, c(ctx, 0).shape(), *axes)));
  } else if (op == "Transpose") {
    ctx.constant_output(0, permute(c(ctx, 0), transpose_perm(ctx, static_cast<size_t>(c(ctx, 0).rank()))));
  } else if (op == "Slice") {
    ctx.constant_output(0, slice(c(ctx, 0), slice_attrs(ctx, c(ctx, 0).shape())));
  } else if (op == "Concat") {
    const Tensor& first = c(ctx, 0);
    int64_t axis = axis_arg(ctx, ctx.attr_int("axis", 0), first.rank());
    // Concatenate along `axis` by viewing each input as [outer, len, inner].
    int64_t outer = numel(Shape(first.shape().begin(), first.shape().begin() + axis));
    int64_t inner = numel(Shape(first.shape().begin() + axis + 1, first.shape().end()));
    Shape out_shape = first.shape();
    out_shape[static_cast<size_t>(axis)] = 0;
    for (size_t i = 0; i < ctx.num_inputs(); ++i) {
      const Tensor& t = c(ctx, i);
      if (t.dtype() != first.dtype() || t.rank() != first.rank()) ctx.fail("Concat inputs differ in type or rank");
      for (int64_t d = 0; d < first.rank(); ++d) {
        if (d != axis && t.dim(d) != first.dim(d)) {
          ctx.fail(
              fmt::format("Concat inputs {} and {} differ off axis {}", shape_str(first.shape()), shape_str(t.shape()), axis));
        }
      }
      int64_t& len = out_shape[static_cast<size_t>(axis)];
      if (__builtin_add_overflow(len, t.dim(axis), &len)) ctx.fail("Concat: the concatenated length exceeds 2^63");
    }
    Tensor out(first.dtype(), foldable(ctx, out_shape));
    size_t es = dtype_size(first.dtype());
    int64_t offset = 0, total = out_shape[static_cast<size_t>(axis)];
    for (size_t i = 0; i < ctx.num_inputs(); ++i) {
      const Tensor& t = c(ctx, i);
      int64_t len = t.dim(axis);
      for (int64_t o = 0; o < outer; ++o) {
        std::memcpy(out.raw() + ((o * total + offset) * inner) * es, t.raw() + (o * len * inner) * es,
                    static_cast<size_t>(len * inner) * es);
      }
      offset += len;
    }
    ctx.constant_output(0, out);
  } else if (op == "Gather") {
    const Tensor& data = c(ctx, 0);
    int64_t axis = axis_arg(ctx, ctx.attr_int("axis", 0), data.rank());
    std::vector<int64_t> idx = ctx.constant_ints(1, "indices");
    int64_t dim = data.dim(axis);
    for (int64_t& i : idx) {
      if (i < -dim || i >= dim) ctx.fail(fmt::format("index {} out of range for dimension {}", i, dim));
      if (i < 0) i += dim;
    }
    const Shape& ds = data.shape();
    Shape out_shape(ds.begin(), ds.begin() + axis);
    out_shape.insert(out_shape.end(), c(ctx, 1).shape().begin(), c(ctx, 1).shape().end());
    out_shape.insert(out_shape.end(), ds.begin() + axis + 1, ds.end());
    int64_t inner = numel(Shape(ds.begin() + axis + 1, ds.end()));
    auto n_idx = static_cast<int64_t>(idx.size());
    ctx.constant_output(0, remap(data, foldable(ctx, out_shape), [&](int64_t i) {
                          int64_t in = i % inner, rest = i / inner;
                          int64_t k = rest % n_idx, o = rest / n_idx;
                          return (o * dim + idx[static_cast<size_t>(k)]) * inner + in;
                        }));
  } else if (op == "Expand") {
    const Tensor& t = c(ctx, 0);
    Shape target = ctx.constant_ints(1, "shape");
    Shape out_shape = broadcast_shape(ctx, t.shape(), target);
    Broadcaster b(out_shape, t.shape());
    ctx.constant_output(0, remap(t, foldable(ctx, out_shape), b));
  } else if (op == "ReduceProd") {  // of constants only: torch's std and var export their element count so
    const Tensor& t = c(ctx, 0);
    const auto rank = static_cast<int64_t>(t.rank());
    std::vector<int64_t> axes = ctx.attr_ints("axes").value_or(std::vector<int64_t>{});
    if (axes.empty()) {
      for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
    }
    std::vector<char> reduced(static_cast<size_t>(rank), 0);
    for (int64_t& a : axes) reduced[static_cast<size_t>(axis_arg(ctx, a, rank))] = 1;
    const bool keep = ctx.attr_int("keepdims", 1) != 0;
    Shape kept, out_shape;
    for (int64_t d = 0; d < rank; ++d) {
      const bool r = reduced[static_cast<size_t>(d)] != 0;
      kept.push_back(r ? 1 : t.dim(d));
      if (!r || keep) out_shape.push_back(r ? 1 : t.dim(d));
    }
    Tensor out(t.dtype(), foldable(ctx, out_shape));
    std::vector<double> product(static_cast<size_t>(out.numel()), 1.0);
    const auto ist = strides_of(t.shape()), kst = strides_of(kept);
    std::vector<int64_t> idx(static_cast<size_t>(rank));
    for (int64_t i = 0; i < t.numel(); ++i) {
      unravel(i, ist, idx);
      int64_t o = 0;
      for (size_t d = 0; d < idx.size(); ++d) o += (reduced[d] != 0 ? 0 : idx[d]) * kst[d];
      product[static_cast<size_t>(o)] *= t.as_double(i);
    }
    for (int64_t i = 0; i < out.numel(); ++i) set_from_double(out, i, product[static_cast<size_t>(i)]);
    ctx.constant_output(0, out);
  } else if (op == "Where") {
    const Tensor &cond = c(ctx, 0), &x = c(ctx, 1), &y = c(ctx, 2);
    Shape s = broadcast_shape(ctx, broadcast_shape(ctx, cond.shape(), x.shape()), y.shape());
    Broadcaster bc(s, cond.shape()), bx(s, x.shape()), by(s, y.shape());
    Tensor out(x.dtype(), foldable(ctx, s));
    size_t es = dtype_size(x.dtype());
    for (int64_t i = 0; i < out.numel(); ++i) {
      const Tensor& src = cond.as_double(bc(i)) != 0 ? x : y;
      int64_t si = &src == &x ? bx(i) : by(i);
      std::memcpy(out.raw() + i * es, src.raw() + si * es, es);
    }
    ctx.constant_output(0, out);
  } else if (op == "ScatterND") {  // constant masks (Swin's shifted windows): data with slices replaced
    if (ctx.attr_string("reduction", "none") != "none") ctx.fail("ScatterND with a reduction is not supported");
    const Tensor &data = c(ctx, 0), &updates = c(ctx, 2);
    const std::vector<int64_t> idx = ctx.constant_ints(1, "indices");
    const Shape& is = c(ctx, 1).shape();
    if (is.empty() || data.dtype() != updates.dtype()) ctx.fail("ScatterND: bad indices or update type");
    const int64_t k = is.back();
    if (k < 1 || k > data.rank()) ctx.fail("ScatterND: index depth out of range");
    const int64_t n = static_cast<int64_t>(idx.size()) / k;
    const auto ds = strides_of(data.shape());
    const int64_t slice = numel(Shape(data.shape().begin() + k, data.shape().end()));
    if (updates.numel() != n * slice) ctx.fail("ScatterND: updates do not match the indices");
    Tensor out = data.clone();
    const size_t es = dtype_size(data.dtype());
    for (int64_t j = 0; j < n; ++j) {
      int64_t off = 0;
      for (int64_t d = 0; d < k; ++d) {
        int64_t v = idx[static_cast<size_t>(j * k + d)];
        const int64_t dim = data.dim(d);
        if (v < -dim || v >= dim) ctx.fail(fmt::format("ScatterND: index {} out of range for dimension {}", v, dim));
        off += (v < 0 ? v + dim : v) * ds[static_cast<size_t>(d)];
      }
      std::memcpy(out.raw() + off * es, updates.raw() + j * slice * es, static_cast<size_t>(slice) * es);
    }
    ctx.constant_output(0, out);
  } else if (op == "Trilu") {  // a causal mask: keep the upper (or lower) triangle from diagonal k
    const Tensor& t = c(ctx, 0);
    if (t.rank() < 2) ctx.fail("Trilu needs a rank of at least 2");
    const int64_t k = ctx.has_input(1) ? ctx.constant_ints(1, "k").at(0) : 0;
    const bool upper = ctx.attr_int("upper", 1) != 0;
    const int64_t rows = t.dim(-2), cols = t.dim(-1);
    Tensor out = t.clone();
    for (int64_t i = 0; i < out.numel(); ++i) {
      const int64_t col = i % cols, row = (i / cols) % rows;
      if (upper ? col - row < k : col - row > k) set_from_double(out, i, 0.0);
    }
    ctx.constant_output(0, out);
  } else if (std::optional<BinaryOp> b = binary_op(op)) {
    if (ctx.num_inputs() != 2) return false;
    if (*b == BinaryOp::Mod && (ctx.attr_int("fmod", 0) != 0 || c(ctx, 0).dtype() == DType::f32)) {
      if (ctx.attr_int("fmod", 0) == 0) ctx.fail("Mod of floats needs fmod=1");
      b = BinaryOp::FMod;
    }
    ctx.constant_output(0, binary(ctx, c(ctx, 0), c(ctx, 1), op, *b));
  } else if (const std::optional<UnaryOp> u = unary_op(op)) {
    ctx.constant_output(0, unary(ctx, c(ctx, 0), *u));
  } else {
    return false;  // e.g. Conv on constants: left to the executor's constant evaluation
  }
  if (ctx.num_outputs() > 0 && !ctx.output_name(0).empty()) {
    if (const std::optional<ValueId> v = ctx.lookup(ctx.output_name(0)); v && ctx.graph().value(*v).is_constant()) {
      ctx.count_folded(ctx.graph().value(*v).constant->numel());
    }
  }
  return true;
}

Tensor permuted(const Tensor& t, const std::vector<int64_t>& perm) { return permute(t, perm); }

}  // namespace aimc::onnx_import
