// The throughput a run's completions show once it runs steadily.
//
// A pipeline's completions do not come evenly spaced: a stage that holds two items lets them finish close
// together, data-parallel copies finish a round at once, a layer schedule finishes a batch at once. Timing
// the run from its first completions to its last then counts a share of a burst as if it were steady, and
// overshoots or undershoots by up to a burst over the run (2.4× on a 4-copy run of 8 images). In a
// deterministic simulation the steady state repeats exactly, so it is found as a period: the fewest
// completions p after which the run repeats its spacing, between the fill and the drain (the last
// inferences, with none behind them, finish faster), and the throughput is p over a period's duration. A run
// whose completions do not repeat is timed from the warm-up on, and says so.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace aimc::perf {

enum class ThroughputBasis {
  Periodic,     // the completions repeat every `period` inferences between the fill and the drain: p / its duration
  AfterWarmUp,  // they do not repeat yet: the completions after the warm-up over their time (an estimate)
  Run,          // too few for either (fewer than two warm-ups): the whole run's inferences over its time
};

// "periodic", "after-warm-up" or "run" (the JSON's throughput_basis).
std::string_view basis_name(ThroughputBasis basis);

struct SteadyRate {
  double inferences_per_ns = 0;
  ThroughputBasis basis = ThroughputBasis::Run;
  int64_t period = 0;  // inferences per repeat (Periodic), else 0
};

// `done`: every inference's completion time, ascending (ns). `warm`: the completions of the warm-up (the
// first batch where batches run in turn, the first round over data-parallel copies, else 1); a period is a
// whole number of them. `tolerance`: how far (relative) a period's duration may stray from the median's.
SteadyRate steady_rate(const std::vector<double>& done, int64_t warm, double makespan_ns, double tolerance = 1e-2);

}  // namespace aimc::perf
