// aimc eval: the accuracy a network reaches on a chip — the digital fp32 reference, then the chip
// (functional simulation of the compiled Program) at each time since programming, mean ± std over
// K independent programming draws (repeat r uses seed S + r).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "chip/loader.h"
#include "chip/resolved.h"
#include "commands.h"
#include "presets.h"
#include "compiler/pipeline.h"
#include "compiler/program.h"
#include "core/error.h"
#include "core/text_file.h"
#include "data/dataset.h"
#include "onnx/importer.h"
#include "sim/functional/executor.h"
#include "sim/metrics.h"
#include "sim/reference/executor.h"

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
  int64_t calibration_samples = 0;  // > 0: compile --model with the first N dataset samples as calibration
  bool progress = true;
};

// "1s,1h,1d,1y" → seconds. Units: s, m (minutes), h, d, w, y (365 days); a bare number is seconds.
std::vector<double> parse_drift_times(const std::string& text) {
  const ErrorContext where{.field = "--drift-times"};
  std::vector<double> times;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find(',', start), text.size());
    std::string item = text.substr(start, end - start);
    start = end + 1;
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (item.empty()) throw Error(fmt::format("'{}' has an empty time; expected e.g. 1s,1h,1d,1y", text), where);
    double unit = 1;
    std::string number = item;
    const char last = item.back();
    if (std::isalpha(static_cast<unsigned char>(last))) {
      number = item.substr(0, item.size() - 1);
      switch (last) {
        case 's': unit = 1; break;
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        case 'd': unit = 86400; break;
        case 'w': unit = 7 * 86400.0; break;
        case 'y': unit = 365 * 86400.0; break;
        default: throw Error(fmt::format("'{}': unknown unit '{}' (s, m, h, d, w, y)", item, last), where);
      }
    }
    char* rest = nullptr;
    const double v = number.empty() ? NAN : std::strtod(number.c_str(), &rest);
    if (number.empty() || rest == nullptr || *rest != '\0' || !std::isfinite(v) || v < 0) {
      throw Error(fmt::format("'{}' is not a time ≥ 0 (e.g. 1s, 1h, 1d, 1y, 3600)", item), where);
    }
    times.push_back(v * unit);
    if (end == text.size()) break;
  }
  if (times.empty()) throw Error("no drift times given", where);
  return times;
}

std::optional<chip::DriftCompensation> parse_gdc(const std::string& s) {
  if (s == "chip") return std::nullopt;
  if (s == "on" || s == "global") return chip::DriftCompensation::Global;
  if (s == "column" || s == "per-column") return chip::DriftCompensation::PerColumn;
  if (s == "off" || s == "none") return chip::DriftCompensation::None;
  throw Error(fmt::format("'{}': expected chip, on, column or off", s), ErrorContext{.field = "--gdc"});
}

