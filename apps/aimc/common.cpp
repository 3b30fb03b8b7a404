// Helpers shared by the subcommands.
#include <fmt/format.h>

#include "commands.h"

namespace aimc::cli {

void print_warnings(const compiler::Program& program) {
  for (const std::string& w : program.warnings) fmt::print(stderr, "aimc: warning: {}\n", w);
}

std::vector<std::string> dataset_paths(const std::string& spec) {
  std::vector<std::string> out;
  const size_t colon = spec.find(':');
  if (colon == std::string::npos) return out;
  size_t at = colon + 1;
  while (at <= spec.size()) {
    const size_t comma = spec.find(',', at);
    const std::string part = spec.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    if (!part.empty() && part.find('=') == std::string::npos) out.push_back(part);
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  return out;
}

void check_command_outputs(const std::vector<OutputPath>& outputs, const std::vector<std::string>& inputs, bool force) {
  check_outputs(outputs, inputs, force);
}

void add_force_flag(CLI::App* sub, bool& force) {
  sub->add_flag("--force", force, "replace output files that exist (an output that is one of the inputs is refused anyway)");
}

}  // namespace aimc::cli
