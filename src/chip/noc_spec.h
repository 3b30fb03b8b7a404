// The on-chip network between cores (`noc`). A mesh, bus or crossbar has one kind of link; a tree
// (hierarchy of clusters, as in Bruschi et al.'s 4-ary router levels) lists its levels from the
// cores upwards, each with its fan-out and link.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace aimc::chip {

template <class S>
class Schema;

enum class NocTopology { Mesh, Tree, Bus, Crossbar };

struct NocLevelSpec {
  int64_t fanout = 0;                  // children per router at this level
  double link_bytes_per_cycle = 0;     // per link
  int64_t hop_latency_cycles = 0;      // per router traversal
  std::optional<double> e_bit_hop_pj;  // energy per bit per hop
};

struct NocSpec {
  NocTopology topology = NocTopology::Mesh;
  std::optional<double> link_bytes_per_cycle;  // mesh, bus, crossbar
  std::optional<int64_t> hop_latency_cycles;   // mesh, bus, crossbar
  std::optional<double> e_bit_hop_pj;          // mesh, bus, crossbar (absent: unknown)
  std::optional<double> area_mm2;              // the whole network: routers and links
  bool multicast = false;                      // one transfer reaches several destinations, copied
                                               // where their routes part (else one copy each)
  std::vector<NocLevelSpec> levels;            // tree only, from the cores upwards
};

const Schema<NocSpec>& noc_schema();
std::string to_string(NocTopology topology);

}  // namespace aimc::chip
