// parallel_for (core/threads.h): every index runs once, and an exception inside the parallel region
// reaches the caller after all indices have run; no region where it cannot help; malloc_huge_pages reads GLIBC_TUNABLES as glibc
// does.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/threads.h"

namespace aimc {
namespace {

TEST(ParallelFor, RunsEveryIndexOnce) {
  for (int threads : {1, 2}) {
    ThreadScope scope(threads);
    std::vector<std::atomic<int>> hits(1000);
    parallel_for(1000, [&](int64_t i) { hits[static_cast<size_t>(i)]++; });
    for (const auto& h : hits) EXPECT_EQ(h.load(), 1);
  }
}

TEST(ParallelFor, RethrowsTheFirstExceptionAfterEveryIndexRan) {
  for (int threads : {1, 2}) {  // 1: the loop without a parallel region, the same contract
    ThreadScope scope(threads);
    std::atomic<int> ran{0};
    EXPECT_THROW(parallel_for(100,
                              [&](int64_t i) {
                                ++ran;
                                if (i % 10 == 3) throw std::runtime_error("index " + std::to_string(i));
                              }),
                 std::runtime_error);
    EXPECT_EQ(ran.load(), 100);
    parallel_for(0, [](int64_t) { FAIL() << "no index to run"; });
  }
}

// No region for one piece of work, at one thread, or inside a region (libgomp ends every region,
// even of one thread, with a futex system call).
TEST(ParallelFor, OpensARegionOnlyWhenThreadsCanShareTheWork) {
  {
    ThreadScope scope(1);
    EXPECT_FALSE(spread_over_threads(100));
  }
  ThreadScope scope(2);
  EXPECT_FALSE(spread_over_threads(1));
  EXPECT_TRUE(spread_over_threads(2));
  std::atomic<int> nested{0};
  parallel_for(2, [&](int64_t) { nested += spread_over_threads(100) ? 1 : 0; });
  EXPECT_EQ(nested.load(), 0);
}

TEST(MallocHugePages, ReadsTheLastHugetlbSettingOfGlibcTunables) {
  const char* saved = std::getenv("GLIBC_TUNABLES");
  const std::string keep = saved != nullptr ? saved : "";
  auto with = [](const char* value) {
    if (value == nullptr) {
      ::unsetenv("GLIBC_TUNABLES");
    } else {
      ::setenv("GLIBC_TUNABLES", value, 1);
    }
    return malloc_huge_pages();
  };
  EXPECT_FALSE(with(nullptr));
  EXPECT_FALSE(with(""));
  EXPECT_TRUE(with("glibc.malloc.hugetlb=1"));
  EXPECT_TRUE(with("glibc.malloc.check=0:glibc.malloc.hugetlb=2"));
  EXPECT_FALSE(with("glibc.malloc.hugetlb=0"));
  EXPECT_FALSE(with("glibc.malloc.hugetlb=1:glibc.malloc.hugetlb=0"));
  EXPECT_FALSE(with("xglibc.malloc.hugetlb=1"));
  EXPECT_FALSE(with("glibc.malloc.hugetlb="));
  with(saved != nullptr ? keep.c_str() : nullptr);
}

}  // namespace
}  // namespace aimc
