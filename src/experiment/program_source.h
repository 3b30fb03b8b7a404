// Where an experiment's Program comes from: a compiled Program file (checked against its chip and
// model), or the model compiled on the spot — with calibration data when the user has it. The one
// place the CLI's compile, eval and perf commands (and the Python module) get a Program from.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "chip/chip_spec.h"
#include "core/tensor.h"
#include "ir/graph.h"
#include "program/program.h"

namespace aimc::experiment {

// How to compile a model (ignored for a Program file, whose options are fixed).
struct CompileSettings {
  std::string pipeline;  // empty: the default pipeline of schedule and replicate
  std::string schedule = "pipelined";
  std::string replicate = "auto";
  uint64_t seed = 0;                      // seed of synthetic calibration inputs
  std::string calibration_data;           // dataset spec of real calibration samples; empty: synthetic inputs
  int64_t calibration_samples = 64;       // the first N samples of calibration_data (0: synthetic inputs)
  std::vector<Tensor> calibration_batch;  // or these samples: one array per model input, in its order (the batch
                                          // at the input's batch axis); e.g. from Python
  bool allow_quantize = false;            // let weights be quantised to a chip's precision without QDQ scales
  bool print_ir_after_all = false;
  std::function<void(const std::string& pass, size_t done, size_t count)> on_pass;  // progress (CompileOptions)
};

struct ProgramSource {
  std::string model;    // ONNX model (compiled with `settings`)
  std::string program;  // or a compiled Program (JSON)
};

struct LoadedProgram {
  program::Program program;
  Graph imported;            // the model as imported
  Graph prepared;            // the model with the Program's graph rewrites (what the executor runs)
  std::string model_path;    // the model file actually read
  std::string program_path;  // the Program file it was loaded from (empty: compiled here)
  bool has_model = true;     // false: a Program file that records no model (compiled from bytes or a torch
                             // module): the graphs are empty, enough for perf, not for running the network
};

// Exactly one of source.model and source.program. A Program is checked against `chip` and its
// model file's hash (the model is looked up beside the Program when its recorded path is absent).
// A Program that records no model file loads without a model (has_model false).
// Throws Error (file, field) on any mismatch; a Program file with calibration settings is an error.
LoadedProgram load_or_compile(const ProgramSource& source, const chip::ChipSpec& chip, const CompileSettings& settings);

// Throws Error when `loaded` has no model (see has_model): running the network (`what`) needs its weights.
void require_model(const LoadedProgram& loaded, const std::string& what);

// `imported` (a model as imported: from a file, or from bytes with an empty `model_path`) compiled
// onto `chip`. The Program records `model_path` and its hash when the path is given.
LoadedProgram compile_model(Graph imported, const std::string& model_path, const chip::ChipSpec& chip,
                            const CompileSettings& settings);

// A compiled Program file checked against `chip` (its model is not read). `settings` must not ask
// for calibration data (a Program keeps the calibration it was compiled with).
program::Program load_checked_program(const std::string& path, const chip::ChipSpec& chip, const CompileSettings& settings);

// The first `samples` inputs of dataset `spec` in the layout of `graph`'s input (image batches as
// they are; token windows in the model's batch layout), for calibration. Checks the data fits.
std::vector<Tensor> calibration_inputs(const Graph& graph, const std::string& spec, int64_t samples);

}  // namespace aimc::experiment
