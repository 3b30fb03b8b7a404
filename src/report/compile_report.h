// The mapping report: per layer its matrix, tiles, cell utilisation, replication and cores; for
// the chip the crossbars and cores used, cell utilisation, on-chip traffic per inference and a
// text floor plan of which layer sits on which core. Computed from the Program alone.
#pragma once

#include <string>

#include "program/program.h"
#include "report/table.h"

namespace aimc::report {

// The keys: report/schema.cpp (docs/results.md).
program::Json compile_json(const program::Program& p);
// One row per layer.
Table compile_table(const program::Program& p);
std::string compile_text(const program::Program& p);
// The floor plan alone: the core grid (cores.arrangement; the last dims across, the first down)
// with the id of the layer on each core ("+" when several share it, "." when idle).
std::string floor_plan(const program::Program& p);

}  // namespace aimc::report
