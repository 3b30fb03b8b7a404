#include "compiler/topology.h"

#include <cstdlib>

namespace aimc::compiler {

Topology::Topology(const chip::ChipSpec& chip) : m_chip(chip), m_dims(chip.cores.arrangement) {
  if (m_dims.empty()) m_dims = {chip.cores.count};
  int64_t size = 1;
  for (const auto& level : chip.noc.levels) {
    size *= level.fanout;
    m_level_size.push_back(size);
  }
  const int64_t n = chip.cores.count;
  if (chip.noc.topology == chip::NocTopology::Mesh && m_dims.size() >= 2) {
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

std::vector<int64_t> Topology::coords(int32_t core) const {
  std::vector<int64_t> c(m_dims.size());
  int64_t rest = core;
  for (size_t d = m_dims.size(); d-- > 0;) {
    c[d] = rest % m_dims[d];
    rest /= m_dims[d];
  }
  return c;
}

int64_t Topology::hops(int32_t a, int32_t b) const {
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

int64_t Topology::edge_hops(int32_t core) const {
  switch (m_chip.noc.topology) {
    case chip::NocTopology::Mesh:
      return coords(core).back() + 1;
    case chip::NocTopology::Tree:
      return static_cast<int64_t>(m_level_size.size());
    default:
      return 1;
  }
}

int64_t Topology::hops(const Endpoint& a, const Endpoint& b) const {
  if (a == b) return 0;
  if (a.kind == EndpointKind::Core && b.kind == EndpointKind::Core) return hops(a.index, b.index);
  if (a.kind == EndpointKind::Core) return edge_hops(a.index);
  if (b.kind == EndpointKind::Core) return edge_hops(b.index);
  return 1;
}

}  // namespace aimc::compiler
