#include "reference/lane.h"

namespace aimc::ref {

Lane::Lane(const ValueStore& constants, const dnnl::engine& engine, const std::vector<const KernelSpec*>& specs)
    : store(constants.graph(), engine) {
  store.share_constants(constants);
  kernels.reserve(specs.size());
  for (const KernelSpec* s : specs) kernels.push_back(s != nullptr ? make_kernel(*s) : nullptr);
}

}  // namespace aimc::ref