// Progress with an ETA on stderr, only when stderr is a terminal.
class Progress {
 public:
  explicit Progress(int64_t total, bool enabled) : m_total(total), m_enabled(enabled && isatty(fileno(stderr)) != 0) {}
  ~Progress() {
    if (m_enabled && m_drawn) std::fputs("\r\033[K", stderr);
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

std::string format_time(double t) {
  if (t >= 365 * 86400.0 && std::fmod(t, 365 * 86400.0) == 0) return fmt::format("{}y", t / (365 * 86400.0));
  if (t >= 86400 && std::fmod(t, 86400) == 0) return fmt::format("{}d", t / 86400);
  if (t >= 3600 && std::fmod(t, 3600) == 0) return fmt::format("{}h", t / 3600);
  return fmt::format("{}s", t);
}

void run_eval(const EvalArgs& a) {
  // Every flag is checked before any work.
  if (a.model.empty() == a.program.empty()) {
    throw Error("eval needs exactly one of --model and --program", ErrorContext{.field = "--model"});
  }
  if (a.repeats < 1) throw Error(fmt::format("must be ≥ 1, got {}", a.repeats), ErrorContext{.field = "--repeats"});
  const std::vector<double> times = parse_drift_times(a.drift_times);
  const std::optional<chip::DriftCompensation> gdc = parse_gdc(a.gdc);
  const chip::ChipSpec chip = chip::load_chip(a.chip, preset_library());

  compiler::Program program;
  std::string model_path;
  if (!a.program.empty()) {
    program = compiler::load_program(a.program);
    compiler::check_chip(program, chip, a.program);
    model_path = program.model_path;
    if (!std::filesystem::exists(model_path)) {
      const auto beside = std::filesystem::path(a.program).parent_path() / model_path;
      if (std::filesystem::exists(beside)) model_path = beside.string();
    }
    compiler::check_model(program, model_path);
  } else {
    model_path = a.model;
  }
  const Graph imported = import_onnx(model_path);
  const Dataset data = load_dataset(a.data, a.limit);
  const bool lm = data.kind == "tokens";
  LanguageModelLayout lm_layout;
  if (lm) {
    lm_layout = check_language_model_data(imported, data, a.data);
  } else {
    check_classifier_data(imported, data, a.data);
  }
  if (a.program.empty()) {
    Graph g = imported;
    g.name = std::filesystem::path(model_path).stem().string();
    compiler::CompileOptions opt;
    opt.model_path = model_path;
    opt.seed = 0;  // the calibration seed of `aimc compile` (the same Program as compile + --program)
    if (a.calibration_samples > 0) {
      const int64_t n = std::min(a.calibration_samples, data.size());
      opt.calibration.inputs = {lm ? language_model_batch(data.inputs.slice_outer(0, n), lm_layout.input_batch_axis)
                                   : data.inputs.slice_outer(0, n)};
    }
    program = compiler::compile(g, chip, opt);
  }
  const Graph prepared = compiler::prepare_graph(imported, program);

  const int64_t batches = (data.size() + a.batch - 1) / a.batch;
  Progress progress(batches * (1 + a.repeats * static_cast<int64_t>(times.size())), a.progress);
  // One number per pass over the data: accuracy, or for language models the mean nats per token.
  auto score = [&](const SampleForward& forward, const std::string& label) -> double {
    const BatchDone done = [&](int64_t) { progress.step(label); };
    if (lm) return evaluate_language_model(forward, data, a.batch, lm_layout, done).nats_per_token();
    return evaluate_classifier(forward, data, a.batch, done).accuracy();
  };

  // The digital reference.
  auto t0 = std::chrono::steady_clock::now();
  ReferenceExecutor reference(imported, ReferenceOptions{.threads = a.threads});
  const double digital = score([&](const Tensor& x, int64_t) { return reference.run({x}).at(0); }, "digital");
  const double digital_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // The chip: per repeat a fresh programming draw, then every drift time.
  std::vector<std::vector<double>> values(times.size());
  double chip_s = 0, program_s = 0;
  int64_t chip_samples = 0, tiles = 0;
  for (int64_t r = 0; r < a.repeats; ++r) {
    functional::FunctionalOptions fo;
    fo.seed = a.seed + static_cast<uint64_t>(r);
    fo.threads = a.threads;
    fo.read_mode = a.read_mode;
    fo.drift_compensation = gdc;
    auto p0 = std::chrono::steady_clock::now();
    functional::ChipExecutor chip_exec(program, prepared, chip, fo);
    program_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - p0).count();
    tiles = chip_exec.tiles();
    for (size_t ti = 0; ti < times.size(); ++ti) {
      auto c0 = std::chrono::steady_clock::now();
      chip_exec.set_time(times[ti]);
      const double v = score([&](const Tensor& x, int64_t offset) { return chip_exec.run({x}, offset).at(0); },
                             fmt::format("repeat {}/{} t={}", r + 1, a.repeats, format_time(times[ti])));
      chip_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count();
      chip_samples += data.size();
      values[ti].push_back(lm ? std::exp(v) : v);  // perplexity per repeat
    }
  }

  auto mean_std = [](const std::vector<double>& v) {
    double mean = 0;
    for (double x : v) mean += x;
    mean /= static_cast<double>(v.size());
    double var = 0;
    for (double x : v) var += (x - mean) * (x - mean);
    return std::pair{mean, v.size() > 1 ? std::sqrt(var / static_cast<double>(v.size() - 1)) : 0.0};
  };
  const std::string metric = lm ? "perplexity" : "accuracy";
  auto show = [&](double v) { return lm ? fmt::format("{:.3f}", v) : fmt::format("{:.2f}%", 100 * v); };
  auto show_std = [&](double v) { return lm ? fmt::format("{:.3f}", v) : fmt::format("{:.2f}", 100 * v); };
  const double digital_value = lm ? std::exp(digital) : digital;
  nlohmann::ordered_json chip_rows = nlohmann::ordered_json::array();
  fmt::print("model      {}\n", model_path);
  fmt::print("chip       {} ({} tiles{})\n", chip.name, tiles, a.read_mode.empty() ? "" : ", read mode " + a.read_mode);
  fmt::print("data       {} ({} samples)\n", a.data, data.size());
  fmt::print("digital    {} {}\n", metric, show(digital_value));
  for (size_t ti = 0; ti < times.size(); ++ti) {
    const auto [mean, std] = mean_std(values[ti]);
    fmt::print("chip t={:<6} {} ± {} ({} repeats)\n", format_time(times[ti]), show(mean), show_std(std), values[ti].size());
    nlohmann::ordered_json row{{"t_s", times[ti]}, {metric + "_mean", mean}, {metric + "_std", std}, {"repeats", a.repeats},
                               {metric, values[ti]}};
    if (lm) row["bits_per_token_mean"] = std::log2(mean);
    chip_rows.push_back(row);
  }
  const double chip_ms = chip_samples > 0 ? 1e3 * chip_s / static_cast<double>(chip_samples) : 0.0;
  const double digital_ms = 1e3 * digital_s / static_cast<double>(std::max<int64_t>(1, data.size()));
  fmt::print("speed      chip {:.3f} ms/sample, digital {:.3f} ms/sample ({} threads, batch {}); programming {:.2f} s\n",
             chip_ms, digital_ms, a.threads, a.batch, program_s / static_cast<double>(a.repeats));
  if (!a.json.empty()) {
    nlohmann::ordered_json j;
    j["model"] = model_path;
    j["data"] = a.data;
    j["samples"] = data.size();
    j["metric"] = metric;
    j["digital"] = {{metric, digital_value}};
    if (lm) j["digital"]["bits_per_token"] = std::log2(digital_value);
    j["chip"] = chip_rows;
    j["seed"] = a.seed;
    j["repeats"] = a.repeats;
    j["read_mode"] = a.read_mode;
    j["drift_compensation"] = a.gdc;
    j["chip_name"] = chip.name;
    j["tiles"] = tiles;
    j["timing"] = {{"chip_ms_per_sample", chip_ms},
                   {"digital_ms_per_sample", digital_ms},
                   {"programming_s", program_s},
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
  sub->add_option("--repeats", args->repeats, "independent programming draws K (mean ± std), default 1");
  sub->add_option("--seed", args->seed, "seed; repeat r uses seed + r");
  sub->add_option("--limit", args->limit, "evaluate only the first N samples")->check(CLI::PositiveNumber);
  sub->add_option("--batch", args->batch, "batch size")->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  sub->add_option("--threads", args->threads, "threads")->check(CLI::Range(1, 1024));
  sub->add_option("--read-mode", args->read_mode, "a cores.read_modes name (default: the chip's first)");
  sub->add_option("--gdc", args->gdc, "drift compensation: chip (as the chip says), on, column, off");
  sub->add_option("--calibration-samples", args->calibration_samples,
                  "with --model: calibrate input steps on the first N samples of --data (default: synthetic inputs, as `aimc compile`)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--json", args->json, "also write the result as JSON to this file");
  sub->callback([args] { run_eval(*args); });
}

}  // namespace aimc::cli
