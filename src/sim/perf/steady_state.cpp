#include "sim/perf/steady_state.h"

#include <algorithm>
#include <cmath>

namespace aimc::perf {
namespace {

// The completions a period is looked for in: the run's last ones (enough for any steady state; it bounds the
// search's work on long runs).
constexpr int64_t kLookedAt = 8192;

// The median of `v` (its upper one for an even count); reorders v.
double median_of(std::vector<double>& v) {
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

struct Period {
  int64_t inferences = 0;  // 0: none
  double ns = 0;           // its duration
};

// The fewest completions p, a multiple of `unit`, after which `done` repeats its spacing. Each window of p
// completions, done[i + p] − done[i], lasts the same in a steady state, wherever it starts: a window that
// lasts within `tolerance` of their median is steady, and p is a period when the longest run of steady
// windows holds half of the windows at least (the fill's and the drain's windows are the others) and
// more than two periods of completions (three completions, two gaps alike, for a period of one). Its
// duration: the median of that run's windows.
Period period_of(const std::vector<double>& done, int64_t unit, double tolerance) {
  const auto n = static_cast<int64_t>(done.size());
  const int64_t first = std::max<int64_t>(0, n - kLookedAt);
  std::vector<double> window, sorted;
  for (int64_t p = unit; 2 * p <= n - first; p += unit) {
    window.clear();
    for (int64_t i = first; i + p < n; ++i) window.push_back(done[static_cast<size_t>(i + p)] - done[static_cast<size_t>(i)]);
    sorted = window;
    const double median = median_of(sorted);
    if (!(median > 0)) continue;
    size_t best = 0, best_end = 0, run = 0;
    for (size_t i = 0; i < window.size(); ++i) {
      run = std::abs(window[i] - median) <= tolerance * median ? run + 1 : 0;
      if (run > best) best = run, best_end = i + 1;
    }
    if (best > static_cast<size_t>(p) && 2 * best >= window.size()) {
      // The run's median window: the steady duration, whatever the run's first windows still carry of the fill.
      sorted.assign(window.begin() + static_cast<std::ptrdiff_t>(best_end - best),
                    window.begin() + static_cast<std::ptrdiff_t>(best_end));
      return {p, median_of(sorted)};
    }
  }
  return {};
}

}  // namespace

std::string_view basis_name(ThroughputBasis basis) {
  switch (basis) {
    case ThroughputBasis::Periodic:
      return "periodic";
    case ThroughputBasis::AfterWarmUp:
      return "after-warm-up";
    case ThroughputBasis::Run:
      break;
  }
  return "run";
}

SteadyRate steady_rate(const std::vector<double>& done, int64_t warm, double makespan_ns, double tolerance) {
  const auto n = static_cast<int64_t>(done.size());
  SteadyRate r;
  warm = std::max<int64_t>(warm, 1);
  if (n < 2 * warm || !(done.back() > done[static_cast<size_t>(warm - 1)])) {
    r.inferences_per_ns = makespan_ns > 0 ? static_cast<double>(n) / makespan_ns : 0;
    return r;
  }
  // A period is a whole number of warm-ups: a burst's evenly spaced completions (a round over the copies, a
  // batch) would otherwise pass for one.
  if (const Period p = period_of(done, warm, tolerance); p.inferences > 0) {
    r.basis = ThroughputBasis::Periodic;
    r.period = p.inferences;
    r.inferences_per_ns = static_cast<double>(p.inferences) / p.ns;
    return r;
  }
  r.basis = ThroughputBasis::AfterWarmUp;
  r.inferences_per_ns = static_cast<double>(n - warm) / (done.back() - done[static_cast<size_t>(warm - 1)]);
  return r;
}

}  // namespace aimc::perf
