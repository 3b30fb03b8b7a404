// The on-chip network as resources for the performance simulator: every directed link is a
// dense integer id with its bandwidth (bytes/ns), hop latency (ns) and class (the row of the
// energy table: the mesh/bus link, or a tree level); route() gives the links a transfer crosses.
//   mesh:     dimension-order routing over cores.arrangement (core ids row-major); chip-level
//             units and the host sit beyond the west edge (last coordinate 0): a core reaches them
//             along its row then over its row's edge link (coords.back() + 1 hops, as the compiler)
//   tree:     up to the lowest common router and down; each level's links are separate per child
//             and direction; the host and chip-level units sit at the root
//   bus:      one shared link
//   crossbar: one input port per destination endpoint
// An off-chip memory (the first `memories` entry with off_chip) adds one more link on every path
// to or from the host, with the memory's bandwidth and latency.
//
// Contract: built once from a valid ChipSpec; route() is pure and its length equals
// compiler::Topology::hops (excluding the off-chip link, which is not a network hop).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chip/chip_spec.h"
#include "compiler/program.h"

namespace aimc::perf {

struct Link {
  double bytes_per_ns = 0;
  double latency_ns = 0;
  int32_t cls = 0;  // link class (energy row); the off-chip link has class -1
  std::string name;
};

class NocModel {
 public:
  explicit NocModel(const chip::ChipSpec& chip);
  const std::vector<Link>& links() const { return m_links; }
  // Link classes: names (for reports) and energy per bit-hop (pJ, absent → unpriced).
  const std::vector<std::string>& class_names() const { return m_class_names; }
  const std::vector<std::optional<double>>& class_e_bit_hop_pj() const { return m_class_e; }
  std::vector<int32_t> route(const compiler::Endpoint& from, const compiler::Endpoint& to) const;
  int32_t offchip_link() const { return m_offchip; }  // -1 when the chip has no off-chip memory

 private:
  int32_t add_link(double bytes_per_cycle, double hop_cycles, int32_t cls, std::string name);
  std::vector<int64_t> coords(int64_t core) const;
  void mesh_route(int64_t a, int64_t b, std::vector<int32_t>& out) const;
  void mesh_to_edge(int64_t core, bool outbound, std::vector<int32_t>& out) const;
  void tree_up(int64_t core, size_t levels, std::vector<int32_t>& out) const;
  void tree_down(int64_t core, size_t levels, std::vector<int32_t>& out) const;

  chip::ChipSpec m_chip;
  double m_clock_ghz = 1;
  std::vector<Link> m_links;
  std::vector<std::string> m_class_names;
  std::vector<std::optional<double>> m_class_e;
  std::vector<int64_t> m_dims;
  int32_t m_mesh_base = 0, m_edge_base = 0, m_unit_link = -1;  // mesh
  std::vector<int64_t> m_level_size;                           // tree: cores under one level-l router
  std::vector<int32_t> m_level_base;                           // tree: first link id of level l
  int32_t m_offchip = -1;
};

}  // namespace aimc::perf
