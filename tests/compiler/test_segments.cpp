// Reload segments cut at layer boundaries, and replication inside every segment.
#include <gtest/gtest.h>

#include "compiler/passes/common.h"
#include "compiler_test_util.h"

namespace aimc {
namespace {

TEST(Segments, CutAtGroupBoundaries) {
  // Groups of 3, 2, 5, 1 crossbars on 4: [3] | [2] | [4] | [1 of the 5, 1].
  EXPECT_EQ(compiler::cut_segments({3, 2, 5, 1}, 4), (std::vector<int32_t>{0, 0, 0, 1, 1, 2, 2, 2, 2, 3, 3}));
  EXPECT_EQ(compiler::cut_segments({1, 1, 2}, 4), (std::vector<int32_t>{0, 0, 0, 0}));
}

TEST(Segments, ReplicasFillEverySegmentWithoutAddingOne) {
  // conv1 (27 rows, 64 vectors), conv2 (144 rows, 16 vectors), fc (300 columns: 2 crossbars, 1
  // vector) on 3 rewritable crossbars: [conv1, conv2] | [fc]. conv1 takes the free crossbar of
  // segment 0, then a third copy that moves conv2 next to fc: [conv1 x3] | [conv2, fc]; a fourth
  // copy, or a second conv2, would need a third segment.
  const Graph g = test::tiny_cnn();
  chip::ChipSpec c = test::chip_yaml(
      "base: hermes\nname: hermes-3\ncores:\n  count: 3\n  arrangement: [1, 3]\n  programming:\n    reload: true\n");
  program::Program p = test::compile(g, c,
                                     "fold-batchnorm,quantize,lower-to-crossbar,partition,pack{scope=layer},replicate,"
                                     "place,assign-digital,route,schedule{kind=pipelined}");
  ASSERT_EQ(p.layers.size(), 3u);
  EXPECT_EQ(p.layers[0].replicas, 3);
  EXPECT_EQ(p.layers[1].replicas, 1);
  EXPECT_EQ(p.layers[2].replicas, 1);
  ASSERT_EQ(p.schedule.segments.size(), 2u);
  for (const auto& t : p.tiles) EXPECT_EQ(t.segment, t.layer == 0 ? 0 : 1) << "layer " << t.layer;
}

}  // namespace
}  // namespace aimc
