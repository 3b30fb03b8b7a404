// aimc results: about the result files compile, eval and perf write (--json, --csv).
#include <fmt/format.h>

#include "commands.h"
#include "report/schema.h"

namespace aimc::cli {

void add_results(CLI::App& app) {
  CLI::App* results = app.add_subcommand("results", "About the result files of compile, eval and perf");
  results->require_subcommand(1);
  CLI::App* schema = results->add_subcommand("schema", "Print every key of the result JSON and CSV (Markdown, docs/results.md)");
  schema->callback([] { fmt::print("{}", report::schema_markdown()); });
}

}  // namespace aimc::cli
