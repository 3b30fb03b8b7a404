#include "onnx/shape_rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "onnx/converters.h"

namespace aimc::onnx_import {

Shape reshape_target(const Context& ctx, const Shape& in, const std::vector<int64_t>& target, bool allowzero) {
  Shape out(target.size());
  int infer = -1;
  for (size_t i = 0; i < target.size(); ++i) {
    if (target[i] == -1) {
      if (infer >= 0) ctx.fail(fmt::format("shape {} has more than one -1", shape_str(target)));
      infer = static_cast<int>(i);
      out[i] = 1;
    } else if (target[i] == 0 && !allowzero) {
      if (i >= in.size()) ctx.fail(fmt::format("shape {} copies dim {} of {}", shape_str(target), i, shape_str(in)));
      out[i] = in[i];
    } else if (target[i] < 0) {
      ctx.fail(fmt::format("shape {} has a negative entry", shape_str(target)));
    } else {
      out[i] = target[i];
    }
  }
  if (infer >= 0) {
    int64_t known = numel(out);
    if (known == 0 || numel(in) % known != 0) {
      ctx.fail(fmt::format("cannot reshape {} to {}", shape_str(in), shape_str(target)));
    }
    out[static_cast<size_t>(infer)] = numel(in) / known;
  }
  if (numel(out) != numel(in)) ctx.fail(fmt::format("cannot reshape {} to {}", shape_str(in), shape_str(target)));
  return out;
}

Shape flatten_target(const Context& ctx, const Shape& in, int64_t axis) {
  auto rank = static_cast<int64_t>(in.size());
  if (axis < 0) axis += rank;
  if (axis < 0 || axis > rank) ctx.fail(fmt::format("axis {} is out of range for rank {}", axis, rank));
  return {numel(Shape(in.begin(), in.begin() + axis)), numel(Shape(in.begin() + axis, in.end()))};
}

std::optional<std::vector<int64_t>> squeeze_axes(const Context& ctx) {
  if (auto a = ctx.attr_ints("axes")) return a;
  if (ctx.has_input(1)) return ctx.constant_ints(1, "axes");
  return std::nullopt;
}

Shape squeeze_target(const Context& ctx, const Shape& in, const std::optional<std::vector<int64_t>>& axes, int keep_axis) {
  auto rank = static_cast<int64_t>(in.size());
  std::vector<char> drop(in.size(), 0);
  if (axes) {
    for (int64_t a : *axes) {
      int64_t ax = axis_arg(ctx, a, rank);
      if (in[static_cast<size_t>(ax)] != 1) {
        ctx.fail(fmt::format("cannot squeeze axis {} of size {} in {}", a, in[static_cast<size_t>(ax)], shape_str(in)));
      }
      drop[static_cast<size_t>(ax)] = 1;
    }
  } else {
    for (size_t i = 0; i < in.size(); ++i) drop[i] = in[i] == 1 && static_cast<int>(i) != keep_axis;
  }
  Shape out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (!drop[i]) out.push_back(in[i]);
  }
  return out;
}

Shape unsqueeze_target(const Context& ctx, const Shape& in, const std::vector<int64_t>& axes) {
  auto rank = static_cast<int64_t>(in.size() + axes.size());
  std::vector<char> inserted(static_cast<size_t>(rank), 0);
  for (int64_t a : axes) {
    int64_t ax = axis_arg(ctx, a, rank);
    if (inserted[static_cast<size_t>(ax)]) ctx.fail("repeated axis in Unsqueeze");
    inserted[static_cast<size_t>(ax)] = 1;
  }
  Shape out;
  size_t next = 0;
  for (int64_t i = 0; i < rank; ++i) out.push_back(inserted[static_cast<size_t>(i)] ? 1 : in[next++]);
  return out;
}

std::vector<int64_t> transpose_perm(const Context& ctx, size_t rank) {
  std::vector<int64_t> perm;
  if (auto p = ctx.attr_ints("perm")) {
    perm = *p;
  } else {
    for (size_t i = rank; i-- > 0;) perm.push_back(static_cast<int64_t>(i));
  }
  if (perm.size() != rank) ctx.fail(fmt::format("perm {} does not match rank {}", shape_str(perm), rank));
  std::vector<char> seen(rank, 0);
  for (int64_t& p : perm) {
    p = axis_arg(ctx, p, static_cast<int64_t>(rank));
    if (seen[static_cast<size_t>(p)]++ != 0) ctx.fail(fmt::format("perm {} names axis {} twice", shape_str(perm), p));
  }
  return perm;
}

