// The mapping report: per layer its matrix, tiles, cell utilisation, replication and cores; for
// the chip the crossbars and cores used, cell utilisation, on-chip traffic per inference and a
// text floor plan of which layer sits on which core. Computed from the Program alone.
#pragma once

#include <string>

#include "program/program.h"

namespace aimc::compiler {

// The compiler writes Programs (src/program): it names their types plainly.
using namespace ::aimc::program;  // NOLINT(google-build-using-namespace)

// {"tiles_used", "tiles_available", "cell_utilisation", "cores_used", "cores_available", "traffic": {...},
//  "layers": [{"name", "rows", "cols", "tiles", "replicas", "cores", "cell_utilisation", ...}], ...}
Json report_json(const Program& p);
std::string report_text(const Program& p);
// The floor plan alone: the core grid (cores.arrangement; the last dims across, the first down)
// with the id of the layer on each core ("+" when several share it, "." when idle).
std::string floor_plan(const Program& p);

}  // namespace aimc::compiler
