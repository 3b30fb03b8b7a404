#include "experiment/evaluate.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>

#include "chip/resolved.h"
#include "core/error.h"
#include "core/json_text.h"
#include "core/threads.h"
#include "reference/executor.h"
#include "sim/functional/executor.h"
#include "sim/metrics.h"

namespace aimc::experiment {

std::optional<chip::DriftCompensation> parse_drift_compensation(const std::string& s) {
  if (s == "chip") return std::nullopt;
  if (s == "on" || s == "global") return chip::DriftCompensation::Global;
  if (s == "column" || s == "per-column") return chip::DriftCompensation::PerColumn;
  if (s == "off" || s == "none") return chip::DriftCompensation::None;
  throw Error(fmt::format("'{}': expected chip, on, column or off", s), ErrorContext{.field = "drift_compensation"});
}

std::optional<chip::CompensationReadout> parse_compensation_readout(const std::string& s) {
  if (s == "chip") return std::nullopt;
  if (s == "exact") return chip::CompensationReadout::Exact;
  if (s == "adc" || s == "read-path") return chip::CompensationReadout::Chip;
  throw Error(fmt::format("'{}': expected chip (as the chip says), read-path or exact", s),
              ErrorContext{.field = "compensation_readout"});
}

functional::GemmPrecision parse_gemm_precision(const std::string& s) {
  if (s == "fp32") return functional::GemmPrecision::fp32;
  if (s == "bf16") return functional::GemmPrecision::bf16;
  if (s == "int8") return functional::GemmPrecision::int8;
  throw Error(fmt::format("'{}': expected fp32 (exact), bf16 (conductances rounded to 8 significant bits) or int8 "
                          "(each column's conductances on an 8-bit grid)",
                          s),
              ErrorContext{.field = "gemm_precision"});
}

std::vector<double> parse_drift_times(const std::string& text, const std::string& field) {
  const ErrorContext where{.field = field};
  std::vector<double> times;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find(',', start), text.size());
    std::string item = text.substr(start, end - start);
    start = end + 1;
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (item.empty()) throw Error(fmt::format("'{}' has an empty time; expected e.g. 1s,1h,1d,1y", text), where);
    // The unit: the item's trailing letters (none: seconds).
    std::size_t unit_at = item.size();
    while (unit_at > 0 && std::isalpha(static_cast<unsigned char>(item[unit_at - 1]))) --unit_at;
    const std::string unit_name = item.substr(unit_at);
    std::string number = item.substr(0, unit_at);
    number.erase(number.find_last_not_of(" \t") + 1);
    double unit = 1;
    if (!unit_name.empty()) {
      static const std::pair<const char*, double> kUnits[] = {{"s", 1},     {"m", 60},          {"h", 3600},
                                                              {"d", 86400}, {"w", 7 * 86400.0}, {"y", 365 * 86400.0}};
      const auto* found = std::find_if(std::begin(kUnits), std::end(kUnits), [&](const auto& u) { return unit_name == u.first; });
      if (found == std::end(kUnits)) {
        throw Error(
            fmt::format("'{}': unknown unit '{}'; expected one of s, m, h, d, w, y (e.g. 1s, 1h, 1d, 1y, 3600)", item, unit_name),
            where);
      }
      unit = found->second;
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

std::string format_time(double t) {
  if (t >= 365 * 86400.0 && std::fmod(t, 365 * 86400.0) == 0) return fmt::format("{}y", t / (365 * 86400.0));
  if (t >= 86400 && std::fmod(t, 86400) == 0) return fmt::format("{}d", t / 86400);
  if (t >= 3600 && std::fmod(t, 3600) == 0) return fmt::format("{}h", t / 3600);
  return fmt::format("{}s", t);
}

void require_chip_precision(const program::Program& program, const chip::ChipSpec& chip) {
  std::string layers;
  int64_t n = 0, bits = 0;
  for (const program::Layer& l : program.layers) {
    if (l.quant.weight_error_rms <= 0) continue;
    if (n++ < 3) layers += fmt::format("{}{} ({:.1f}% rms)", layers.empty() ? "" : ", ", l.name, 100 * l.quant.weight_error_rms);
    bits = l.quant.weight_bits;
  }
  if (n == 0) return;
  throw Error(
      fmt::format("{} layer(s) have fp32 weights that chip '{}' stores at {} ({}{}): rounding them silently changes "
                  "the network. Export it quantisation-aware (QDQ FakeQuant weights, or binarised weights), or "
                  "accept the rounding with `allow_quantize`",
                  n, chip.name, bits == 1 ? "1 bit (binary)" : fmt::format("{} bits", bits), layers, n > 3 ? ", ..." : ""),
      ErrorContext{.file = program.model_path});
}

namespace {
std::pair<double, double> mean_std(const std::vector<double>& v) {
  double mean = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  double var = 0;
  for (double x : v) var += (x - mean) * (x - mean);
  return {mean, v.size() > 1 ? std::sqrt(var / static_cast<double>(v.size() - 1)) : 0.0};
}
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

int64_t evaluation_batches(int64_t samples, const EvalOptions& o) {
  const int64_t batches = (samples + std::max<int64_t>(o.batch, 1) - 1) / std::max<int64_t>(o.batch, 1);
  return batches * (1 + o.repeats * static_cast<int64_t>(o.drift_times.size()));
}

EvalResult evaluate(const LoadedProgram& loaded, const chip::ChipSpec& chip, const Dataset& data, const std::string& data_spec,
                    const EvalOptions& o) {
  if (o.repeats < 1 || o.repeats > kMaxRepeats) {
    throw Error(fmt::format("{}: expected a whole number 1 to {}", o.repeats, kMaxRepeats), ErrorContext{.field = "repeats"});
  }
  check_thread_count(o.threads);
  if (o.batch < 1) throw Error(fmt::format("must be ≥ 1, got {}", o.batch), ErrorContext{.field = "batch"});
  if (o.drift_times.empty()) throw Error("no drift times given", ErrorContext{.field = "drift_times"});
  require_model(loaded, "an evaluation");
  program::check_fits(loaded.program, chip, loaded.model_path.empty() ? "program" : loaded.model_path);
  if (!o.allow_quantize) require_chip_precision(loaded.program, chip);
  const bool lm = data.kind == "tokens";
  const bool unlabelled = !lm && !data.has_labels();  // any model: its outputs against the reference's
  LanguageModelLayout layout;
  if (lm) {
    layout = check_language_model_data(loaded.imported, data, data_spec);
  } else if (unlabelled) {
    check_unlabelled_data(loaded.imported, data, data_spec);
  } else {
    check_classifier_data(loaded.imported, data, data_spec);
  }
  if (loaded.program.tiles.empty()) {
    throw Error("the Program maps no layer to crossbars: a chip run would be the digital reference",
                ErrorContext{.field = "program"});
  }
  EvalResult res;
  res.metric = lm ? "perplexity" : unlabelled ? "output_error" : "accuracy";
  res.samples = data.size();
  for (const program::Layer& l : loaded.program.layers) res.replicated_layers += l.replicas > 1 ? 1 : 0;
  // One number per pass over the data: accuracy, for language models the mean nats per token, without labels the
  // outputs' relative error against the reference's (collected on the reference's pass, which scores 0).
  ReferenceOutputs reference_outputs;
  auto score = [&](const SampleForward& forward, const std::string& label) -> double {
    const BatchDone done = [&](int64_t) {
      if (o.on_batch) o.on_batch(label);
    };
    if (lm) return evaluate_language_model(forward, data, o.batch, layout, done).nats_per_token();
    if (unlabelled && reference_outputs.batches.empty()) {
      reference_outputs = collect_reference_outputs(forward, data, o.batch, done);
      return 0.0;  // the reference against itself
    }
    if (unlabelled) return output_error(forward, data, o.batch, reference_outputs, done);
    return evaluate_classifier(forward, data, o.batch, done).accuracy();
  };

  auto t0 = std::chrono::steady_clock::now();
  {  // the reference's buffers are freed before the chip is programmed (its outputs kept where they are compared)
    ReferenceExecutor reference(loaded.imported, ReferenceOptions{.threads = o.threads});
    const double digital = score([&](const Tensor& x, int64_t) { return reference.run({x}).at(0); }, "digital");
    res.digital = lm ? std::exp(digital) : digital;
  }
  const double digital_s = seconds_since(t0);

  std::vector<std::vector<double>> values(o.drift_times.size());
  std::vector<std::vector<functional::LayerConversions>> conversions(o.drift_times.size());
  double chip_s = 0, program_s = 0, drift_s = 0;
  int64_t chip_samples = 0;
  for (int64_t r = 0; r < o.repeats; ++r) {
    functional::FunctionalOptions fo;
    fo.seed = o.seed + static_cast<uint64_t>(r);
    fo.threads = o.threads;
    fo.read_mode = o.read_mode;
    fo.drift_compensation = o.drift_compensation;
    fo.compensation_readout = o.compensation_readout;
    fo.count_saturation = o.adc_saturation;
    fo.gemm_precision = o.gemm_precision;
    auto p0 = std::chrono::steady_clock::now();
    functional::ChipExecutor chip_exec(loaded.program, loaded.prepared, chip, fo);
    program_s += seconds_since(p0);
    res.tiles = chip_exec.tiles();
    for (size_t ti = 0; ti < o.drift_times.size(); ++ti) {
      auto d0 = std::chrono::steady_clock::now();
      chip_exec.set_time(o.drift_times[ti]);
      drift_s += seconds_since(d0);
      auto c0 = std::chrono::steady_clock::now();
      const double v = score([&](const Tensor& x, int64_t offset) { return chip_exec.run({x}, offset).at(0); },
                             fmt::format("repeat {}/{} t={}", r + 1, o.repeats, format_time(o.drift_times[ti])));
      chip_s += seconds_since(c0);
      chip_samples += data.size();
      values[ti].push_back(lm ? std::exp(v) : v);  // perplexity per repeat
      const std::vector<functional::LayerConversions> conv =
          o.adc_saturation ? chip_exec.conversions() : std::vector<functional::LayerConversions>{};
      if (conversions[ti].empty()) {
        conversions[ti] = conv;
      } else {
        for (size_t k = 0; k < conv.size(); ++k) {
          conversions[ti][k].conversions += conv[k].conversions;
          conversions[ti][k].saturated += conv[k].saturated;
        }
      }
    }
  }
  for (size_t ti = 0; ti < o.drift_times.size(); ++ti) {
    const auto [mean, std] = mean_std(values[ti]);
    res.chip.push_back(EvalPoint{
        .t_s = o.drift_times[ti], .values = values[ti], .mean = mean, .std = std, .conversions = std::move(conversions[ti])});
  }
  res.chip_ms_per_sample = chip_samples > 0 ? 1e3 * chip_s / static_cast<double>(chip_samples) : 0.0;
  res.digital_ms_per_sample = 1e3 * digital_s / static_cast<double>(std::max<int64_t>(1, data.size()));
  res.programming_s = program_s / static_cast<double>(o.repeats);
  res.drift_s = drift_s / static_cast<double>(o.repeats * static_cast<int64_t>(o.drift_times.size()));
  res.model = loaded.model_path;
  res.data = data_spec;
  res.chip_name = chip.name;
  res.calibration = loaded.program.calibration;
  res.read_mode = o.read_mode;
  if (o.drift_compensation) res.drift_compensation = chip::to_string(*o.drift_compensation);
  if (o.compensation_readout) {
    res.compensation_readout = *o.compensation_readout == chip::CompensationReadout::Exact ? "exact" : "read-path";
  }
  res.seed = o.seed;
  res.adc_saturation = o.adc_saturation;
  res.gemm_precision = functional::to_string(o.gemm_precision);
  res.repeats = o.repeats;
  res.batch = o.batch;
  res.threads = o.threads;
  res.wait_policy = openmp_wait_policy();
  res.malloc_huge_pages = malloc_huge_pages();
  res.resolved_chip = nlohmann::ordered_json::parse(json_text(chip::resolved_json(chip)));
  return res;
}

}  // namespace aimc::experiment
