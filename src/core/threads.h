// Thread count for a scope: sets OpenMP's (and so oneDNN's) thread count and restores it.
// The count is always passed in explicitly (no global default is read by library code).
#pragma once

#include <string>

namespace aimc {

class ThreadScope {
 public:
  explicit ThreadScope(int threads);  // threads <= 0: all hardware threads
  ~ThreadScope();
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;
  int threads() const { return m_threads; }

 private:
  int m_threads;
  int m_previous;
};

int hardware_threads();

// How idle OpenMP threads wait, as the runtime was started with: OMP_WAIT_POLICY ("passive",
// "active"), or "default" (libgomp spins for a while, then sleeps) when it is unset. The CLI starts
// passive (apps/aimc/main.cpp): a thread spinning at a barrier on a shared machine takes the core of
// the thread it waits for.
std::string openmp_wait_policy();

}  // namespace aimc
