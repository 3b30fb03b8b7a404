#include "reference/lane.h"

#include <utility>

namespace aimc::ref {

Lane::Lane(const ValueStore& constants, const dnnl::engine& engine, const std::vector<const KernelSpec*>& specs)
    : store(constants.graph(), engine) {
  store.share_constants(constants);
  kernels.reserve(specs.size());
  for (const KernelSpec* s : specs) kernels.push_back(s != nullptr ? make_kernel(*s) : nullptr);
}

Lanes::Lanes(const ValueStore& constants, dnnl::engine engine, std::vector<const KernelSpec*> specs)
    : m_constants(constants), m_engine(std::move(engine)), m_specs(std::move(specs)) {
  ensure(1);
}

void Lanes::ensure(size_t n) {
  while (m_lanes.size() < n) m_lanes.push_back(std::make_unique<Lane>(m_constants, m_engine, m_specs));
}

}  // namespace aimc::ref
