// Whole-graph behaviour: batch sizes, determinism, input validation, outputs of every kind.
#include "reference_test_util.h"

namespace aimc::test {
namespace {

// A small CNN touching blocked layouts, fusion, pooling, a flatten and a classifier:
// conv-relu-maxpool, a residual conv block, global average pool, reshape, gemm, softmax.
Graph small_cnn() {
  GraphBuilder gb;
  ValueId x = gb.input("x", {1, 3, 12, 12});
  ConvAttrs same{.window = {.kernel = {3, 3}, .strides = {1, 1}, .dilations = {1, 1}, .pads = {1, 1, 1, 1}}};
  ValueId sub = gb.node(OpKind::Sub, {x, gb.constant("mean", random_tensor({1, 3, 1, 1}, 50))});
  ValueId c1 = gb.node(
      OpKind::Conv, {sub, gb.constant("w1", random_tensor({16, 3, 3, 3}, 51)), gb.constant("b1", random_tensor({16}, 52))}, same);
  ValueId r1 = gb.node(OpKind::Relu, {c1});
  ValueId p1 = gb.node(OpKind::MaxPool, {r1},
                       PoolAttrs{.window = {.kernel = {2, 2}, .strides = {2, 2}, .dilations = {1, 1}, .pads = {0, 0, 0, 0}}});
  ValueId c2 = gb.node(OpKind::Conv, {p1, gb.constant("w2", random_tensor({16, 16, 3, 3}, 53, -0.3f, 0.3f))}, same);
  ValueId r2 = gb.node(OpKind::Relu, {c2});
  ValueId c3 = gb.node(OpKind::Conv, {r2, gb.constant("w3", random_tensor({16, 16, 3, 3}, 54, -0.3f, 0.3f))}, same);
  ValueId add = gb.node(OpKind::Add, {c3, p1});
  ValueId r3 = gb.node(OpKind::Relu, {add});
  ValueId gap = gb.node(OpKind::GlobalAveragePool, {r3});
  ValueId flat = gb.node(OpKind::Reshape, {gap}, ReshapeAttrs{{1, 16}});
  ValueId fc =
      gb.node(OpKind::Gemm, {flat, gb.constant("wf", random_tensor({10, 16}, 55)), gb.constant("bf", random_tensor({10}, 56))},
              GemmAttrs{.trans_b = true});
  ValueId sm = gb.node(OpKind::Softmax, {fc}, AxisAttrs{.axis = 1});
  gb.output(fc);
  gb.output(sm);
  gb.finish();
  return gb.g;
}

TEST(Executor, BatchResultsMatchSamplesRunAlone) {
  Graph g = small_cnn();
  ReferenceExecutor exec(g, ReferenceOptions{.threads = 2});
  Tensor big = random_tensor({64, 3, 12, 12}, 7, 0.0f, 1.0f);
  auto all = exec.run({big});
  ASSERT_EQ(all[0].shape(), (Shape{64, 10}));
  // Batch 3 (samples 10..12) and batch 1 (each of a few samples) give the same rows.
  auto three = exec.run({big.slice_outer(10, 13).clone()});
  std::vector<double> logits = to_doubles(all[0]);
  expect_close(three[0], std::vector<double>(logits.begin() + 100, logits.begin() + 130), 1e-5, 1e-5);
  for (int64_t s : {0, 11, 63}) {
    auto one = exec.run({big.slice_outer(s, s + 1).clone()});
    ASSERT_EQ(one[1].shape(), (Shape{1, 10}));
    std::vector<double> all_rows = to_doubles(all[1]);
    expect_close(one[1], std::vector<double>(all_rows.begin() + s * 10, all_rows.begin() + (s + 1) * 10), 1e-5, 1e-5);
  }
}

TEST(Executor, RepeatedRunsAreBitwiseIdentical) {
  Graph g = small_cnn();
  ReferenceExecutor exec(g, ReferenceOptions{.threads = 2});
  Tensor x = random_tensor({5, 3, 12, 12}, 8, 0.0f, 1.0f);
  auto first = exec.run({x});
  exec.run({random_tensor({17, 3, 12, 12}, 9)});  // another batch size in between
  auto second = exec.run({x});
  for (size_t o = 0; o < first.size(); ++o) {
    for (int64_t i = 0; i < first[o].numel(); ++i) ASSERT_EQ(first[o].data<float>()[i], second[o].data<float>()[i]);
  }
  // One thread gives the same values up to rounding.
  auto single = run_graph(g, {x}, 1);
  expect_close(single[0], to_doubles(first[0]), 1e-5, 1e-5);
}

TEST(Executor, ReportsWrongInputsNamingThem) {
  GraphBuilder gb;
  ValueId x = gb.input("image", {1, 3, 4, 4});
  ValueId m = gb.input("mask", {1, 3, 4, 4});
  gb.output(gb.node(OpKind::Mul, {x, m}));
  ReferenceExecutor exec(gb.finish(), {});
  Tensor good = random_tensor({2, 3, 4, 4}, 1);
  auto message = [&](const std::vector<Tensor>& in) {
    try {
      exec.run(in);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message({good}), "inputs: the graph has 2 input(s), 1 given");
  EXPECT_EQ(message({good, Tensor(DType::i64, {2, 3, 4, 4})}), "input 'mask': has type i64, expected f32");
  EXPECT_EQ(message({random_tensor({2, 3, 5, 4}, 2), good}),
            "input 'image': has shape [2, 3, 5, 4], expected [1, 3, 4, 4] (any size at batch axis 0)");
  EXPECT_EQ(message({random_tensor({2, 3, 4}, 2), good}),
            "input 'image': has shape [2, 3, 4], expected [1, 3, 4, 4] (any size at batch axis 0)");
  EXPECT_EQ(message({good, random_tensor({3, 3, 4, 4}, 3)}), "input 'mask': has batch size 3, but input 'image' has 2");
  EXPECT_EQ(exec.run({good, good})[0].shape(), (Shape{2, 3, 4, 4}));
}

TEST(Executor, OutputsMayBeInputsConstantsOrViews) {
  GraphBuilder gb;
  ValueId x = gb.input("x", {1, 2, 3});
  ValueId k = gb.constant("k", Tensor::from<float>({1.0f, 2.0f}, {2}));
  ValueId folded = gb.node(OpKind::Neg, {k});
  ValueId flat = gb.node(OpKind::Reshape, {x}, ReshapeAttrs{{1, 6}});
  ValueId twice = gb.node(OpKind::Add, {flat, flat});
  for (ValueId v : {x, folded, flat, twice}) gb.output(v);
  ReferenceExecutor exec(gb.finish(), {});
  Tensor xt = random_tensor({4, 2, 3}, 1);
  auto res = exec.run({xt});
  expect_close(res[0], to_doubles(xt), 0, 0);
  expect_close(res[1], {-1.0, -2.0}, 0, 0);
  EXPECT_EQ(res[2].shape(), (Shape{4, 6}));
  expect_close(res[2], to_doubles(xt), 0, 0);
  std::vector<double> doubled = to_doubles(xt);
  for (double& v : doubled) v *= 2;
  expect_close(res[3], doubled, 0, 0);
}

// A long chain of in-place element-wise ops at a large batch keeps working buffers bounded:
// every intermediate is overwritten in place, so the results stay exact.
TEST(Executor, LongElementwiseChainAtLargeBatch) {
  GraphBuilder gb;
  ValueId x = gb.input("x", {1, 64, 16, 16});
  ValueId v = gb.node(OpKind::Neg, {x});
  for (int i = 0; i < 40; ++i) v = gb.node(i % 2 ? OpKind::Neg : OpKind::Abs, {v});
  gb.output(v);
  Tensor xt = random_tensor({256, 64, 16, 16}, 3);
  Tensor out = run_graph(gb.finish(), {xt}, 2).at(0);
  std::vector<double> want = to_doubles(xt);
  for (double& e : want) e = -std::fabs(e);
  expect_close(out, want, 0, 0);
}

}  // namespace
}  // namespace aimc::test
