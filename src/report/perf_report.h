// The perf result (perf::PerfStats) as JSON, as a table (CSV) and as text for people (STYLE P7).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "report/table.h"
#include "sim/perf/perf_sim.h"

namespace aimc::report {

nlohmann::ordered_json perf_json(const perf::PerfStats& s);
// One row per layer (per-inference figures).
Table perf_table(const perf::PerfStats& s);
// `top` limits the per-layer and per-core rows printed (0: all).
std::string perf_text(const perf::PerfStats& s, size_t top = 12);

}  // namespace aimc::report
