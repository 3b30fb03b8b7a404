#include "bench_graphs.h"

#include <fmt/format.h>

#include <cmath>
#include <string>

#include "core/rng.h"

namespace aimc::bench {

namespace {

class Builder {
 public:
  explicit Builder(Shape input) {
    Value v{.name = "input", .shape = std::move(input), .batch_axis = 0};
    m_x = g.add_value(v);
    g.inputs.push_back(m_x);
  }

  ValueId x() const { return m_x; }

  // Uniform weights with variance 1/fan_in (keeps activations in a normal range).
  ValueId weight(Shape s, int64_t fan_in) {
    Tensor t(DType::f32, std::move(s));
    Rng(1, m_seed++, RngPurpose::test).fill_uniform(0, t.span<float>());
    const float a = std::sqrt(3.0f / static_cast<float>(fan_in));
    for (float& v : t.span<float>()) v = (2.0f * v - 1.0f) * a;
    return g.add_constant(fmt::format("w{}", m_seed), t);  // not "w" + to_string: GCC 12's false -Wrestrict
  }

  ValueId node(OpKind op, std::vector<ValueId> inputs, Attrs attrs = {}) {
    Value out{.name = std::string(op_name(op)) + std::to_string(g.num_nodes())};
    ValueId id = g.add_value(out);
    g.add_node({.name = out.name, .op = op, .inputs = std::move(inputs), .outputs = {id}, .attrs = std::move(attrs)});
    infer_node(g, g.nodes().back());
    return id;
  }

  ValueId conv(ValueId x, int64_t cin, int64_t cout, int64_t k, int64_t stride, int64_t pad) {
    ConvAttrs a{.window = {.kernel = {k, k}, .strides = {stride, stride}, .dilations = {1, 1}, .pads = {pad, pad, pad, pad}}};
    return node(OpKind::Conv, {x, weight({cout, cin, k, k}, cin * k * k), weight({cout}, cin * k * k)}, a);
  }

  ValueId normalise(ValueId x, Shape stat_shape) {
    ValueId mean = g.add_constant("mean", Tensor(DType::f32, stat_shape));
    Tensor sd(DType::f32, stat_shape);
    for (float& v : sd.span<float>()) v = 0.25f;
    return node(OpKind::Div, {node(OpKind::Sub, {x, mean}), g.add_constant("std", sd)});
  }

  ValueId gemm(ValueId x, int64_t in, int64_t out) {
    return node(OpKind::Gemm, {x, weight({out, in}, in), weight({out}, in)}, GemmAttrs{.trans_b = true});
  }

  Graph g;

 private:
  ValueId m_x;
  uint32_t m_seed = 0;
};

ValueId basic_block(Builder& b, ValueId x, int64_t cin, int64_t planes, int64_t stride, int64_t hw) {
  ValueId h = b.node(OpKind::Relu, {b.conv(x, cin, planes, 3, stride, 1)});
  h = b.conv(h, planes, planes, 3, 1, 1);
  ValueId shortcut = x;
  if (stride != 1 || cin != planes) {
    ValueId s = b.node(OpKind::Slice, {x}, SliceAttrs{.starts = {0, 0, 0, 0}, .ends = {1, cin, hw, hw}, .steps = {1, 1, 2, 1}});
    s = b.node(OpKind::Slice, {s}, SliceAttrs{.starts = {0, 0, 0, 0}, .ends = {1, cin, hw / 2, hw}, .steps = {1, 1, 1, 2}});
    const int64_t p = planes / 4;
    shortcut = b.node(OpKind::Pad, {s}, PadAttrs{.pads = {0, p, 0, 0, 0, p, 0, 0}});
  }
  return b.node(OpKind::Relu, {b.node(OpKind::Add, {h, shortcut})});
}

}  // namespace

Graph lenet_graph() {
  Builder b({1, 1, 28, 28});
  b.g.name = "mnist_lenet (hand-built)";
  PoolAttrs pool{.window = {.kernel = {2, 2}, .strides = {2, 2}, .dilations = {1, 1}, .pads = {0, 0, 0, 0}}};
  ValueId h = b.normalise(b.x(), {});
  h = b.node(OpKind::MaxPool, {b.node(OpKind::Relu, {b.conv(h, 1, 16, 5, 1, 0)})}, pool);
  h = b.node(OpKind::MaxPool, {b.node(OpKind::Relu, {b.conv(h, 16, 32, 5, 1, 0)})}, pool);
  h = b.node(OpKind::Reshape, {h}, ReshapeAttrs{{1, 512}});
  h = b.gemm(b.node(OpKind::Relu, {b.gemm(h, 512, 128)}), 128, 10);
  b.g.outputs.push_back(h);
  return std::move(b.g);
}

Graph resnet20_graph() {
  Builder b({1, 3, 32, 32});
  b.g.name = "resnet20 (hand-built)";
  ValueId h = b.node(OpKind::Relu, {b.conv(b.normalise(b.x(), {1, 3, 1, 1}), 3, 16, 3, 1, 1)});
  int64_t cin = 16, hw = 32;
  for (int64_t planes : {16, 32, 64}) {
    for (int j = 0; j < 3; ++j) {
      const int64_t stride = planes != 16 && j == 0 ? 2 : 1;
      h = basic_block(b, h, cin, planes, stride, hw);
      if (stride == 2) hw /= 2;
      cin = planes;
    }
  }
  h = b.node(OpKind::Reshape, {b.node(OpKind::GlobalAveragePool, {h})}, ReshapeAttrs{{1, 64}});
  b.g.outputs.push_back(b.gemm(h, 64, 10));
  return std::move(b.g);
}

}  // namespace aimc::bench
