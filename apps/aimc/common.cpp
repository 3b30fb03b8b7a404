// Helpers shared by the subcommands.
#include <fmt/format.h>

#include "commands.h"

namespace aimc::cli {

void print_warnings(const compiler::Program& program) {
  for (const std::string& w : program.warnings) fmt::print(stderr, "aimc: warning: {}\n", w);
}

}  // namespace aimc::cli
