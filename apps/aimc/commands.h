// Subcommands of the aimc CLI. Each adds itself to the app with its flags and a callback.
// Callbacks throw; main() turns exceptions into exit codes.
#pragma once

#include <CLI/CLI.hpp>

namespace aimc::cli {

void add_infer(CLI::App& app);
void add_forward(CLI::App& app);
void add_graph(CLI::App& app);
void add_chip(CLI::App& app);
void add_compile(CLI::App& app);
void add_perf(CLI::App& app);
void add_eval(CLI::App& app);

}  // namespace aimc::cli
