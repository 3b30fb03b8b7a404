#include "noc/network.h"

#include <fmt/format.h>

#include <cstdlib>

namespace aimc::noc {

using program::Endpoint;
using program::EndpointKind;

Network::Network(const chip::ChipSpec& chip) : m_chip(chip), m_clock_ghz(chip.clock_mhz * 1e-3), m_dims(chip.cores.arrangement) {
  if (m_dims.empty()) m_dims = {chip.cores.count};
  int64_t size = 1;
  for (const auto& level : chip.noc.levels) {
    size *= level.fanout;
    m_level_size.push_back(size);
  }
  build_locality_order();
  build_links();
}

void Network::build_locality_order() {
  const int64_t n = m_chip.cores.count;
  if (m_chip.noc.topology == chip::NocTopology::Mesh && m_dims.size() >= 2) {
    // Snake: walk the last dim forwards and backwards alternately, recursively over the others.
    std::vector<int64_t> c(m_dims.size(), 0);
    for (int64_t i = 0; i < n; ++i) {
      // Decode i into a snake coordinate: digit d reverses when the sum of the higher digits is odd.
      int64_t rest = i;
      std::vector<int64_t> digits(m_dims.size());
      for (size_t d = m_dims.size(); d-- > 0;) {
        digits[d] = rest % m_dims[d];
        rest /= m_dims[d];
      }
      int64_t parity = 0;
      for (size_t d = 0; d < m_dims.size(); ++d) {
        c[d] = parity % 2 ? m_dims[d] - 1 - digits[d] : digits[d];
        parity += digits[d];
      }
      int64_t id = 0;
      for (size_t d = 0; d < m_dims.size(); ++d) id = id * m_dims[d] + c[d];
      m_order.push_back(static_cast<int32_t>(id));
    }
  } else {
    for (int64_t i = 0; i < n; ++i) m_order.push_back(static_cast<int32_t>(i));
  }
}

std::vector<int64_t> Network::coords(int64_t core) const {
  std::vector<int64_t> c(m_dims.size());
  for (size_t d = m_dims.size(); d-- > 0;) {
    c[d] = core % m_dims[d];
    core /= m_dims[d];
  }
  return c;
}

int64_t Network::hops(int32_t a, int32_t b) const {
  if (a == b) return 0;
  switch (m_chip.noc.topology) {
    case chip::NocTopology::Mesh: {
      auto ca = coords(a), cb = coords(b);
      int64_t h = 0;
      for (size_t d = 0; d < ca.size(); ++d) h += std::llabs(ca[d] - cb[d]);
      return h;
    }
    case chip::NocTopology::Tree: {
      for (size_t l = 0; l < m_level_size.size(); ++l) {
        if (a / m_level_size[l] == b / m_level_size[l]) return 2 * static_cast<int64_t>(l + 1);
      }
      return 2 * static_cast<int64_t>(m_level_size.size());
    }
    case chip::NocTopology::Bus:
    case chip::NocTopology::Crossbar:
      return 1;
  }
  return 1;
}

int64_t Network::edge_hops(int32_t core) const {
  switch (m_chip.noc.topology) {
    case chip::NocTopology::Mesh:
      return coords(core).back() + 1;
    case chip::NocTopology::Tree:
      return static_cast<int64_t>(m_level_size.size());
    default:
      return 1;
  }
}

int64_t Network::hops(const Endpoint& a, const Endpoint& b) const {
  if (a == b) return 0;
  if (a.kind == EndpointKind::Core && b.kind == EndpointKind::Core) return hops(a.index, b.index);
  if (a.kind == EndpointKind::Core) return edge_hops(a.index);
  if (b.kind == EndpointKind::Core) return edge_hops(b.index);
  return 1;
}

int32_t Network::add_link(double bytes_per_cycle, double hop_cycles, int32_t cls, std::string name) {
  Link l;
  l.bytes_per_ns = bytes_per_cycle * m_clock_ghz;
  l.latency_ns = hop_cycles / m_clock_ghz;
  l.cls = cls;
  l.name = std::move(name);
  m_links.push_back(std::move(l));
  return static_cast<int32_t>(m_links.size() - 1);
}

void Network::build_links() {
  const chip::ChipSpec& chip = m_chip;
  const auto& noc = chip.noc;
  const int64_t n = chip.cores.count;
  switch (noc.topology) {
    case chip::NocTopology::Mesh: {
      m_class_names = {"mesh"};
      m_class_e = {noc.e_bit_hop_pj};
      const double bw = noc.link_bytes_per_cycle.value_or(0), lat = static_cast<double>(noc.hop_latency_cycles.value_or(0));
      const size_t nd = m_dims.size();
      m_mesh_base = 0;
      // (core, dim, dir) → one directed link to the neighbour at coordinate ± 1 (unused at the borders).
      for (int64_t c = 0; c < n; ++c) {
        for (size_t d = 0; d < nd; ++d) {
          for (int dir = 0; dir < 2; ++dir) add_link(bw, lat, 0, fmt::format("core{}.d{}{}", c, d, dir ? '+' : '-'));
        }
      }
      // Edge links: one in and one out per row (all coordinates but the last).
      m_edge_base = static_cast<int32_t>(m_links.size());
      const int64_t rows = n / m_dims.back();
      for (int64_t r = 0; r < rows; ++r) {
        add_link(bw, lat, 0, fmt::format("edge{}.out", r));
        add_link(bw, lat, 0, fmt::format("edge{}.in", r));
      }
      m_unit_link = add_link(bw, lat, 0, "edge.units");
      break;
    }
    case chip::NocTopology::Tree: {
      int64_t size = 1;
      for (size_t l = 0; l < noc.levels.size(); ++l) {
        const auto& lv = noc.levels[l];
        m_class_names.push_back(fmt::format("tree.l{}", l + 1));
        m_class_e.push_back(lv.e_bit_hop_pj);
        m_level_base.push_back(static_cast<int32_t>(m_links.size()));
        const int64_t children = n / size;  // nodes below the level-l routers (cores for l = 0)
        for (int64_t c = 0; c < children; ++c) {
          add_link(lv.link_bytes_per_cycle, static_cast<double>(lv.hop_latency_cycles), static_cast<int32_t>(l),
                   fmt::format("l{}.{}.up", l + 1, c));
          add_link(lv.link_bytes_per_cycle, static_cast<double>(lv.hop_latency_cycles), static_cast<int32_t>(l),
                   fmt::format("l{}.{}.down", l + 1, c));
        }
        size *= lv.fanout;
      }
      break;
    }
    case chip::NocTopology::Bus:
    case chip::NocTopology::Crossbar: {
      const bool bus = noc.topology == chip::NocTopology::Bus;
      m_class_names = {bus ? "bus" : "crossbar"};
      m_class_e = {noc.e_bit_hop_pj};
      const double bw = noc.link_bytes_per_cycle.value_or(0), lat = static_cast<double>(noc.hop_latency_cycles.value_or(0));
      if (bus) {
        add_link(bw, lat, 0, "bus");
      } else {
        for (int64_t c = 0; c < n + static_cast<int64_t>(chip.digital.size()) + 1; ++c)
          add_link(bw, lat, 0, fmt::format("port{}", c));
      }
      break;
    }
  }
  if (const chip::MemorySpec* m = chip::offchip_memory(chip)) {
    m_offchip = add_link(m->bw_bytes_per_cycle, static_cast<double>(m->latency_cycles), -1, "offchip." + m->name);
  } else {
    // GB/s is bytes per ns; the links take bytes per cycle and cycles.
    const double bytes_per_cycle = chip.host.link_gbps / m_clock_ghz, cycles = chip.host.link_latency_ns * m_clock_ghz;
    m_host_in = add_link(bytes_per_cycle, cycles, -1, "host.in");
    m_host_out = add_link(bytes_per_cycle, cycles, -1, "host.out");
  }
}

void Network::mesh_route(int64_t a, int64_t b, std::vector<int32_t>& out) const {
  std::vector<int64_t> ca = coords(a), cb = coords(b);
  const size_t nd = m_dims.size();
  for (size_t d = 0; d < nd; ++d) {
    while (ca[d] != cb[d]) {
      int64_t id = 0;
      for (size_t k = 0; k < nd; ++k) id = id * m_dims[k] + ca[k];
      const int dir = cb[d] > ca[d] ? 1 : 0;
      out.push_back(m_mesh_base + static_cast<int32_t>((id * static_cast<int64_t>(nd) + static_cast<int64_t>(d)) * 2 + dir));
      ca[d] += dir ? 1 : -1;
    }
  }
}

void Network::mesh_to_edge(int64_t core, bool outbound, std::vector<int32_t>& out) const {
  const int64_t row = core / m_dims.back();
  const int64_t west = row * m_dims.back();  // the row's core at last coordinate 0
  const int32_t edge = m_edge_base + static_cast<int32_t>(row * 2 + (outbound ? 0 : 1));
  if (outbound) {
    mesh_route(core, west, out);
    out.push_back(edge);
  } else {
    out.push_back(edge);
    mesh_route(west, core, out);
  }
}

void Network::tree_up(int64_t core, size_t levels, std::vector<int32_t>& out) const {
  int64_t node = core;
  for (size_t l = 0; l < levels; ++l) {
    out.push_back(m_level_base[l] + static_cast<int32_t>(node * 2));
    node = core / m_level_size[l];
  }
}

void Network::tree_down(int64_t core, size_t levels, std::vector<int32_t>& out) const {
  for (size_t l = levels; l-- > 0;) {
    const int64_t node = l == 0 ? core : core / m_level_size[l - 1];
    out.push_back(m_level_base[l] + static_cast<int32_t>(node * 2 + 1));
  }
}

std::vector<int32_t> Network::route(const Endpoint& a, const Endpoint& b) const {
  std::vector<int32_t> path;
  if (a == b) return path;
  const bool ca = a.kind == EndpointKind::Core, cb = b.kind == EndpointKind::Core;
  switch (m_chip.noc.topology) {
    case chip::NocTopology::Mesh:
      if (ca && cb) {
        mesh_route(a.index, b.index, path);
      } else if (ca) {
        mesh_to_edge(a.index, true, path);
      } else if (cb) {
        mesh_to_edge(b.index, false, path);
      } else {
        path.push_back(m_unit_link);
      }
      break;
    case chip::NocTopology::Tree: {
      const size_t levels = m_level_size.size();
      if (ca && cb) {
        size_t up = levels;
        for (size_t l = 0; l < levels; ++l) {
          if (a.index / m_level_size[l] == b.index / m_level_size[l]) {
            up = l + 1;
            break;
          }
        }
        tree_up(a.index, up, path);
        tree_down(b.index, up, path);
      } else if (ca) {
        tree_up(a.index, levels, path);
      } else if (cb) {
        tree_down(b.index, levels, path);
      } else if (!m_level_base.empty()) {
        path.push_back(m_level_base.back());  // unit ↔ host at the root: one top-level hop
      }
      break;
    }
    case chip::NocTopology::Bus:
      path.push_back(0);
      break;
    case chip::NocTopology::Crossbar: {
      const int64_t n = m_chip.cores.count;
      int64_t port = 0;
      if (cb) port = b.index;
      else if (b.kind == EndpointKind::Unit) port = n + b.index;
      else port = n + static_cast<int64_t>(m_chip.digital.size());
      path.push_back(static_cast<int32_t>(port));
      break;
    }
  }
  // Data from off chip crosses the off-chip link before the chip's links, data to it after them.
  if (m_offchip >= 0 && a.kind == EndpointKind::Host && b.kind != EndpointKind::Host) path.insert(path.begin(), m_offchip);
  if (m_offchip >= 0 && b.kind == EndpointKind::Host && a.kind != EndpointKind::Host) path.push_back(m_offchip);
  if (m_host_in >= 0 && a.kind == EndpointKind::Host && b.kind != EndpointKind::Host) path.insert(path.begin(), m_host_in);
  if (m_host_out >= 0 && b.kind == EndpointKind::Host && a.kind != EndpointKind::Host) path.push_back(m_host_out);
  return path;
}

}  // namespace aimc::noc
