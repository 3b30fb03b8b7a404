// Helpers shared by the subcommands.
#include <fmt/format.h>

#include "commands.h"
#include "core/error.h"
#include "core/json_text.h"
#include "data/dataset.h"
#include "progress.h"
#include "report/table.h"

namespace aimc::cli {

std::vector<std::string> dataset_paths(const std::string& spec) {
  if (spec.empty()) return {};
  try {
    return parse_dataset_spec(spec).paths;
  } catch (const Error&) {
    return {};  // a malformed spec is reported by the loader, under its own flag
  }
}

namespace {

// The library names its options as its option structs and the Python module do (snake_case); the
// CLI's flags for the same options.
const std::vector<std::string>& library_options() {
  static const std::vector<std::string> options = {"drift_times",
                                                   "repeats",
                                                   "program",
                                                   "model",
                                                   "calibration_samples",
                                                   "calibration_data",
                                                   "schedule",
                                                   "replicate",
                                                   "read_mode",
                                                   "images",
                                                   "chunks",
                                                   "data",
                                                   "allow_quantize",
                                                   "force",
                                                   "drift_compensation",
                                                   "compensation_readout",
                                                   "vectors",
                                                   "matrices"};
  return options;
}

std::string flag_of(std::string option) {
  if (option == "drift_compensation") return "--gdc";
  if (option == "compensation_readout") return "--gdc-readout";
  for (char& c : option) c = c == '_' ? '-' : c;
  return "--" + option;
}

}  // namespace

std::string cli_spelling(std::string message) {
  for (const std::string& o : library_options()) {
    const std::string quoted = '`' + o + '`';
    for (size_t at = message.find(quoted); at != std::string::npos; at = message.find(quoted, at)) {
      message.replace(at, quoted.size(), flag_of(o));
    }
  }
  return message;
}

void print_warnings(const std::vector<std::string>& warnings) {
  for (const std::string& w : warnings) fmt::print(stderr, "aimc: warning: {}\n", cli_spelling(w));
}

std::string cli_message(const Error& e) {
  ErrorContext context = e.context();
  if (context.file.empty() && context.node.empty()) {
    for (const std::string& o : library_options()) {
      if (context.field == o) context.field = flag_of(o);
    }
  }
  return Error(cli_spelling(e.message()), context).what();
}

void add_result_flags(CLI::App* sub, ResultFiles& files, const std::string& what) {
  sub->add_option("--json", files.json, fmt::format("write {} as JSON to this file (docs/results.md)", what));
  sub->add_option("--csv", files.csv, fmt::format("write {} as CSV to this file (docs/results.md)", what));
}

void write_results(const ResultFiles& files, const nlohmann::ordered_json& json, const report::Table& table) {
  if (!files.json.empty()) write_text_file(files.json, json_text(json, 2) + "\n");
  if (!files.csv.empty()) write_text_file(files.csv, report::to_csv(table));
}

void add_quiet_flag(CLI::App* sub, bool& quiet) {
  sub->add_flag("--quiet", quiet, "no progress on stderr (a bar on a terminal, a line every 10 s otherwise)");
}

std::function<void(const std::string& pass, size_t done, size_t count)> compile_progress(Progress& progress) {
  return [&progress](const std::string& pass, size_t done, size_t count) {
    progress.update(static_cast<int64_t>(done), static_cast<int64_t>(count), "pass " + pass);
  };
}

void add_force_flag(CLI::App* sub, bool& force) {
  sub->add_flag("--force", force, "replace output files that exist (an output that is one of the inputs is refused anyway)");
}

}  // namespace aimc::cli
