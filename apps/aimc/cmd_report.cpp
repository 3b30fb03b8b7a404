// aimc report: one self-contained HTML report of result files, made by the Python package's report
// (python/aimc/html_report.py: matplotlib plots inline as SVG). This command runs it with the
// interpreter aimc was built for and the package aimc was built with.
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "commands.h"
#include "core/error.h"

namespace aimc::cli {

namespace {
struct ReportArgs {
  std::vector<std::string> results, labels;
  std::string output;
  bool force = false;
};

[[noreturn]] void run_report(const ReportArgs& a) {
  std::string path = AIMC_PYTHON_PATH;
  if (const char* old = std::getenv("PYTHONPATH"); old != nullptr && *old != '\0') path += std::string(":") + old;
  setenv("PYTHONPATH", path.c_str(), 1);
  std::vector<std::string> args = {AIMC_PYTHON, "-m", "aimc.html_report", "-o", a.output};
  for (const std::string& l : a.labels) args.insert(args.end(), {"--label", l});
  if (a.force) args.emplace_back("--force");
  args.emplace_back("--");
  args.insert(args.end(), a.results.begin(), a.results.end());
  std::vector<char*> argv;
  for (std::string& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  execv(AIMC_PYTHON, argv.data());
  throw Error(fmt::format("cannot run {} ({}); the report needs the Python interpreter aimc was built for", AIMC_PYTHON,
                          std::strerror(errno)),
              ErrorContext{.field = "report"});
}
}  // namespace

void add_report(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* sub = app.add_subcommand(
      "report", "One self-contained HTML report (plots inline) of result JSON files; several are compared side by side");
  sub->add_option("results", args->results,
                  "result JSON files of compile, eval, perf or chip characterize (--json), or sweep databases (.db)")
      ->required();
  sub->add_option("-o,--output", args->output, "the HTML file to write")->required();
  sub->add_option("--label", args->labels, "a name per result, in order (default: the file names)");
  add_force_flag(sub, args->force);
  sub->callback([args] { run_report(*args); });
}

}  // namespace aimc::cli
