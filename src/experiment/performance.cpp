#include "experiment/performance.h"

#include <fmt/format.h>

#include "core/error.h"

namespace aimc::experiment {

namespace {
program::Program program_to_time(const PerfSource& source, const chip::ChipSpec& chip, const CompileSettings& settings) {
  const int sources = (source.peak ? 1 : 0) + (source.model.empty() ? 0 : 1) + (source.program.empty() ? 0 : 1);
  if (sources != 1) {
    throw Error("give exactly one of a model, a compiled Program (`program`) or the peak workload",
                ErrorContext{.field = "model"});
  }
  if (source.peak) {
    if (source.peak_bits < 0 || source.peak_bits > chip.cores.input.bits) {
      throw Error(fmt::format("{}: expected 0 (the input encoder's {} bits) or 1 to {}", source.peak_bits, chip.cores.input.bits,
                              chip.cores.input.bits),
                  ErrorContext{.field = "peak_bits"});
    }
    return perf::peak_program(chip, source.peak_bits > 0 ? source.peak_bits : chip.cores.input.bits, 64);
  }
  if (!source.program.empty()) return load_checked_program(source.program, chip, settings);
  return load_or_compile({.model = source.model}, chip, settings).program;
}
}  // namespace

perf::PerfStats simulate_performance(const program::Program& program, const chip::ChipSpec& chip,
                                     const perf::PerfOptions& options) {
  program::check_fits(program, chip, "program");  // a chip of other geometry would index parts it has not
  return perf::simulate(chip, program, options);  // its setup checks the options (perf::check_options)
}

perf::PerfStats simulate_performance(const PerfSource& source, const chip::ChipSpec& chip, const CompileSettings& settings,
                                     const perf::PerfOptions& options, std::vector<std::string>* warnings) {
  perf::check_options(options);                           // before any compile
  program::schedule_kind_from_string(settings.schedule);  // checked even when a Program file fixes it
  const program::Program program = program_to_time(source, chip, settings);
  if (warnings) *warnings = program.warnings;
  return simulate_performance(program, chip, options);
}

}  // namespace aimc::experiment
