// Distances on the chip's network: core ids are row-major over `cores.arrangement`.
//   mesh:            Manhattan distance between grid coordinates (every arrangement dim a mesh dim)
//   tree:            2 · (levels up to the lowest common router), levels from `noc.levels` fanouts
//   bus / crossbar:  1 between distinct cores
// Chip-level digital units and the host sit beyond the network: a mesh reaches them through its
// west edge (column 0 of the last dim), a tree through its root, a bus or crossbar in one hop.
#pragma once

#include <cstdint>
#include <vector>

#include "chip/chip_spec.h"
#include "compiler/program.h"

namespace aimc::compiler {

class Topology {
 public:
  explicit Topology(const chip::ChipSpec& chip);
  int64_t hops(int32_t a, int32_t b) const;
  int64_t hops(const Endpoint& a, const Endpoint& b) const;
  // Cores in an order that keeps neighbours close: a snake (boustrophedon) walk of a mesh, index
  // order for a tree (siblings are contiguous) or a bus.
  const std::vector<int32_t>& locality_order() const { return m_order; }
  std::vector<int64_t> coords(int32_t core) const;

 private:
  int64_t edge_hops(int32_t core) const;
  chip::ChipSpec m_chip;
  std::vector<int64_t> m_dims;
  std::vector<int64_t> m_level_size;  // tree: cores under one router of each level
  std::vector<int32_t> m_order;
};

}  // namespace aimc::compiler
