// Printers for PerfStats (STYLE P7): text for people, JSON for tools.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "sim/perf/perf_sim.h"

namespace aimc::perf {

nlohmann::ordered_json to_json(const PerfStats& s);
// `top` limits the per-layer and per-core rows printed (0: all).
std::string to_text(const PerfStats& s, size_t top = 12);

}  // namespace aimc::perf
