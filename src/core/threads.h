// Thread count for a scope: sets OpenMP's (and so oneDNN's) thread count and restores it.
// The count is always passed in explicitly (no global default is read by library code).
#pragma once

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

}  // namespace aimc
