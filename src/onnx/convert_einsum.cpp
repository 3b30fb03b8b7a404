// Einsum (one or two operands, explicit or implicit output, "..." broadcast dims), lowered to the ops
// the compiler maps: indices summed in one operand only -> ReduceSum; two operands -> Transpose each
// to [shared batch..., its own free..., contracted...], MatMul, then Reshape/Transpose to the output
// order. The contracted indices (and the right operand's free ones) are merged into one axis each; the
// left operand's free indices stay separate axes (MatMul broadcasts over them), so the model's batch
// axis is never merged with another. A constant operand goes on the right and is permuted and
// reshaped here, so "bld,dk->blk" with a constant weight becomes a MatMul with a 2-D constant: a
// crossbar layer. Repeated indices within one operand (diagonals) are refused.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "onnx/converters.h"

namespace aimc::onnx_import {

namespace {

struct Operand {
  std::string letters;  // one index letter per axis
  ValueId value = kNoValue;
  bool constant = false;
  Tensor tensor;  // when constant
  Shape shape;
};

std::string strip_spaces(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
  return s;
}

// Replaces "..." in `term` by the last `count` letters of `ellipsis`.
std::string expand(const Context& ctx, const std::string& term, size_t rank, const std::string& ellipsis) {
  const size_t dots = term.find("...");
  if (dots == std::string::npos) return term;
  const std::string rest = term.substr(0, dots) + term.substr(dots + 3);
  if (rest.find('.') != std::string::npos) ctx.fail(fmt::format("term '{}' has more than one ellipsis", term));
  if (rest.size() > rank) ctx.fail(fmt::format("term '{}' has more indices than its operand's rank {}", term, rank));
  const size_t count = rank - rest.size();
  return term.substr(0, dots) + ellipsis.substr(ellipsis.size() - count) + term.substr(dots + 3);
}

}  // namespace

void einsum(Context& ctx) {
  ctx.expect_attrs({"equation"});
  const std::string equation = strip_spaces(ctx.attr_string("equation", ""));
  const size_t arrow = equation.find("->");
  const std::string lhs = equation.substr(0, arrow);
  std::vector<std::string> terms;
  for (size_t start = 0;;) {
    const size_t comma = lhs.find(',', start);
    terms.push_back(lhs.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (terms.size() != ctx.num_inputs() || terms.empty() || terms.size() > 2) {
    ctx.fail(
        fmt::format("equation '{}' with {} operand(s): expected one or two terms, one per input", equation, ctx.num_inputs()));
  }
  for (char c : equation) {
    if (!std::isalpha(static_cast<unsigned char>(c)) && c != ',' && c != '.' && c != '-' && c != '>') {
      ctx.fail(fmt::format("equation '{}' has the character '{}'; expected letters, ',', '...' and '->'", equation, c));
    }
  }
  // Letters for "..." axes: capitals the equation does not use, enough for the largest ellipsis.
  size_t max_ellipsis = 0;
  std::vector<Operand> ops(terms.size());
  for (size_t i = 0; i < terms.size(); ++i) {
    ops[i].value = ctx.input(i);
    ops[i].shape = ctx.input_value(i).shape;
    ops[i].constant = ctx.input_is_constant(i);
    if (ops[i].constant) ops[i].tensor = ctx.constant_input(i, "Einsum operand");
    if (terms[i].find("...") != std::string::npos) {
      const size_t explicit_count = terms[i].size() - 3;
      if (ops[i].shape.size() >= explicit_count) max_ellipsis = std::max(max_ellipsis, ops[i].shape.size() - explicit_count);
    }
  }
  std::string ellipsis;
  for (char c = 'Z'; c >= 'A' && ellipsis.size() < max_ellipsis; --c) {
    if (equation.find(c) == std::string::npos) ellipsis.insert(ellipsis.begin(), c);
  }
  if (ellipsis.size() < max_ellipsis) ctx.fail("too many axes under '...'");
  std::map<char, int64_t> size_of;
  std::map<char, int> count;
  for (size_t i = 0; i < terms.size(); ++i) {
    ops[i].letters = expand(ctx, terms[i], ops[i].shape.size(), ellipsis);
    if (ops[i].letters.size() != ops[i].shape.size()) {
      ctx.fail(fmt::format("term '{}' names {} axes; operand {} has shape {}", terms[i], ops[i].letters.size(), i,
                           shape_str(ops[i].shape)));
    }
    for (size_t a = 0; a < ops[i].letters.size(); ++a) {
      const char c = ops[i].letters[a];
      if (std::count(ops[i].letters.begin(), ops[i].letters.end(), c) > 1) {
        ctx.fail(fmt::format("term '{}' repeats index '{}' (a diagonal), which is not supported", terms[i], c));
      }
      auto [it, fresh] = size_of.emplace(c, ops[i].shape[a]);
      if (!fresh && it->second != ops[i].shape[a]) {
        ctx.fail(fmt::format("index '{}' has sizes {} and {}; expected equal sizes", c, it->second, ops[i].shape[a]));
      }
      ++count[c];
    }
  }
  std::string out;
  if (arrow == std::string::npos) {  // implicit: the ellipsis, then the indices used once, alphabetically
    for (char c : ellipsis) {
      if (count.count(c)) out += c;
    }
    for (auto [c, n] : count) {
      if (n == 1 && ellipsis.find(c) == std::string::npos) out += c;
    }
  } else {
    std::string want_ellipsis;
    for (char c : ellipsis) {
      if (count.count(c)) want_ellipsis += c;
    }
    const std::string rhs = equation.substr(arrow + 2);
    out = rhs.find("...") == std::string::npos ? rhs
                                               : rhs.substr(0, rhs.find("...")) + want_ellipsis + rhs.substr(rhs.find("...") + 3);
  }
  for (char c : out) {
    if (!count.count(c)) ctx.fail(fmt::format("output index '{}' is in no operand", c));
    if (std::count(out.begin(), out.end(), c) > 1) ctx.fail(fmt::format("output index '{}' appears twice", c));
  }
  const auto in = [](const std::string& s, char c) { return s.find(c) != std::string::npos; };
  for (size_t i = 0; i < ops.size(); ++i) {
    const int batch_axis = ctx.input_value(i).batch_axis;
    if (batch_axis >= 0 && !in(out, ops[i].letters[static_cast<size_t>(batch_axis)])) {
      ctx.fail_batch(fmt::format("equation '{}' sums over operand {}'s batch axis (index '{}'); the batch must reach the output",
                                 equation, i, ops[i].letters[static_cast<size_t>(batch_axis)]));
    }
  }

  // Every node but the last is internal; the last (finish) writes the Einsum's output.
  int step = 0;
  auto node = [&](OpKind op, std::vector<ValueId> inputs, Attrs attrs) {
    return ctx.emit_internal(op, std::move(inputs), std::move(attrs), fmt::format("einsum{}", step++));
  };
  // Operand i permuted to `order`, as a value (constants permuted here).
  auto permute_to = [&](Operand& o, const std::string& order) {
    if (o.letters == order) return;
    std::vector<int64_t> perm;
    for (char c : order) perm.push_back(static_cast<int64_t>(o.letters.find(c)));
    Shape s;
    for (int64_t p : perm) s.push_back(o.shape[static_cast<size_t>(p)]);
    if (o.constant) {
      o.tensor = permuted(o.tensor, perm);
    } else {
      o.value = node(OpKind::Transpose, {o.value}, TransposeAttrs{perm});
    }
    o.letters = order;
    o.shape = s;
  };
  auto reshape_to = [&](Operand& o, const Shape& s) {
    if (o.shape == s) return;
    if (o.constant) {
      o.tensor = o.tensor.clone().reshaped(s);
    } else {
      o.value = node(OpKind::Reshape, {o.value}, ReshapeAttrs{s});
    }
    o.shape = s;
  };
  auto value_of = [&](Operand& o) {
    if (o.constant) {
      o.value = ctx.add_constant(fmt::format("einsum{}", step++), o.tensor);
      o.constant = false;
    }
    return o.value;
  };
  // Sums an operand's indices that appear nowhere else.
  auto sum_own = [&](Operand& o, const std::string& others) {
    std::vector<int64_t> axes;
    std::string kept;
    Shape s;
    for (size_t a = 0; a < o.letters.size(); ++a) {
      if (!in(others, o.letters[a]) && !in(out, o.letters[a])) {
        axes.push_back(static_cast<int64_t>(a));
      } else {
        kept += o.letters[a];
        s.push_back(o.shape[a]);
      }
    }
    if (axes.empty()) return;
    o.value = node(OpKind::ReduceSum, {value_of(o)}, ReduceAttrs{.axes = axes, .keepdims = false});
    o.letters = kept;
    o.shape = s;
  };
  auto finish = [&](Operand& o) {
    // o holds the output's indices in some order: one last Transpose (or an Identity-like Reshape).
    std::vector<int64_t> perm;
    for (char c : out) perm.push_back(static_cast<int64_t>(o.letters.find(c)));
    bool identity = true;
    for (size_t i = 0; i < perm.size(); ++i) identity = identity && perm[i] == static_cast<int64_t>(i);
    if (identity) {
      ctx.emit(OpKind::Reshape, {value_of(o)}, ReshapeAttrs{o.shape});
    } else {
      ctx.emit(OpKind::Transpose, {value_of(o)}, TransposeAttrs{perm});
    }
  };

  if (ops.size() == 1) {
    sum_own(ops[0], "");
    finish(ops[0]);
    return;
  }
  // A constant operand goes on the right (out = A·B is computed as B'·A' otherwise).
  if (ops[0].constant && !ops[1].constant) std::swap(ops[0], ops[1]);
  Operand& a = ops[0];
  Operand& b = ops[1];
  sum_own(a, b.letters);
  sum_own(b, a.letters);
  std::string batch, free_a, free_b, contracted;
  for (char c : a.letters) {
    if (in(b.letters, c)) {
      (in(out, c) ? batch : contracted) += c;
    } else {
      free_a += c;
    }
  }
  for (char c : b.letters) {
    if (!in(a.letters, c)) free_b += c;
  }
  // Keep the output's relative order within each group.
  auto by_output = [&](std::string s) {
    std::stable_sort(s.begin(), s.end(), [&](char x, char y) { return out.find(x) < out.find(y); });
    return s;
  };
  batch = by_output(batch);
  free_a = by_output(free_a);
  free_b = by_output(free_b);
  permute_to(a, batch + free_a + contracted);
  permute_to(b, batch + contracted + free_b);
  auto dims = [&](const std::string& s) {
    Shape d;
    for (char c : s) d.push_back(size_of[c]);
    return d;
  };
  auto product = [&](const std::string& s) {
    int64_t p = 1;
    for (char c : s) p *= size_of[c];
    return p;
  };
  // A: [batch..., free_a..., K] (M = 1 appended when it has no free index); B: [batch..., 1 per extra
  // free_a axis..., K, N].
  Shape a_shape = dims(batch + free_a);
  if (free_a.empty()) a_shape.push_back(1);
  a_shape.push_back(product(contracted));
  Shape b_shape = dims(batch);
  if (!batch.empty()) {
    for (size_t i = 1; i < free_a.size(); ++i) b_shape.push_back(1);
  }
  b_shape.push_back(product(contracted));
  b_shape.push_back(product(free_b));
  reshape_to(a, a_shape);
  reshape_to(b, b_shape);
  const ValueId av = value_of(a);
  const ValueId bv = value_of(b);
  Operand r;
  r.value = node(OpKind::MatMul, {av, bv}, Attrs{});
  // [batch..., free_a... (or 1), N] -> [batch..., free_a..., free_b...]
  Shape r_shape = dims(batch);
  for (size_t i = 0; i < free_a.size(); ++i) r_shape.push_back(size_of[free_a[i]]);
  if (free_a.empty()) r_shape.push_back(1);
  r_shape.push_back(product(free_b));
  r.shape = r_shape;
  r.letters = batch + free_a + free_b;
  reshape_to(r, dims(r.letters));
  finish(r);
}

}  // namespace aimc::onnx_import
