// aimc command-line interface: parses flags, calls the library, prints.
// Exit codes: 0 success, 2 bad input or usage, 1 internal error.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "aimc/version.h"
#include "commands.h"
#include "core/error.h"

namespace {
// OpenMP threads that spin at a barrier on a shared machine take the core of the thread they wait
// for: with one busy process beside it, `--threads 2` ran 25 % slower than `--threads 1` (ResNet-20
// on hermes), and at par with passive waits; on idle cores passive waits still scale. libgomp reads
// OMP_WAIT_POLICY once, when it is loaded, so the CLI restarts itself with the passive policy unless
// the user chose one (OMP_WAIT_POLICY=active restores spinning on a dedicated machine).
void start_with_passive_openmp_waits(char** argv) {
  const char* policy = std::getenv("OMP_WAIT_POLICY");
  if (policy != nullptr && *policy != '\0') return;
  if (::setenv("OMP_WAIT_POLICY", "passive", 1) != 0) return;
  ::execv("/proc/self/exe", argv);  // returns only on failure: run on with the runtime's default
  ::unsetenv("OMP_WAIT_POLICY");
}
}  // namespace

int main(int argc, char** argv) {
  start_with_passive_openmp_waits(argv);
  CLI::App app{"aimc: compile, simulate and measure neural networks on analog in-memory-computing chips"};
  app.set_version_flag("--version", std::string("aimc ") + aimc::kVersion);
  app.require_subcommand(1);
  aimc::cli::add_infer(app);
  aimc::cli::add_forward(app);
  aimc::cli::add_graph(app);
  aimc::cli::add_chip(app);
  aimc::cli::add_compile(app);
  aimc::cli::add_perf(app);
  aimc::cli::add_eval(app);
  aimc::cli::add_results(app);
  aimc::cli::add_report(app);
  aimc::cli::add_sweep(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "aimc: {}\n", e.what());
    return 2;
  } catch (const aimc::Error& e) {
    fmt::print(stderr, "aimc: error: {}\n", aimc::cli::cli_message(e));
    return 2;
  } catch (const aimc::InternalError& e) {
    fmt::print(stderr, "aimc: {}\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "aimc: internal error: {}\n", e.what());
    return 1;
  }
  return 0;
}