SliceAttrs slice_attrs(const Context& ctx, const Shape& in) {
  std::vector<int64_t> starts, ends, axes, steps;
  if (ctx.opset() < 10) {
    starts = ctx.attr_ints("starts").value_or(std::vector<int64_t>{});
    ends = ctx.attr_ints("ends").value_or(std::vector<int64_t>{});
    axes = ctx.attr_ints("axes").value_or(std::vector<int64_t>{});
  } else {
    starts = ctx.constant_ints(1, "starts");
    ends = ctx.constant_ints(2, "ends");
    if (ctx.has_input(3)) axes = ctx.constant_ints(3, "axes");
    if (ctx.has_input(4)) steps = ctx.constant_ints(4, "steps");
  }
  if (axes.empty()) {
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  }
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (starts.size() != ends.size() || axes.size() != starts.size() || steps.size() != starts.size()) {
    ctx.fail("starts, ends, axes and steps have different lengths");
  }
  size_t r = in.size();
  SliceAttrs s;
  s.starts.assign(r, 0);
  s.ends = in;
  s.steps.assign(r, 1);
  for (size_t k = 0; k < axes.size(); ++k) {
    auto ax = static_cast<size_t>(axis_arg(ctx, axes[k], static_cast<int64_t>(r)));
    int64_t dim = in[ax], step = steps[k];
    if (step == 0) ctx.fail("slice step is 0");
    step = std::clamp<int64_t>(step, -std::max<int64_t>(dim, 1), std::max<int64_t>(dim, 1));  // no longer than the dim
    int64_t st = starts[k], en = ends[k];
    if (st < 0) st = st < std::numeric_limits<int64_t>::min() + dim ? 0 : st + dim;
    if (en < 0) en = en < std::numeric_limits<int64_t>::min() + dim ? -1 : en + dim;
    if (step > 0) {
      st = std::clamp<int64_t>(st, 0, dim);
      en = std::clamp<int64_t>(en, 0, dim);
    } else {
      st = std::clamp<int64_t>(st, 0, dim - 1);
      en = std::clamp<int64_t>(en, -1, dim - 1);
    }
    s.starts[ax] = st;
    s.ends[ax] = en;
    s.steps[ax] = step;
  }
  return s;
}

SplitAttrs split_attrs(const Context& ctx, const Shape& in) {
  SplitAttrs a;
  a.axis = axis_arg(ctx, ctx.attr_int("axis", 0), static_cast<int64_t>(in.size()));
  int64_t dim = in[static_cast<size_t>(a.axis)];
  if (auto s = ctx.attr_ints("split")) {
    a.sizes = *s;
  } else if (ctx.has_input(1)) {
    a.sizes = ctx.constant_ints(1, "split");
  } else {
    auto n = static_cast<int64_t>(ctx.num_outputs());
    if (n == 0 || dim % n != 0) ctx.fail(fmt::format("cannot split {} equally into {} outputs", dim, n));
    a.sizes.assign(static_cast<size_t>(n), dim / n);
  }
  if (a.sizes.size() != ctx.num_outputs()) {
    ctx.fail(fmt::format("{} split sizes for {} outputs", a.sizes.size(), ctx.num_outputs()));
  }
  return a;
}

PadAttrs pad_attrs(const Context& ctx, size_t rank) {
  PadAttrs a;
  if (ctx.opset() < 11) {
    a.pads = ctx.attr_ints("pads").value_or(std::vector<int64_t>{});
    a.value = ctx.attr_float("value", 0.0f);
  } else {
    a.pads = ctx.constant_ints(1, "pads");
    if (ctx.has_input(2)) {
      const Tensor& v = ctx.constant_input(2, "constant_value");
      if (v.numel() != 1) ctx.fail("constant_value must be a scalar");
      a.value = static_cast<float>(v.as_double(0));
    }
    if (ctx.has_input(3)) ctx.fail("the axes input of Pad is not supported");
  }
  if (a.pads.size() != 2 * rank) ctx.fail(fmt::format("{} pads for rank {}", a.pads.size(), rank));
  return a;
}

}  // namespace aimc::onnx_import
