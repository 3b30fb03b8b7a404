// Subcommands of the aimc CLI. Each adds itself to the app with its flags and a callback.
// Callbacks throw; main() turns exceptions into exit codes.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <string>

#include "core/error.h"
#include "core/text_file.h"
#include "program/program.h"
#include "report/table.h"

namespace aimc::cli {

// Samples a model is calibrated on by default (the first N of the evaluated or given data).
inline constexpr int64_t kDefaultCalibrationSamples = 64;
// Prints warnings (a Program's compile warnings) on stderr ("aimc: warning: ...").
void print_warnings(const std::vector<std::string>& warnings);
// The files and folders a dataset spec (KIND:PATH[,PATH][,key=value]) reads.
std::vector<std::string> dataset_paths(const std::string& spec);
// A library error as the CLI prints it: the library's option names (`field` and `name` in the
// message) spelled as this CLI's flags.
std::string cli_message(const Error& e);
// Library text (a warning, a report) with its `option` names spelled as this CLI's flags.
std::string cli_spelling(std::string text);
// Result files of a command: --json and --csv, each written when given.
struct ResultFiles {
  std::string json, csv;
};
void add_result_flags(CLI::App* sub, ResultFiles& files, const std::string& what);
void write_results(const ResultFiles& files, const nlohmann::ordered_json& json, const report::Table& table);
// Adds --quiet (no progress on stderr).
void add_quiet_flag(CLI::App* sub, bool& quiet);
// The compiler's per-pass progress shown by `progress`.
class Progress;
std::function<void(const std::string& pass, size_t done, size_t count)> compile_progress(Progress& progress);
// Adds the --force flag of a writing command (its outputs go through check_outputs, core/text_file.h).
void add_force_flag(CLI::App* sub, bool& force);

void add_infer(CLI::App& app);
void add_forward(CLI::App& app);
void add_graph(CLI::App& app);
void add_chip(CLI::App& app);
void add_chip_characterize(CLI::App* chip);  // aimc chip characterize
void add_compile(CLI::App& app);
void add_perf(CLI::App& app);
void add_eval(CLI::App& app);
void add_results(CLI::App& app);
void add_report(CLI::App& app);
void add_sweep(CLI::App& app);

}  // namespace aimc::cli
