// The on-chip network, one model for the compiler's placement and the performance simulator.
// Core ids are row-major over `cores.arrangement`. Chip-level digital units and the host sit
// beyond the network.
//   mesh:     dimension-order routing over the arrangement; units and the host sit beyond the west
//             edge (last coordinate 0): a core reaches them along its row, then over its row's edge
//             link (coords.back() + 1 hops)
//   tree:     up to the lowest common router and down (2 · levels climbed hops); each level's links
//             are separate per child and direction; units and the host sit at the root
//   bus:      one shared link (1 hop between any two endpoints)
//   crossbar: one input port per destination endpoint (1 hop)
// An off-chip memory (the first `memories` entry with off_chip) adds one more link on every path
// to or from the host, with the memory's bandwidth and latency (the host's data is staged there); a
// chip without one reaches the host over the host link (`host.link_*`), one link each way. Neither
// is a network hop.
//
// Every directed link is a dense integer id with its bandwidth (bytes/ns), hop latency (ns) and
// class (the row of the energy table: the mesh/bus link, or a tree level). hops() is the closed
// form of route()'s length without the off-chip link (tests/noc checks every endpoint pair of
// every preset). Contract: built once from a valid ChipSpec; all queries are pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chip/chip_spec.h"
#include "program/program.h"

namespace aimc::noc {

struct Link {
  double bytes_per_ns = 0;
  double latency_ns = 0;
  int32_t cls = 0;  // link class (energy row); the off-chip and host links have class -1 (priced per byte)
  std::string name;
};

class Network {
 public:
  explicit Network(const chip::ChipSpec& chip);

  // Geometry, for placement.
  int64_t hops(int32_t core_a, int32_t core_b) const;
  int64_t hops(const program::Endpoint& a, const program::Endpoint& b) const;
  // Cores in an order that keeps neighbours close: a snake (boustrophedon) walk of a mesh, index
  // order for a tree (siblings are contiguous) or a bus.
  const std::vector<int32_t>& locality_order() const { return m_order; }
  std::vector<int64_t> coords(int64_t core) const;

  // Links, for the performance simulator.
  const std::vector<Link>& links() const { return m_links; }
  // Link classes: names (for reports) and energy per bit-hop (pJ, absent → unpriced).
  const std::vector<std::string>& class_names() const { return m_class_names; }
  const std::vector<std::optional<double>>& class_e_bit_hop_pj() const { return m_class_e; }
  std::vector<int32_t> route(const program::Endpoint& from, const program::Endpoint& to) const;
  int32_t offchip_link() const { return m_offchip; }  // -1 when the chip has no off-chip memory
  // The host link's two directions (to the chip, from it); -1 when the chip has an off-chip memory.
  int32_t host_link_in() const { return m_host_in; }
  int32_t host_link_out() const { return m_host_out; }

 private:
  void build_links();
  void build_locality_order();
  int32_t add_link(double bytes_per_cycle, double hop_cycles, int32_t cls, std::string name);
  int64_t edge_hops(int32_t core) const;
  void mesh_route(int64_t a, int64_t b, std::vector<int32_t>& out) const;
  void mesh_to_edge(int64_t core, bool outbound, std::vector<int32_t>& out) const;
  void tree_up(int64_t core, size_t levels, std::vector<int32_t>& out) const;
  void tree_down(int64_t core, size_t levels, std::vector<int32_t>& out) const;

  chip::ChipSpec m_chip;
  double m_clock_ghz = 1;
  std::vector<int64_t> m_dims;        // the arrangement ([count] when absent)
  std::vector<int64_t> m_level_size;  // tree: cores under one router of each level
  std::vector<int32_t> m_order;
  std::vector<Link> m_links;
  std::vector<std::string> m_class_names;
  std::vector<std::optional<double>> m_class_e;
  int32_t m_mesh_base = 0, m_edge_base = 0, m_unit_link = -1;  // mesh
  std::vector<int32_t> m_level_base;                           // tree: first link id of level l
  int32_t m_offchip = -1;
  int32_t m_host_in = -1, m_host_out = -1;
};

}  // namespace aimc::noc
