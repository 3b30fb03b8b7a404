// Helpers for the reference-executor tests: hand-built graphs, random data, comparisons.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/rng.h"
#include "core/tensor.h"
#include "ir/graph.h"
#include "reference/executor.h"

namespace aimc::test {

// Builds a graph node by node; finish() infers shapes.
class GraphBuilder {
 public:
  ValueId input(const std::string& name, Shape shape, int batch_axis = 0, DType dtype = DType::f32) {
    Value v;
    v.name = name;
    v.shape = std::move(shape);
    v.dtype = dtype;
    v.batch_axis = batch_axis;
    ValueId id = g.add_value(v);
    g.inputs.push_back(id);
    return id;
  }
  ValueId constant(const std::string& name, Tensor t) { return g.add_constant(name, std::move(t)); }
  // Adds a node with `n_outputs` fresh outputs; returns them.
  std::vector<ValueId> nodes(OpKind op, std::vector<ValueId> inputs, Attrs attrs = {}, size_t n_outputs = 1) {
    std::vector<ValueId> outs;
    std::string base = std::string(op_name(op)) + std::to_string(g.num_nodes());
    for (size_t i = 0; i < n_outputs; ++i) {
      Value v;
      v.name = base + "_out" + std::to_string(i);
      outs.push_back(g.add_value(v));
    }
    g.add_node({.name = base, .op = op, .inputs = std::move(inputs), .outputs = outs, .attrs = std::move(attrs)});
    return outs;
  }
  ValueId node(OpKind op, std::vector<ValueId> inputs, Attrs attrs = {}) {
    return nodes(op, std::move(inputs), std::move(attrs))[0];
  }
  void output(ValueId v) { g.outputs.push_back(v); }
  Graph& finish() {
    infer_shapes(g);
    return g;
  }
  Graph g;
};

// Uniform random floats in [lo, hi) (Philox, keyed by seed).
inline Tensor random_tensor(Shape shape, uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
  Tensor t(DType::f32, std::move(shape));
  Rng rng(seed, 0, RngPurpose::test);
  rng.fill_uniform(0, t.span<float>());
  for (float& v : t.span<float>()) v = lo + (hi - lo) * v;
  return t;
}

inline std::vector<Tensor> run_graph(const Graph& g, const std::vector<Tensor>& inputs, int threads = 1) {
  ReferenceExecutor exec(g, ReferenceOptions{.threads = threads});
  return exec.run(inputs);
}

// |got - want| <= atol + rtol·|want| element-wise, reporting the first few mismatches.
inline void expect_close(const Tensor& got, const std::vector<double>& want, double rtol = 1e-4, double atol = 1e-5) {
  ASSERT_EQ(got.numel(), static_cast<int64_t>(want.size())) << "shape " << shape_str(got.shape());
  int bad = 0;
  for (int64_t i = 0; i < got.numel(); ++i) {
    double g = got.as_double(i), w = want[static_cast<size_t>(i)];
    bool ok = g == w || std::fabs(g - w) <= atol + rtol * std::fabs(w) || (std::isnan(g) && std::isnan(w));
    if (!ok && bad++ < 5) ADD_FAILURE() << "element " << i << ": got " << g << ", want " << w;
  }
  EXPECT_EQ(bad, 0) << "of " << got.numel() << " elements";
}

inline std::vector<double> to_doubles(const Tensor& t) {
  std::vector<double> v(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) v[static_cast<size_t>(i)] = t.as_double(i);
  return v;
}

inline std::vector<int64_t> strides_of(const Shape& s) {
  std::vector<int64_t> st(s.size());
  int64_t acc = 1;
  for (size_t i = s.size(); i-- > 0;) {
    st[i] = acc;
    acc *= s[i];
  }
  return st;
}

// Multi-index of flat element i of shape s.
inline std::vector<int64_t> unravel(int64_t i, const Shape& s) {
  std::vector<int64_t> idx(s.size());
  for (size_t d = s.size(); d-- > 0;) {
    idx[d] = s[d] == 0 ? 0 : i % s[d];
    i = s[d] == 0 ? 0 : i / s[d];
  }
  return idx;
}

}  // namespace aimc::test
