// Comparisons, Where and Expand (attention masks), and running a graph in parts: hand-valued
// cases, and a per-sample graph (a reshape folds the batch) that matches the batch run sample by
// sample.
#include <cstring>

#include "reference/batch_parts.h"
#include "reference_test_util.h"

namespace aimc::test {
namespace {

TEST(Select, ComparisonsBroadcastToBoolBytes) {
  GraphBuilder gb;
  ValueId t = gb.input("tokens", {2, 3}, 0, DType::i64);
  ValueId zero = gb.constant("zero", Tensor::scalar<int64_t>(0));
  ValueId row = gb.constant("row", Tensor::from<int64_t>({1, 5, 2}, {3}));
  ValueId eq = gb.node(OpKind::Equal, {t, zero});
  ValueId lt = gb.node(OpKind::Less, {t, row});
  ValueId gt = gb.node(OpKind::Greater, {t, row});
  for (ValueId v : {eq, lt, gt}) gb.output(v);
  const Graph& g = gb.finish();
  EXPECT_EQ(g.value(eq).dtype, DType::u8);
  EXPECT_EQ(g.value(eq).batch_axis, 0);
  auto res = run_graph(g, {Tensor::from<int64_t>({0, 5, 3, 4, 0, 2}, {2, 3})});
  EXPECT_EQ(res[0].to_int64_vector(), (std::vector<int64_t>{1, 0, 0, 0, 1, 0}));
  EXPECT_EQ(res[1].to_int64_vector(), (std::vector<int64_t>{1, 0, 0, 0, 1, 0}));
  EXPECT_EQ(res[2].to_int64_vector(), (std::vector<int64_t>{0, 0, 1, 1, 0, 0}));
}

TEST(Select, WhereBroadcastsAllThreeAndExpandRepeats) {
  // A padding mask [N, 1, S] picks -inf or the scores [N, L, S]; Expand repeats a row to [N, 2, 3].
  GraphBuilder gb;
  ValueId mask = gb.input("mask", {2, 1, 3}, 0, DType::u8);
  ValueId scores = gb.input("scores", {2, 2, 3});
  ValueId ninf = gb.constant("ninf", Tensor::scalar<float>(-1e9f));
  ValueId w = gb.node(OpKind::Where, {mask, ninf, scores});
  ValueId e = gb.node(OpKind::Expand, {mask}, ExpandAttrs{{1, 2, 1}});
  gb.output(w);
  gb.output(e);
  const Graph& g = gb.finish();
  EXPECT_EQ(g.value(e).shape, (Shape{2, 2, 3}));
  EXPECT_EQ(g.value(e).dtype, DType::u8);
  Tensor m(DType::u8, {2, 1, 3});
  const uint8_t bits[] = {0, 0, 1, 1, 0, 0};
  std::copy(bits, bits + 6, m.data<uint8_t>());
  auto res = run_graph(g, {m, Tensor::from<float>({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {2, 2, 3})});
  expect_close(res[0], {1, 2, -1e9, 4, 5, -1e9, -1e9, 8, 9, -1e9, 11, 12});
  EXPECT_EQ(res[1].to_int64_vector(), (std::vector<int64_t>{0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0, 0}));
}

TEST(BatchParts, SliceAndJoinAlongAnyAxis) {
  Tensor t = Tensor::from<float>({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {2, 3, 2});
  Tensor mid = ref::batch_slice(t, 1, 1, 3);
  EXPECT_EQ(mid.shape(), (Shape{2, 2, 2}));
  expect_close(mid, {2, 3, 4, 5, 8, 9, 10, 11});
  Tensor joined = ref::batch_join({ref::batch_slice(t, 1, 0, 1), mid}, 1);
  expect_close(joined, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  expect_close(ref::batch_slice(t, 0, 1, 2), {6, 7, 8, 9, 10, 11});
}

// x [N, 4] -> reshape [N*2, 2] at import batch 1 ([2, 2]: the batch folded into the rows) ->
// softmax over the last axis -> reshape back [N, 4], built in `gb`; returns the folded value.
ValueId per_sample_softmax(GraphBuilder& gb) {
  ValueId x = gb.input("x", {1, 4});
  ValueId folded = gb.node(OpKind::Reshape, {x}, ReshapeAttrs{{2, 2}});
  ValueId s = gb.node(OpKind::Softmax, {folded}, AxisAttrs{.axis = 1});
  ValueId y = gb.node(OpKind::Reshape, {s}, ReshapeAttrs{{1, 4}});
  gb.output(y);
  Graph& g = gb.finish();
  g.value(y).batch_axis = 0;  // the importer's choice for a per-sample output (its axis of extent 1)
  return folded;
}

// The graph runs per sample; a batch of 3 gives exactly what three one-sample runs give, and the
// folded value comes back stacked per sample.
TEST(BatchParts, PerSampleGraphMatchesOneSampleRuns) {
  GraphBuilder gb;
  const ValueId folded = per_sample_softmax(gb);
  Graph& g = gb.g;
  EXPECT_TRUE(g.per_sample);
  EXPECT_EQ(g.value(folded).batch_axis, -1);
  Tensor batch = random_tensor({3, 4}, 7);
  Tensor got = run_graph(g, {batch}).at(0);
  ASSERT_EQ(got.shape(), (Shape{3, 4}));
  for (int64_t b = 0; b < 3; ++b) {
    Tensor one = run_graph(g, {batch.slice_outer(b, b + 1).clone()}).at(0);
    for (int64_t i = 0; i < 4; ++i) EXPECT_EQ(got.data<float>()[b * 4 + i], one.data<float>()[i]);
  }
  g.outputs.push_back(folded);  // an inner value: one [2, 2] per sample, stacked
  auto both = run_graph(g, {batch});
  EXPECT_EQ(both[1].shape(), (Shape{3, 2, 2}));
}

// At 2 threads a per-sample graph's samples run side by side, each thread in a lane of its own: the
// outputs are those of one thread, bit for bit, stacked inner values included.
TEST(BatchParts, PerSampleGraphSideBySideEqualsOneThread) {
  GraphBuilder gb;
  const ValueId folded = per_sample_softmax(gb);
  Graph& g = gb.g;
  ASSERT_TRUE(g.per_sample);
  g.outputs.push_back(folded);
  const Tensor batch = random_tensor({9, 4}, 8);
  const std::vector<Tensor> one = run_graph(g, {batch}, 1), two = run_graph(g, {batch}, 2);
  ASSERT_EQ(one.size(), two.size());
  for (size_t k = 0; k < one.size(); ++k) {
    ASSERT_EQ(one[k].shape(), two[k].shape());
    EXPECT_EQ(0, std::memcmp(one[k].raw(), two[k].raw(), one[k].nbytes())) << "output " << k;
  }
}

}  // namespace
}  // namespace aimc::test
