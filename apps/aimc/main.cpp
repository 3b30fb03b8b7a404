// aimc command-line interface: parses flags, calls the library, prints.
// Exit codes: 0 success, 2 bad input or usage, 1 internal error.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "aimc/version.h"
#include "commands.h"
#include "core/error.h"
#include "core/threads.h"

namespace {
// The CLI restarts itself once, before anything runs, with two runtime settings that are read only
// when a process starts:
// - OpenMP threads that spin at a barrier on a shared machine take the core of the thread they wait
//   for: with one busy process beside it, `--threads 2` ran 25 % slower than `--threads 1` (ResNet-20
//   on hermes), and at par with passive waits; on idle cores passive waits still scale. libgomp reads
//   OMP_WAIT_POLICY when it is loaded, so the passive policy is set unless the user chose one
//   (OMP_WAIT_POLICY=active restores spinning on a dedicated machine).
// - glibc's malloc asks for transparent huge pages for its large blocks (glibc.malloc.hugetlb=1;
//   the kernel's default mode, "madvise", gives them only when asked): a model's weights parsed by
//   protobuf, and every large buffer, then fault once per 2 MiB instead of once per 4 KiB. VGG-11's
//   compile (531 MB of weights) took 6.1 s without and 3.6 s with it, at the same peak memory. Kept
//   as the user set it when GLIBC_TUNABLES already names it.
void start_with_runtime_settings(char** argv) {
  bool restart = false;
  const char* policy = std::getenv("OMP_WAIT_POLICY");
  if ((policy == nullptr || *policy == '\0') && ::setenv("OMP_WAIT_POLICY", "passive", 1) == 0) restart = true;
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  std::string t = tunables != nullptr ? tunables : "";
  if (t.find(aimc::kMallocHugePagesTunable) == std::string::npos) {
    t += (t.empty() ? "" : ":") + std::string(aimc::kMallocHugePagesTunable) + "=1";
    if (::setenv("GLIBC_TUNABLES", t.c_str(), 1) == 0) restart = true;
  }
  if (restart) ::execv("/proc/self/exe", argv);  // returns only on failure: run on as started
}
}  // namespace

int main(int argc, char** argv) {
  start_with_runtime_settings(argv);
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
