#include "core/threads.h"

#include <fmt/format.h>
#include <omp.h>

#include <cctype>
#include <cstdlib>
#include <string>
#include <thread>

#include "core/error.h"

namespace aimc {

void check_thread_count(int threads) {
  if (threads < 1 || threads > kMaxThreads) {
    throw Error(fmt::format("{}: expected a whole number 1 to {}", threads, kMaxThreads), ErrorContext{.field = "threads"});
  }
}

int hardware_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

bool spread_over_threads(int64_t n) { return n > 1 && omp_get_max_threads() > 1 && !omp_in_parallel(); }

int thread_index() { return omp_get_thread_num(); }

std::string openmp_wait_policy() {
  const char* p = std::getenv("OMP_WAIT_POLICY");
  if (p == nullptr || *p == '\0') return "default";
  std::string s(p);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool malloc_huge_pages() {
  const char* t = std::getenv("GLIBC_TUNABLES");
  if (t == nullptr) return false;
  const std::string s(t);
  const std::string key = std::string(kMallocHugePagesTunable) + "=";
  // The last setting of the key is the one glibc applies.
  const size_t at = s.rfind(key);
  return at != std::string::npos && (at == 0 || s[at - 1] == ':') && at + key.size() < s.size() &&
         (s[at + key.size()] == '1' || s[at + key.size()] == '2');
}

ThreadScope::ThreadScope(int threads) : m_threads(threads > 0 ? threads : hardware_threads()), m_previous(omp_get_max_threads()) {
  omp_set_num_threads(m_threads);
}

ThreadScope::~ThreadScope() { omp_set_num_threads(m_previous); }

}  // namespace aimc
