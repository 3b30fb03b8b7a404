// aimc eval: the accuracy a network reaches on a chip (experiment::evaluate: the digital fp32
// reference, then the chip at each time since programming over K programming draws).
#include <fmt/format.h>

#include <optional>

#include "chip/loader.h"
#include "commands.h"
#include "core/error.h"
#include "core/text_file.h"
#include "core/threads.h"
#include "data/dataset.h"
#include "experiment/evaluate.h"
#include "experiment/program_source.h"
#include "presets.h"
#include "progress.h"
#include "report/eval_report.h"

namespace aimc::cli {

namespace {

struct EvalArgs {
  std::string model;
  std::string program;
  std::string chip;
  std::string data;
  std::string drift_times = "1s,1h,1d,1y";
  int64_t repeats = 1;
  uint64_t seed = 0;
  int64_t limit = -1;
  int64_t batch = 64;
  int threads = 2;
  ResultFiles out;
  std::string read_mode;
  std::string gdc = "chip";
  std::string gdc_readout = "chip";
  std::string replicate = "auto";
  std::string pipeline;
  std::string calibration_data;                // default: --data
  std::optional<int64_t> calibration_samples;  // default: kDefaultCalibrationSamples
  bool allow_quantize = false;
  bool adc_saturation = false;
  std::string gemm_precision = "fp32";
  bool quiet = false;
  bool force = false;
};

void run_eval(const EvalArgs& a) {
  // Every flag is checked before any work.
  experiment::EvalOptions eo;
  eo.drift_times = experiment::parse_drift_times(a.drift_times);
  eo.drift_compensation = experiment::parse_drift_compensation(a.gdc);
  eo.compensation_readout = experiment::parse_compensation_readout(a.gdc_readout);
  eo.repeats = a.repeats;
  eo.seed = a.seed;
  eo.batch = a.batch;
  eo.threads = a.threads;
  eo.read_mode = a.read_mode;
  eo.allow_quantize = a.allow_quantize;
  eo.adc_saturation = a.adc_saturation;
  eo.gemm_precision = experiment::parse_gemm_precision(a.gemm_precision);
  if (!a.program.empty() && a.calibration_samples.has_value()) {
    throw Error(
        "a compiled Program keeps the calibration it was compiled with; calibrate when compiling, or "
        "evaluate the model (`model`)",
        ErrorContext{.field = "calibration_samples"});
  }
  std::vector<std::string> inputs = dataset_paths(a.data);
  for (const std::string& f : dataset_paths(a.calibration_data)) inputs.push_back(f);
  inputs.insert(inputs.end(), {a.model, a.program, a.chip});
  check_outputs({{"--json", a.out.json}, {"--csv", a.out.csv}}, inputs, a.force);
  const chip::ChipSpec chip = chip::load_chip(a.chip, preset_library());
  const Dataset data = load_dataset(a.data, a.limit);
  experiment::CompileSettings cs;
  cs.replicate = a.replicate;
  cs.pipeline = a.pipeline;
  cs.allow_quantize = a.allow_quantize;
  cs.calibration_data = a.calibration_data;
  if (!a.model.empty()) {
    // The model is calibrated on real samples: the first N of --data unless --calibration-data says otherwise.
    if (cs.calibration_data.empty()) cs.calibration_data = a.data;
    cs.calibration_samples = a.calibration_samples.value_or(kDefaultCalibrationSamples);
  }
  Progress compiling("compile", !a.quiet);
  cs.on_pass = compile_progress(compiling);
  const experiment::LoadedProgram loaded = experiment::load_or_compile({.model = a.model, .program = a.program}, chip, cs);
  compiling.finish();
  // One line, before any warning:
  experiment::require_model(loaded, "an evaluation");
  if (!a.allow_quantize) experiment::require_chip_precision(loaded.program, chip);
  print_warnings(loaded.program.warnings);

  Progress progress("eval", !a.quiet);
  const int64_t total = experiment::evaluation_batches(data.size(), eo);
  int64_t done = 0;
  eo.on_batch = [&](const std::string& label) { progress.update(++done, total, label); };
  const experiment::EvalResult r = experiment::evaluate(loaded, chip, data, a.data, eo);
  progress.finish();
  fmt::print("{}", report::eval_text(r));
  write_results(a.out, report::eval_json(r), report::eval_table(r));
}

}  // namespace

void add_eval(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* sub = app.add_subcommand("eval", "Accuracy of the digital reference and of the chip over time since programming");
  sub->add_option("--model", args->model, "ONNX model (compiled with the default pipeline)");
  sub->add_option("--program", args->program, "compiled Program (JSON) from `aimc compile -o`");
  sub->add_option("--chip", args->chip, "preset name or chip .yaml file")->required();
  sub->add_option("--data", args->data,
                  "mnist:DIR | cifar10:DIR | npy:X.npy,Y.npy | npy:X.npy (no labels: any model, the output error against the "
                  "digital reference) (docs/user-guide-data.md)")
      ->required();
  sub->add_option("--drift-times", args->drift_times, "times since programming, e.g. 1s,1h,1d,1y (default)");
  sub->add_option("--repeats", args->repeats, "independent programming draws K (mean ± std), default 1")
      ->check(CLI::Range(int64_t{1}, experiment::kMaxRepeats));
  sub->add_option("--seed", args->seed, "seed; repeat r uses seed + r");
  sub->add_option("--limit", args->limit, "evaluate only the first N samples")->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  sub->add_option("--batch", args->batch, "batch size")->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  sub->add_option("--threads", args->threads, "threads")->check(CLI::Range(1, kMaxThreads));
  sub->add_option("--read-mode", args->read_mode, "a cores.read_modes name (default: the chip's first)");
  sub->add_option("--gdc", args->gdc, "drift compensation: chip (as the chip says), on, column, off");
  sub->add_option("--gdc-readout", args->gdc_readout,
                  "drift-compensation readout: chip (as the chip says), read-path (through DAC, array, ADC) or exact");
  sub->add_option("--replicate", args->replicate,
                  "with --model: auto | none (replicas are programmed independently, which changes accuracy)");
  sub->add_option("--pipeline", args->pipeline, "with --model: the pass pipeline (as aimc compile --pipeline)");
  sub->add_option("--calibration-data", args->calibration_data,
                  "with --model: calibrate input ranges on this dataset (default: --data)");
  sub->add_option("--calibration-samples", args->calibration_samples,
                  fmt::format("with --model: calibration samples, the first N (default {}; 0: synthetic inputs)",
                              kDefaultCalibrationSamples))
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 20));
  sub->add_flag("--allow-quantize", args->allow_quantize,
                "accept fp32 weights rounded to a low-precision chip (binary, < 8 bits) without QDQ scales");
  sub->add_flag("--adc-saturation", args->adc_saturation,
                "count the ADC conversions at their end codes, per layer and drift time (a few % slower)");
  sub->add_option("--gemm-precision", args->gemm_precision,
                  "the analog tiles' GEMM: fp32 (exact, default), bf16 (faster; conductances rounded to 8 "
                  "significant bits) or int8 (fastest; each column's conductances on an 8-bit grid, exact integer "
                  "sums); both hold inputs of at most 8 bits exactly (docs/functional-sim.md)");
  add_result_flags(sub, args->out, "the result");
  add_force_flag(sub, args->force);
  add_quiet_flag(sub, args->quiet);
  sub->callback([args] { run_eval(*args); });
}

}  // namespace aimc::cli
