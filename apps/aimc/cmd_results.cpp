// aimc results: about the files compile, eval and perf write (--json, --csv, the Program of compile -o).
#include <fmt/format.h>

#include "commands.h"
#include "program/program_schema.h"
#include "report/schema.h"

namespace aimc::cli {

void add_results(CLI::App& app) {
  CLI::App* results = app.add_subcommand("results", "About the files compile, eval and perf write");
  results->require_subcommand(1);
  CLI::App* schema = results->add_subcommand("schema", "Print every key of the result JSON and CSV (Markdown, docs/results.md)");
  schema->callback([] { fmt::print("{}", report::schema_markdown()); });
  results->add_subcommand("program-schema", "Print every key of the Program file (compile -o; Markdown, docs/program.md)")
      ->callback([] { fmt::print("{}", program::program_schema_markdown()); });
}

}  // namespace aimc::cli
