// aimc eval: the accuracy a network reaches on a chip — the digital fp32 reference, then the chip
// (functional simulation of the compiled Program) at each time since programming, mean ± std over
// K independent programming draws (repeat r uses seed S + r).
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>

#include "chip/loader.h"
#include "chip/resolved.h"
#include "commands.h"
#include "core/error.h"
#include "core/text_file.h"
#include "data/dataset.h"
#include "experiment/evaluate.h"
#include "experiment/program_source.h"
#include "presets.h"

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
  std::string json;
  std::string read_mode;
  std::string gdc = "chip";
  std::string gdc_readout = "chip";
  std::string replicate = "auto";
  std::string pipeline;
  std::string calibration_data;                // default: --data
  std::optional<int64_t> calibration_samples;  // default: kDefaultCalibrationSamples
  bool allow_quantize = false;
  bool progress = true;
  bool force = false;
};

std::optional<chip::DriftCompensation> parse_gdc(const std::string& s) {
  if (s == "chip") return std::nullopt;
  if (s == "on" || s == "global") return chip::DriftCompensation::Global;
  if (s == "column" || s == "per-column") return chip::DriftCompensation::PerColumn;
  if (s == "off" || s == "none") return chip::DriftCompensation::None;
  throw Error(fmt::format("'{}': expected chip, on, column or off", s), ErrorContext{.field = "--gdc"});
}

std::optional<chip::CompensationReadout> parse_gdc_readout(const std::string& s) {
  if (s == "chip") return std::nullopt;
  if (s == "exact") return chip::CompensationReadout::Exact;
  if (s == "adc" || s == "read-path") return chip::CompensationReadout::Chip;
  throw Error(fmt::format("'{}': expected chip (as the chip says), read-path or exact", s),
              ErrorContext{.field = "--gdc-readout"});
}

// Progress with an ETA on stderr, only when stderr is a terminal.
class Progress {
 public:
  explicit Progress(int64_t total, bool enabled) : m_total(total), m_enabled(enabled && isatty(fileno(stderr)) != 0) {}
  ~Progress() { finish(); }
  void finish() {
    if (m_enabled && m_drawn) std::fputs("\r\033[K", stderr);
    m_drawn = false;
  }
  void step(const std::string& label, int64_t n = 1) {
    m_done += n;
    if (!m_enabled) return;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
    const double frac = m_total > 0 ? static_cast<double>(m_done) / static_cast<double>(m_total) : 1.0;
    const double eta = frac > 0 ? elapsed * (1 - frac) / frac : 0;
    const int width = 30;
    const int filled = static_cast<int>(frac * width);
    fmt::print(stderr, "\r\033[K[{}{}] {:3.0f}% {} ETA {:.0f}s", std::string(static_cast<size_t>(filled), '#'),
               std::string(static_cast<size_t>(width - filled), '.'), 100 * frac, label, eta);
    std::fflush(stderr);
    m_drawn = true;
  }

 private:
  int64_t m_total, m_done = 0;
  bool m_enabled, m_drawn = false;
  std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
};

