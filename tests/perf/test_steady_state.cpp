// The steady state's throughput from a run's completions (sim/perf/steady_state.h), on completion times
// written out by hand: a fill and a drain around an even flow, bursts, rounds over data-parallel copies.
#include <gtest/gtest.h>

#include <vector>

#include "sim/perf/steady_state.h"

namespace aimc::perf {
namespace {

// Completion times from their gaps: the first at `first`, each next one gap later.
std::vector<double> from_gaps(double first, const std::vector<double>& gaps) {
  std::vector<double> t = {first};
  for (double g : gaps) t.push_back(t.back() + g);
  return t;
}

// `times` copies of `pattern`, in a row.
std::vector<double> repeat(const std::vector<double>& pattern, int times) {
  std::vector<double> out;
  for (int i = 0; i < times; ++i) out.insert(out.end(), pattern.begin(), pattern.end());
  return out;
}

TEST(SteadyState, AnEvenFlowIsTimedBetweenItsFillAndItsDrain) {
  // One inference every 250 ns; the second waits 30 ns more behind the first (the fill), the last two finish
  // 10 and 30 ns sooner, with none behind them (the drain). Timed from the first to the last completion,
  // the run would give 15 / 3,740 per ns.
  std::vector<double> gaps = {280};
  gaps.insert(gaps.end(), 12, 250.0);
  gaps.push_back(240);
  gaps.push_back(220);
  const auto r = steady_rate(from_gaps(1000, gaps), 1, 5000);
  EXPECT_EQ(r.basis, ThroughputBasis::Periodic);
  EXPECT_EQ(r.period, 1);
  EXPECT_DOUBLE_EQ(r.inferences_per_ns, 1.0 / 250);
}

TEST(SteadyState, BurstsAreTimedOverWholeRepeats) {
  // A stage that holds four items lets them finish 5 ns apart, then waits 500 ns: 4 inferences per 515 ns.
  // Timed from the first to the last of 12 completions instead (9 gaps of 5, 2 of 500), the run would give
  // 11 / 1,045.
  const auto done = from_gaps(100, repeat({5, 5, 5, 500}, 5));
  for (size_t n : {12, 13, 17, 21}) {
    const std::vector<double> head(done.begin(), done.begin() + static_cast<std::ptrdiff_t>(n));
    const auto r = steady_rate(head, 1, head.back());
    EXPECT_EQ(r.basis, ThroughputBasis::Periodic) << n;
    EXPECT_EQ(r.period, 4) << n;
    EXPECT_DOUBLE_EQ(r.inferences_per_ns, 4.0 / 515) << n;
  }
}

TEST(SteadyState, DataParallelRoundsAreNotTakenForAPeriod) {
  // Four copies finish a round 1 ns apart, every 100 ns: 4 inferences per 100 ns. A round's evenly spaced
  // completions must not pass for a period of 1 (1 per ns). Two rounds are timed from the first one's end
  // (the warm-up); a period needs more.
  const auto done = from_gaps(50, repeat({1, 1, 1, 97}, 4));
  const std::vector<double> two_rounds(done.begin(), done.begin() + 8);
  const auto r2 = steady_rate(two_rounds, 4, two_rounds.back());
  EXPECT_EQ(r2.basis, ThroughputBasis::AfterWarmUp);
  EXPECT_DOUBLE_EQ(r2.inferences_per_ns, 4.0 / 100);
  const std::vector<double> five_rounds(done.begin(), done.begin() + 17);
  const auto r5 = steady_rate(five_rounds, 4, five_rounds.back());
  EXPECT_EQ(r5.period, 4);
  EXPECT_DOUBLE_EQ(r5.inferences_per_ns, 4.0 / 100);
  // Six completions (fewer than two rounds): the whole run, its inferences over its time.
  const std::vector<double> short_run(done.begin(), done.begin() + 6);
  const auto r1 = steady_rate(short_run, 4, 200);
  EXPECT_EQ(r1.basis, ThroughputBasis::Run);
  EXPECT_EQ(r1.period, 0);
  EXPECT_DOUBLE_EQ(r1.inferences_per_ns, 6.0 / 200);
}

TEST(SteadyState, ThreeCompletionsAreAPeriodOnlyWhenTheirGapsAgree) {
  const auto even = steady_rate({0, 100, 200.5}, 1, 200.5);
  EXPECT_EQ(even.basis, ThroughputBasis::Periodic);
  EXPECT_DOUBLE_EQ(even.inferences_per_ns, 1 / 100.5);
  const auto uneven = steady_rate({0, 100, 250}, 1, 250);
  EXPECT_EQ(uneven.basis, ThroughputBasis::AfterWarmUp);
  EXPECT_DOUBLE_EQ(uneven.inferences_per_ns, 2.0 / 250);
}

TEST(SteadyState, ARunThatDoesNotRepeatIsTimedAfterItsWarmUp) {
  // Each gap 10 % longer than the one before (a queue that keeps growing): no period.
  std::vector<double> gaps;
  for (double g = 100; gaps.size() < 15; g *= 1.1) gaps.push_back(g);
  const auto done = from_gaps(0, gaps);
  const auto r = steady_rate(done, 2, done.back());
  EXPECT_EQ(r.basis, ThroughputBasis::AfterWarmUp);
  EXPECT_EQ(r.period, 0);
  EXPECT_DOUBLE_EQ(r.inferences_per_ns, 14.0 / (done.back() - done[1]));
  EXPECT_EQ(basis_name(r.basis), "after-warm-up");
}

}  // namespace
}  // namespace aimc::perf
