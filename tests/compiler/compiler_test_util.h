// Builders for the compiler tests: small graphs made in C++ and chips from the presets.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "chip/loader.h"
#include "compiler/pipeline.h"
#include "core/error.h"
#include "ir/graph.h"
#include "program/program.h"
#include "test_errors.h"
#include "test_presets.h"

namespace aimc::test {

// Golden text (STYLE P10): `text` must equal the file tests/<dir>/golden/<name>; AIMC_UPDATE_GOLDEN=1
// rewrites the file instead.
inline void expect_golden(const std::string& dir, const std::string& name, const std::string& text) {
  const std::string path = source_path("tests/" + dir + "/golden/" + name);
  if (std::getenv("AIMC_UPDATE_GOLDEN")) {
    std::ofstream(path) << text;
    return;
  }
  std::ifstream f(path);
  ASSERT_TRUE(f) << path << " is missing; run with AIMC_UPDATE_GOLDEN=1";
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_EQ(ss.str(), text) << "golden " << name << " differs; rerun with AIMC_UPDATE_GOLDEN=1 after checking";
}

// A chip from YAML text (may start with `base: <preset>`).
inline chip::ChipSpec chip_yaml(const std::string& yaml) {
  return chip::parse_chip(yaml, "test.yaml", presets(), source_path("presets"));
}

// Deterministic weights in (-1, 1), distinct per element.
inline Tensor weights(Shape shape, uint32_t seed = 1) {
  Tensor t(DType::f32, shape);
  uint32_t s = seed * 2654435761u + 12345u;
  for (int64_t i = 0; i < t.numel(); ++i) {
    s = s * 1664525u + 1013904223u;
    t.data<float>()[i] = static_cast<float>((s >> 8) & 0xFFFF) / 32768.0f - 1.0f + 1e-6f * static_cast<float>(i % 7);
  }
  return t;
}

class GraphBuilder {
 public:
  explicit GraphBuilder(std::string name) { g.name = std::move(name); }
  ValueId input(const std::string& name, Shape shape, int batch_axis = 0, DType dtype = DType::f32) {
    Value v;
    v.name = name;
    v.dtype = dtype;
    v.shape = std::move(shape);
    v.batch_axis = batch_axis;
    ValueId id = g.add_value(v);
    g.inputs.push_back(id);
    return id;
  }
  ValueId constant(const std::string& name, Tensor t) { return g.add_constant(name, std::move(t)); }
  ValueId node(const std::string& name, OpKind op, std::vector<ValueId> inputs, Attrs attrs = {}, int outputs = 1) {
    Node n;
    n.name = name;
    n.op = op;
    n.inputs = std::move(inputs);
    n.attrs = std::move(attrs);
    ValueId first = kNoValue;
    for (int k = 0; k < outputs; ++k) {
      Value v;
      v.name = outputs == 1 ? name + "_out" : name + "_out" + std::to_string(k);
      ValueId id = g.add_value(v);
      if (k == 0) first = id;
      n.outputs.push_back(id);
    }
    g.add_node(std::move(n));
    return first;
  }
  ValueId gemm(const std::string& name, ValueId x, int64_t in, int64_t out, bool bias = true, uint32_t seed = 1) {
    ValueId w = constant(name + ".weight", weights({out, in}, seed));
    std::vector<ValueId> ins = {x, w};
    if (bias) ins.push_back(constant(name + ".bias", weights({out}, seed + 100)));
    return node(name, OpKind::Gemm, ins, GemmAttrs{1.0f, 1.0f, false, true});
  }
  ValueId conv(const std::string& name, ValueId x, int64_t cin, int64_t cout, int64_t k, int64_t group = 1, bool bias = true,
               uint32_t seed = 1, int64_t stride = 1) {
    ValueId w = constant(name + ".weight", weights({cout, cin / group, k, k}, seed));
    std::vector<ValueId> ins = {x, w};
    if (bias) ins.push_back(constant(name + ".bias", weights({cout}, seed + 100)));
    ConvAttrs a;
    a.window = WindowAttrs{{k, k}, {stride, stride}, {1, 1}, {k / 2, k / 2, k / 2, k / 2}};
    a.group = group;
    return node(name, OpKind::Conv, ins, a);
  }
  Graph finish(std::vector<ValueId> outputs) {
    g.outputs = std::move(outputs);
    infer_shapes(g);
    return std::move(g);
  }
  Graph g;
};

// conv → relu → maxpool → conv → relu → global average pool → fc: a small CNN of every usual kind.
inline Graph tiny_cnn() {
  GraphBuilder b("tiny");
  ValueId x = b.input("x", {1, 3, 8, 8});
  ValueId c1 = b.node("relu1", OpKind::Relu, {b.conv("conv1", x, 3, 16, 3, 1, true, 1)});
  PoolAttrs pool;
  pool.window = WindowAttrs{{2, 2}, {2, 2}, {1, 1}, {0, 0, 0, 0}};
  ValueId p1 = b.node("pool1", OpKind::MaxPool, {c1}, pool);
  ValueId c2 = b.node("relu2", OpKind::Relu, {b.conv("conv2", p1, 16, 32, 3, 1, true, 2)});
  ValueId gap = b.node("gap", OpKind::GlobalAveragePool, {c2});
  ValueId flat = b.node("flatten", OpKind::Reshape, {gap}, ReshapeAttrs{{1, 32}});
  return b.finish({b.gemm("fc", flat, 32, 300, true, 3)});
}

inline program::Program compile(const Graph& g, const chip::ChipSpec& chip, const std::string& pipeline = "") {
  compiler::CompileOptions o;
  o.pipeline = pipeline;
  return compiler::compile(g, chip, o);
}

}  // namespace aimc::test