void run_eval(const EvalArgs& a) {
  // Every flag is checked before any work.
  experiment::EvalOptions eo;
  eo.drift_times = experiment::parse_drift_times(a.drift_times);
  eo.drift_compensation = parse_gdc(a.gdc);
  eo.compensation_readout = parse_gdc_readout(a.gdc_readout);
  eo.repeats = a.repeats;
  eo.seed = a.seed;
  eo.batch = a.batch;
  eo.threads = a.threads;
  eo.read_mode = a.read_mode;
  eo.allow_quantize = a.allow_quantize;
  if (a.repeats < 1) throw Error(fmt::format("must be ≥ 1, got {}", a.repeats), ErrorContext{.field = "--repeats"});
  const bool calibration_flags = a.calibration_samples.has_value() || !a.calibration_data.empty();
  if (!a.program.empty() && calibration_flags) {
    throw Error(
        "a compiled Program keeps the calibration it was compiled with; calibrate with aimc compile "
        "--calibration-data, or evaluate the model (--model)",
        ErrorContext{.field = a.calibration_data.empty() ? "--calibration-samples" : "--calibration-data"});
  }
  std::vector<std::string> inputs = dataset_paths(a.data);
  for (const std::string& f : dataset_paths(a.calibration_data)) inputs.push_back(f);
  inputs.insert(inputs.end(), {a.model, a.program, a.chip});
  check_outputs({{"--json", a.json}}, inputs, a.force);
  const chip::ChipSpec chip = chip::load_chip(a.chip, preset_library());
  const Dataset data = load_dataset(a.data, a.limit);
  experiment::CompileSettings cs;
  cs.replicate = a.replicate;
  cs.pipeline = a.pipeline;
  cs.allow_quantize = a.allow_quantize;
  if (!a.model.empty()) {
    // The model is calibrated on real samples: the first N of --data unless --calibration-data says otherwise.
    cs.calibration_data = a.calibration_data.empty() ? a.data : a.calibration_data;
    cs.calibration_samples = a.calibration_samples.value_or(kDefaultCalibrationSamples);
  }
  const experiment::LoadedProgram loaded = experiment::load_or_compile({.model = a.model, .program = a.program}, chip, cs);
  if (!a.allow_quantize) experiment::require_chip_precision(loaded.program, chip);  // one line, before any warning
  print_warnings(loaded.program);

  const int64_t batches = (data.size() + a.batch - 1) / a.batch;
  Progress progress(batches * (1 + a.repeats * static_cast<int64_t>(eo.drift_times.size())), a.progress);
  eo.on_batch = [&](const std::string& label) { progress.step(label); };
  const experiment::EvalResult r = experiment::evaluate(loaded, chip, data, a.data, eo);
  progress.finish();

  const bool lm = r.metric == "perplexity";
  auto show = [&](double v) { return lm ? fmt::format("{:.3f}", v) : fmt::format("{:.2f}%", 100 * v); };
  auto show_std = [&](double v) { return lm ? fmt::format("{:.3f}", v) : fmt::format("{:.2f}", 100 * v); };
  fmt::print("model      {}\n", loaded.model_path);
  fmt::print("chip       {} ({} tiles{}{})\n", chip.name, r.tiles, a.read_mode.empty() ? "" : ", read mode " + a.read_mode,
             r.replicated_layers > 0
                 ? fmt::format(", {} layers replicated: each replica programmed independently", r.replicated_layers)
                 : "");
  fmt::print("data       {} ({} samples)\n", a.data, r.samples);
  fmt::print("calibrated {}\n", loaded.program.calibration.empty() ? "(fake-quant scales)" : loaded.program.calibration);
  fmt::print("digital    {} {}\n", r.metric, show(r.digital));
  nlohmann::ordered_json chip_rows = nlohmann::ordered_json::array();
  for (const experiment::EvalPoint& p : r.chip) {
    fmt::print("chip t={:<6} {} ± {} ({} repeats)\n", experiment::format_time(p.t_s), show(p.mean), show_std(p.std),
               p.values.size());
    nlohmann::ordered_json row{
        {"t_s", p.t_s}, {r.metric + "_mean", p.mean}, {r.metric + "_std", p.std}, {"repeats", a.repeats}, {r.metric, p.values}};
    if (lm) row["bits_per_token_mean"] = std::log2(p.mean);
    chip_rows.push_back(row);
  }
  fmt::print("speed      chip {:.3f} ms/sample, digital {:.3f} ms/sample ({} threads, batch {}); programming {:.2f} s\n",
             r.chip_ms_per_sample, r.digital_ms_per_sample, a.threads, a.batch, r.programming_s);
  if (!a.json.empty()) {
    nlohmann::ordered_json j;
    j["model"] = loaded.model_path;
    j["data"] = a.data;
    j["samples"] = r.samples;
    j["metric"] = r.metric;
    j["digital"] = {{r.metric, r.digital}};
    if (lm) j["digital"]["bits_per_token"] = std::log2(r.digital);
    j["chip"] = chip_rows;
    j["seed"] = a.seed;
    j["repeats"] = a.repeats;
    j["read_mode"] = a.read_mode;
    j["drift_compensation"] = a.gdc;
    j["drift_compensation_readout"] = a.gdc_readout;
    j["calibration"] = loaded.program.calibration;
    j["replicated_layers"] = r.replicated_layers;
    j["chip_name"] = chip.name;
    j["tiles"] = r.tiles;
    j["timing"] = {{"chip_ms_per_sample", r.chip_ms_per_sample},
                   {"digital_ms_per_sample", r.digital_ms_per_sample},
                   {"programming_s", r.programming_s},
                   {"threads", a.threads},
                   {"batch", a.batch}};
    j["resolved_chip"] = nlohmann::ordered_json::parse(chip::resolved_json(chip).dump());
    write_text_file(a.json, j.dump(2) + "\n");
  }
}

}  // namespace

void add_eval(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* sub = app.add_subcommand("eval", "Accuracy of the digital reference and of the chip over time since programming");
  sub->add_option("--model", args->model, "ONNX model (compiled with the default pipeline)");
  sub->add_option("--program", args->program, "compiled Program (JSON) from `aimc compile -o`");
  sub->add_option("--chip", args->chip, "preset name or chip .yaml file")->required();
  sub->add_option("--data", args->data, "mnist:DIR | cifar10:DIR | npy:X.npy,Y.npy (docs/user-guide-data.md)")->required();
  sub->add_option("--drift-times", args->drift_times, "times since programming, e.g. 1s,1h,1d,1y (default)");
  sub->add_option("--repeats", args->repeats, "independent programming draws K (mean ± std), default 1")
      ->check(CLI::Range(int64_t{1}, int64_t{100000}));
  sub->add_option("--seed", args->seed, "seed; repeat r uses seed + r");
  sub->add_option("--limit", args->limit, "evaluate only the first N samples")->check(CLI::PositiveNumber);
  sub->add_option("--batch", args->batch, "batch size")->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  sub->add_option("--threads", args->threads, "threads")->check(CLI::Range(1, 1024));
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
  sub->add_option("--json", args->json, "also write the result as JSON to this file");
  add_force_flag(sub, args->force);
  sub->callback([args] { run_eval(*args); });
}

}  // namespace aimc::cli
