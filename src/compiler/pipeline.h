// Pipelines as text (STYLE P9): "fold-batchnorm,quantize{granularity=per-channel},...,schedule{kind=pipelined}",
// and the compile() entry point that runs one on a model and a chip.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "chip/chip_spec.h"
#include "compiler/context.h"
#include "compiler/pass.h"
#include "ir/graph.h"
#include "program/program.h"

namespace aimc::compiler {

// The compiler writes Programs (src/program): it names their types plainly.
using namespace ::aimc::program;  // NOLINT(google-build-using-namespace)

// The default pipeline for a schedule kind ("layer" | "pipelined" | "data-parallel") and a
// replication mode ("auto" | "none").
std::string default_pipeline(const std::string& schedule = "pipelined", const std::string& replicate = "auto");

// Parses a pipeline; throws Error (field "pipeline") on a syntax error, an unknown pass or option.
std::vector<std::unique_ptr<Pass>> parse_pipeline(const std::string& text);

struct CompileOptions {
  std::string pipeline;  // empty: default_pipeline(schedule, replicate)
  std::string schedule = "pipelined";
  std::string replicate = "auto";
  std::string model_path;  // recorded in the Program with its sha256 (may be empty in tests)
  bool print_ir_after_all = false;
  std::function<void(const std::string&)> print;  // receives the IR dumps (default: stderr)
  CalibrationData calibration;
  uint64_t seed = 0;
  // Progress: called before each pass runs (`done` passes of `count` have run).
  std::function<void(const std::string& pass, size_t done, size_t count)> on_pass;
  bool allow_quantize = false;  // quantise fp32 weights to a low-precision chip (binary, < 8 bits) without
                                // QDQ scales; otherwise that is an error naming what the chip needs
};

// Runs the pipeline on a copy of `graph` for `chip`. Throws Error when the network does not fit.
Program compile(const Graph& graph, const chip::ChipSpec& chip, const CompileOptions& options);

// Re-applies the Program's graph-rewriting passes (fold-batchnorm) to a freshly imported model
// graph, so that layer node names and weights match the Program. Checks each layer's weight hash
// unless `check_weights` is false (the Program was just compiled from this very graph).
Graph prepare_graph(const Graph& imported, const Program& program, bool check_weights = true);

}  // namespace aimc::compiler
