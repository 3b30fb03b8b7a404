#include "program/replicas.h"

#include <algorithm>

namespace aimc::program {

int64_t replica_block_columns(const Layer& l) {
  if (l.kind != LayerKind::Conv || l.output_rows <= 0 || l.vectors_per_inference % l.output_rows != 0) return 0;
  const int64_t columns = l.vectors_per_inference / l.output_rows;
  return columns > 1 ? columns : 0;
}

std::pair<int64_t, int64_t> replica_columns(int64_t columns, int64_t replicas, int64_t k) {
  replicas = std::max<int64_t>(1, replicas);
  return {k * columns / replicas, (k + 1) * columns / replicas};
}

int64_t replica_limit(const Layer& l) {
  const int64_t columns = replica_block_columns(l);
  return std::max<int64_t>(1, columns > 0 ? columns : l.vectors_per_inference);
}

int64_t replica_vectors(const Layer& l, int64_t replicas, int64_t k) {
  replicas = std::max<int64_t>(1, replicas);
  if (k < 0 || k >= replicas) return 0;
  if (const int64_t columns = replica_block_columns(l); columns > 0) {
    const auto [b, e] = replica_columns(columns, replicas, k);
    return l.output_rows * (e - b);
  }
  return k < l.vectors_per_inference ? (l.vectors_per_inference - k + replicas - 1) / replicas : 0;
}

std::vector<int64_t> replica_positions(const Layer& l, int64_t positions, int64_t replicas, int64_t k) {
  replicas = std::max<int64_t>(1, replicas);
  std::vector<int64_t> pos;
  if (k < 0 || k >= replicas) return pos;
  const int64_t columns = replica_block_columns(l);
  if (columns > 0 && positions % columns == 0) {
    const auto [b, e] = replica_columns(columns, replicas, k);
    for (int64_t row = 0; row < positions / columns; ++row) {
      for (int64_t c = b; c < e; ++c) pos.push_back(row * columns + c);
    }
    return pos;
  }
  for (int64_t p = k; p < positions; p += replicas) pos.push_back(p);
  return pos;
}

}  // namespace aimc::program
