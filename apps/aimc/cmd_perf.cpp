// aimc perf: timing and energy of a Program on a chip (experiment::simulate_performance: the event
// simulation of src/sim/perf).
#include <fmt/format.h>

#include <functional>
#include <optional>

#include "chip/loader.h"
#include "commands.h"
#include "core/error.h"
#include "core/text_file.h"
#include "experiment/performance.h"
#include "presets.h"
#include "progress.h"
#include "report/perf_report.h"
#include "sim/perf/perf_sim.h"
#include "sim/perf/slices.h"

namespace aimc::cli {

namespace {
struct PerfArgs {
  std::string model, program, chip, schedule = "pipelined", replicate = "auto", read_mode, calibration_data;
  int64_t images = 16, batch = 0, chunks = 0, peak_bits = 0, calibration_samples = kDefaultCalibrationSamples;
  std::optional<int64_t> stage_buffers;
  std::optional<double> host_gops;
  bool peak = false;
  bool force = false, quiet = false;
  int64_t top = 12;
  std::string simulator = "event";
  ResultFiles out;
};

// An option's parser: `word` (set as 0) or a whole number 1 to `max`.
std::function<void(const std::string&)> word_or_count(std::string option, std::string word, int64_t max,
                                                      std::function<void(int64_t)> set) {
  return [=](const std::string& v) {
    int64_t n = 0;
    if (v == word) {
      set(0);
    } else if (CLI::detail::lexical_cast(v, n) && n >= 1 && n <= max) {
      set(n);
    } else {
      throw CLI::ValidationError(option, fmt::format("'{}': expected {} or a whole number 1 to {}", v, word, max));
    }
  };
}

void run_perf(const PerfArgs& a) {
  if (a.chip.empty()) throw Error("perf needs --chip", ErrorContext{.field = "--chip"});
  std::vector<std::string> inputs = dataset_paths(a.calibration_data);
  inputs.insert(inputs.end(), {a.model, a.program, a.chip});
  check_outputs({{"--json", a.out.json}, {"--csv", a.out.csv}}, inputs, a.force);
  const chip::ChipSpec chip = chip::load_chip(a.chip, preset_library());
  experiment::CompileSettings cs;
  cs.schedule = a.schedule;
  cs.replicate = a.replicate;
  cs.calibration_data = a.calibration_data;
  cs.calibration_samples = a.calibration_samples;
  Progress compiling("compile", !a.quiet);
  cs.on_pass = compile_progress(compiling);
  perf::PerfOptions opt;
  opt.images = a.images;
  opt.batch = a.batch;
  opt.chunks = a.chunks;
  opt.stage_buffers = a.stage_buffers;
  opt.read_mode = a.read_mode;
  opt.host_gops = a.host_gops;
  opt.analytic = a.simulator == "analytic";
  std::optional<Progress> simulating;  // from the event simulation's first finished item on (its ETA)
  opt.on_progress = [&](int64_t done, int64_t total) {
    if (!simulating) {
      compiling.finish();
      simulating.emplace("perf", !a.quiet);
    }
    simulating->update(done, total, "items simulated");
  };
  std::vector<std::string> warnings;
  const perf::PerfStats stats = experiment::simulate_performance(
      {.model = a.model, .program = a.program, .peak = a.peak, .peak_bits = a.peak_bits}, chip, cs, opt, &warnings);
  compiling.finish();
  if (simulating) simulating->finish();
  warnings.insert(warnings.end(), stats.warnings.begin(), stats.warnings.end());
  print_warnings(warnings);
  fmt::print("{}", report::perf_text(stats, static_cast<size_t>(a.top)));
  write_results(a.out, report::perf_json(stats), report::perf_table(stats));
}
}  // namespace

void add_perf(CLI::App& app) {
  auto args = std::make_shared<PerfArgs>();
  CLI::App* sub =
      app.add_subcommand("perf", "Latency, throughput, energy and utilisation of a network on a chip (event simulation)");
  sub->add_option("--model", args->model, "ONNX model (compiled on the fly with the default pipeline)");
  sub->add_option("--program", args->program, "a compiled Program (JSON from aimc compile -o)");
  sub->add_option("--chip", args->chip, "preset name or chip .yaml file");
  sub->add_option("--images", args->images, "inferences streamed (default 16)")
      ->check(CLI::Range(int64_t{1}, perf::kMaxSimulatedItems));
  sub->add_option("--batch", args->batch, "inferences per batch for layer schedules and reloads (default: all)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 24));
  sub->add_option_function<std::string>(
         "--chunks", word_or_count("--chunks", "auto", perf::kMaxSlices, [args](int64_t k) { args->chunks = k; }),
         fmt::format("slices each inference streams through the pipeline in: auto (default: of 1, 2, 4, ... "
                     "up to the finest whole-row slicing of the network's feature maps, the one with which the "
                     "analytic model ends the run soonest; 1 where it cannot stream) or 1 to {} (1: "
                     "whole-inference tasks)",
                     perf::kMaxSlices))
      ->type_name("auto|K");
  sub->add_option_function<std::string>(
         "--stage-buffers",
         word_or_count("--stage-buffers", "unbounded", int64_t{1} << 24, [args](int64_t n) { args->stage_buffers = n; }),
         fmt::format("items (slices, or inferences where they run whole) whose input each pipeline stage holds at once, "
                     "besides the slices a halo reads whole; an "
                     "item that finished a stage waits until the next has room (backpressure): N (default {}: double "
                     "buffering) or unbounded; the analytic model admits items into each stage as that window",
                     perf::kDefaultStageBuffers))
      ->type_name("unbounded|N");
  sub->add_option("--schedule", args->schedule, "with --model: layer | pipelined | data-parallel (default pipelined)");
  sub->add_option("--replicate", args->replicate, "with --model: auto | none (default auto)");
  sub->add_option("--read-mode", args->read_mode, "read mode (default: the chip's first)");
  sub->add_option("--calibration-data", args->calibration_data,
                  "with --model: dataset SPEC to calibrate on; its measured input activity prices the row drives "
                  "(data-dependent energy, reported beside the data-independent estimate)");
  sub->add_option("--calibration-samples", args->calibration_samples,
                  fmt::format("with --calibration-data: the first N samples (default {})", kDefaultCalibrationSamples))
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  sub->add_option("--simulator", args->simulator,
                  "event (default): the discrete-event simulation; analytic: the same figures in closed form, faster "
                  "(docs/perf-sim.md)")
      ->check(CLI::IsMember({"event", "analytic"}));
  sub->add_option("--host-gops", args->host_gops,
                  "host throughput for the ops placed on the host, Gop/s (default: the chip's host.gops; 0: free)")
      ->check(CLI::Range(0.0, 1e9));
  sub->add_flag("--peak", args->peak, "simulate a synthetic workload that keeps every crossbar busy");
  sub->add_option("--peak-bits", args->peak_bits, "with --peak: input bits (default: the encoder's)");
  sub->add_option("--top", args->top, "rows of the layer and core tables (0: all)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 20));
  add_result_flags(sub, args->out, "the results");
  add_force_flag(sub, args->force);
  add_quiet_flag(sub, args->quiet);
  sub->callback([args] { run_perf(*args); });
}

}  // namespace aimc::cli
