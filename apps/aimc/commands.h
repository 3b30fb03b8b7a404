// Subcommands of the aimc CLI. Each adds itself to the app with its flags and a callback.
// Callbacks throw; main() turns exceptions into exit codes.
#pragma once

#include <cstdint>

#include <CLI/CLI.hpp>

#include "compiler/program.h"

namespace aimc::cli {

// Samples a model is calibrated on by default (the first N of the evaluated or given data).
inline constexpr int64_t kDefaultCalibrationSamples = 64;
// Prints the Program's compile warnings on stderr ("aimc: warning: ...").
void print_warnings(const compiler::Program& program);

void add_infer(CLI::App& app);
void add_forward(CLI::App& app);
void add_graph(CLI::App& app);
void add_chip(CLI::App& app);
void add_compile(CLI::App& app);
void add_perf(CLI::App& app);
void add_eval(CLI::App& app);

}  // namespace aimc::cli
