// placeholder: being written
#include "sim/reference/executor.h"
namespace aimc {
struct ReferenceExecutor::Impl {};
ReferenceExecutor::ReferenceExecutor(const Graph&, ReferenceOptions) { throw InternalError("executor not written yet"); }
ReferenceExecutor::~ReferenceExecutor() = default;
std::vector<Tensor> ReferenceExecutor::run(const std::vector<Tensor>&) { return {}; }
}  // namespace aimc
