// Helpers shared by the subcommands.
#include <fmt/format.h>

#include "commands.h"
#include "core/error.h"
#include "data/dataset.h"

namespace aimc::cli {

void print_warnings(const program::Program& program) {
  for (const std::string& w : program.warnings) fmt::print(stderr, "aimc: warning: {}\n", w);
}

std::vector<std::string> dataset_paths(const std::string& spec) {
  if (spec.empty()) return {};
  try {
    return parse_dataset_spec(spec).paths;
  } catch (const Error&) {
    return {};  // a malformed spec is reported by the loader, under its own flag
  }
}

void add_force_flag(CLI::App* sub, bool& force) {
  sub->add_flag("--force", force, "replace output files that exist (an output that is one of the inputs is refused anyway)");
}

}  // namespace aimc::cli
