// Thread count for a scope: sets OpenMP's (and so oneDNN's) thread count and restores it.
// The count is always passed in explicitly (no global default is read by library code).
#pragma once

#include <cstdint>
#include <exception>
#include <string>

namespace aimc {

// The most threads a run may ask for (--threads, Python's threads, a sweep's).
inline constexpr int kMaxThreads = 1024;
// Throws Error (field "threads") unless 1 ≤ threads ≤ kMaxThreads.
void check_thread_count(int threads);

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

// Whether glibc's malloc was started asking for transparent huge pages for its large blocks
// (GLIBC_TUNABLES holds glibc.malloc.hugetlb=1 or 2; the CLI starts so, apps/aimc/main.cpp): fewer
// page faults on fresh memory, which decides the speed of big models' compiles and batches.
bool malloc_huge_pages();
inline constexpr const char* kMallocHugePagesTunable = "glibc.malloc.hugetlb";

// Whether n pieces of work should open a parallel region: more than one piece, more than one thread,
// and not inside a region already. Even a region of one thread is not free: libgomp ends every
// region with a futex wake, a system call (a tile MVM each at --threads 1: 4 % of a ResNet-20 eval).
bool spread_over_threads(int64_t n);

// This thread's number in the innermost OpenMP parallel region: 0 .. threads − 1 (0 outside any).
int thread_index();

// fn(i) for every i in [0, n) in contiguous blocks, one per thread, when the loop's `work` (e.g. its
// elements) reaches `min_work` and spread_over_threads(n); else on the calling thread without opening a
// region (see spread_over_threads). For loops of independent, non-throwing calls (element-wise maths).
template <class Fn>
void parallel_static(int64_t n, int64_t work, int64_t min_work, const Fn& fn) {
  if (work >= min_work && spread_over_threads(n)) {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) fn(i);
    return;
  }
  for (int64_t i = 0; i < n; ++i) fn(i);
}

// fn(i) for every i in [0, n), spread over the current OpenMP thread count one index at a time (on
// the calling thread alone inside a parallel region, at one thread, or when n ≤ 1). An exception
// thrown by a call does not escape the parallel region: the first one is rethrown after every call has run.
template <class Fn>
void parallel_for(int64_t n, const Fn& fn) {
  std::exception_ptr failed;
  if (!spread_over_threads(n)) {
    for (int64_t i = 0; i < n; ++i) {
      try {
        fn(i);
      } catch (...) {
        if (!failed) failed = std::current_exception();
      }
    }
    if (failed) std::rethrow_exception(failed);
    return;
  }
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t i = 0; i < n; ++i) {
    try {
      fn(i);
    } catch (...) {
#pragma omp critical(aimc_parallel_for_failed)
      if (!failed) failed = std::current_exception();
    }
  }
  if (failed) std::rethrow_exception(failed);
}

}  // namespace aimc
