// How a layer's replicas split its vectors (program/replicas.h): a 2-D conv's replicas take blocks of every
// output row's columns, other layers' every R-th vector.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "program/replicas.h"

namespace aimc {
namespace {

program::Layer conv(int64_t rows, int64_t columns) {
  program::Layer l;
  l.kind = program::LayerKind::Conv;
  l.output_rows = rows;
  l.vectors_per_inference = rows * columns;
  return l;
}

TEST(Replicas, A2DConvsReplicasTakeBlocksOfEveryRowsColumns) {
  const program::Layer l = conv(8, 8);
  EXPECT_EQ(program::replica_block_columns(l), 8);
  EXPECT_EQ(program::replica_limit(l), 8);  // one column each at most
  EXPECT_EQ(program::replica_columns(8, 3, 0), (std::pair<int64_t, int64_t>{0, 2}));
  EXPECT_EQ(program::replica_columns(8, 3, 1), (std::pair<int64_t, int64_t>{2, 5}));
  EXPECT_EQ(program::replica_columns(8, 3, 2), (std::pair<int64_t, int64_t>{5, 8}));
  EXPECT_EQ(program::replica_vectors(l, 3, 0), 8 * 2);
  EXPECT_EQ(program::replica_vectors(l, 3, 1), 8 * 3);
  EXPECT_EQ(program::replica_vectors(l, 3, 2), 8 * 3);
  EXPECT_EQ(program::replica_vectors(l, 3, 3), 0);
}

TEST(Replicas, OtherLayersTakeEveryRthVector) {
  program::Layer gemm;
  gemm.kind = program::LayerKind::MatMul;
  gemm.vectors_per_inference = 10;  // tokens
  EXPECT_EQ(program::replica_block_columns(gemm), 0);
  EXPECT_EQ(program::replica_limit(gemm), 10);
  EXPECT_EQ(program::replica_vectors(gemm, 3, 0), 4);
  EXPECT_EQ(program::replica_vectors(gemm, 3, 1), 3);
  EXPECT_EQ(program::replica_vectors(gemm, 3, 2), 3);
  // A 1-D conv's output rows are its positions, one each: interleaved like a matrix layer's vectors.
  const program::Layer line = conv(12, 1);
  EXPECT_EQ(program::replica_block_columns(line), 0);
  EXPECT_EQ(program::replica_limit(line), 12);
  EXPECT_EQ(program::replica_vectors(line, 5, 4), 2);
}

TEST(Replicas, EveryVectorHasOneReplica) {
  for (int64_t replicas = 1; replicas <= 9; ++replicas) {
    for (const program::Layer& l : {conv(7, 9), conv(3, 1), conv(5, 13)}) {
      int64_t sum = 0;
      for (int64_t k = 0; k < replicas; ++k) sum += program::replica_vectors(l, replicas, k);
      EXPECT_EQ(sum, l.vectors_per_inference) << replicas;
    }
  }
}

// The positions the functional simulator gives each replica: a conv's column blocks row by row, another
// layer's every R-th vector; each position to exactly one replica.
TEST(Replicas, PositionsFollowTheSplit) {
  const program::Layer l = conv(3, 5);
  EXPECT_EQ(program::replica_positions(l, 15, 2, 0), (std::vector<int64_t>{0, 1, 5, 6, 10, 11}));
  EXPECT_EQ(program::replica_positions(l, 15, 2, 1), (std::vector<int64_t>{2, 3, 4, 7, 8, 9, 12, 13, 14}));
  program::Layer tokens;
  tokens.kind = program::LayerKind::Gemm;
  tokens.vectors_per_inference = 7;
  EXPECT_EQ(program::replica_positions(tokens, 7, 3, 1), (std::vector<int64_t>{1, 4}));
  for (const program::Layer& layer : {conv(7, 9), conv(4, 1), tokens}) {
    for (int64_t replicas = 1; replicas <= 9; ++replicas) {
      std::vector<int64_t> seen(static_cast<size_t>(layer.vectors_per_inference), 0);
      for (int64_t k = 0; k < replicas; ++k) {
        const std::vector<int64_t> pos = program::replica_positions(layer, layer.vectors_per_inference, replicas, k);
        EXPECT_EQ(static_cast<int64_t>(pos.size()), program::replica_vectors(layer, replicas, k));
        for (int64_t p : pos) ++seen[static_cast<size_t>(p)];
      }
      EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](int64_t n) { return n == 1; })) << replicas;
    }
  }
}

}  // namespace
}  // namespace aimc
