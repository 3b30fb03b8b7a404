// The performance experiment: the Program to time — a compiled Program file (its model is not
// needed), the model compiled on the spot, or the synthetic peak workload — through the event
// simulation (src/sim/perf). What `aimc perf` runs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "chip/chip_spec.h"
#include "experiment/program_source.h"
#include "sim/perf/perf_sim.h"

namespace aimc::experiment {

struct PerfSource {
  std::string model;      // ONNX model, compiled with the CompileSettings
  std::string program;    // or a compiled Program (JSON)
  bool peak = false;      // or a synthetic workload keeping every crossbar busy
  int64_t peak_bits = 0;  // its input bits (0: the chip's encoder's)
};

// `program` timed on `chip`. Throws Error naming the option (images, chunks, read_mode) when the
// options are out of range.
perf::PerfStats simulate_performance(const program::Program& program, const chip::ChipSpec& chip,
                                     const perf::PerfOptions& options);

// Throws Error naming the option (model, program, chunks, ...) when the source or options are wrong.
// `warnings` (when given) receives the compiled or loaded Program's warnings.
perf::PerfStats simulate_performance(const PerfSource& source, const chip::ChipSpec& chip, const CompileSettings& settings,
                                     const perf::PerfOptions& options, std::vector<std::string>* warnings = nullptr);

}  // namespace aimc::experiment
