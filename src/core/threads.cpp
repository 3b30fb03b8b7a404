#include "core/threads.h"

#include <omp.h>

#include <thread>

namespace aimc {

int hardware_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

ThreadScope::ThreadScope(int threads) : m_threads(threads > 0 ? threads : hardware_threads()), m_previous(omp_get_max_threads()) {
  omp_set_num_threads(m_threads);
}

ThreadScope::~ThreadScope() { omp_set_num_threads(m_previous); }

}  // namespace aimc
