#include "sweep/sweep_run.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>

#include "chip/loader.h"
#include "chip/overrides.h"
#include "core/error.h"
#include "core/input_file.h"
#include "core/json_text.h"
#include "core/text_file.h"
#include "experiment/evaluate.h"
#include "experiment/performance.h"
#include "experiment/program_source.h"
#include "report/compile_report.h"
#include "report/eval_report.h"
#include "report/perf_report.h"

namespace aimc::sweep {

namespace {

// An axis value as a table cell: an integer or a number when it reads as one, else its text.
report::Cell value_cell(const std::string& text) {
  try {
    size_t used = 0;
    const long long i = std::stoll(text, &used);
    if (used == text.size()) return static_cast<int64_t>(i);
    const double d = std::stod(text, &used);
    if (used == text.size() && std::isfinite(d)) return d;
  } catch (const std::exception&) {
  }
  return text;
}

// The scalar (number, text, boolean) top-level keys of a result JSON as `prefix.key` columns.
void add_scalars(std::vector<std::pair<std::string, report::Cell>>& cols, const std::string& prefix,
                 const nlohmann::ordered_json& j) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string name = prefix + "." + it.key();
    if (it.key() == "schema_version" || it.key() == "result" || it.key() == "aimc_version" || it.key() == "model" ||
        it.key() == "chip")
      continue;  // the header, and the point's own columns
    if (std::any_of(cols.begin(), cols.end(), [&](const auto& c) { return c.first == name; })) continue;
    const auto& v = it.value();
    if (v.is_number_integer()) cols.emplace_back(name, v.get<int64_t>());
    else if (v.is_number()) cols.emplace_back(name, v.get<double>());
    else if (v.is_boolean()) cols.emplace_back(name, static_cast<int64_t>(v.get<bool>()));
    else if (v.is_string()) cols.emplace_back(name, v.get<std::string>());
  }
}

// eval: the digital reference and the chip's mean and std at each drift time.
void add_eval_columns(std::vector<std::pair<std::string, report::Cell>>& cols, const experiment::EvalResult& r) {
  cols.emplace_back("eval.samples", r.samples);
  cols.emplace_back(fmt::format("eval.digital_{}", r.metric), r.digital);
  for (const experiment::EvalPoint& p : r.chip) {
    const std::string t = experiment::format_time(p.t_s);
    cols.emplace_back(fmt::format("eval.{}_mean@{}", r.metric, t), p.mean);
    cols.emplace_back(fmt::format("eval.{}_std@{}", r.metric, t), p.std);
  }
}

struct PointSettings {
  std::vector<chip::ChipOverride> chip;
  FixedOptions options;
};

PointSettings settings_of(const SweepSpec& spec, const SweepPoint& point) {
  PointSettings s;
  s.options = spec.fixed;
  for (size_t a = 0; a < spec.axes.size(); ++a) {
    const Axis& axis = spec.axes[a];
    const std::string& v = axis.values[static_cast<size_t>(point.values[a])];
    if (axis.target == AxisTarget::Chip) s.chip.push_back({axis.name, v});
    else apply_axis(s.options, axis, v);
  }
  return s;
}

}  // namespace

PointContext::PointContext(const SweepSpec& spec, chip::PresetLibrary presets, int threads)
    : m_spec(spec), m_presets(std::move(presets)), m_threads(threads) {}

const chip::ChipSpec& PointContext::base_chip(int index) {
  auto it = m_chips.find(index);
  if (it == m_chips.end())
    it = m_chips.emplace(index, chip::load_chip(m_spec.chips[static_cast<size_t>(index)], m_presets)).first;
  return it->second;
}

const Dataset& PointContext::dataset(int model) {
  auto it = m_data.find(model);
  if (it == m_data.end()) {
    const SweepModel& m = m_spec.models[static_cast<size_t>(model)];
    it = m_data.emplace(model, load_dataset(m.data, m.limit)).first;
  }
  return it->second;
}

std::string point_label(const SweepSpec& spec, const SweepPoint& point) {
  std::string s =
      fmt::format("{}, {}", spec.chips[static_cast<size_t>(point.chip)], spec.models[static_cast<size_t>(point.model)].model);
  for (size_t a = 0; a < spec.axes.size(); ++a) {
    s += fmt::format(", {}={}", spec.axes[a].name, spec.axes[a].values[static_cast<size_t>(point.values[a])]);
  }
  return s;
}

PointRecord run_point(const SweepSpec& spec, const SweepPoint& point, PointContext& context) {
  const auto t0 = std::chrono::steady_clock::now();
  PointRecord rec;
  rec.key = point.key;
  rec.index = point.index;
  const SweepModel& model = spec.models[static_cast<size_t>(point.model)];
  rec.columns.emplace_back("chip", spec.chips[static_cast<size_t>(point.chip)]);
  rec.columns.emplace_back("model", model.model);
  rec.columns.emplace_back("data", model.data);
  for (size_t a = 0; a < spec.axes.size(); ++a) {
    rec.columns.emplace_back(spec.axes[a].name, value_cell(spec.axes[a].values[static_cast<size_t>(point.values[a])]));
  }
  nlohmann::ordered_json result;
  result["point"] = nlohmann::ordered_json::parse(point.key);
  try {
    const PointSettings s = settings_of(spec, point);
    const FixedOptions& f = s.options;
    const chip::ChipSpec chip = chip::with_overrides(context.base_chip(point.chip), s.chip, context.presets());
    experiment::CompileSettings cs;
    cs.pipeline = f.pipeline;
    cs.schedule = f.schedule;
    cs.replicate = f.replicate;
    cs.seed = f.seed;
    cs.allow_quantize = f.allow_quantize;
    if (!model.data.empty() && f.calibration_samples > 0) {
      cs.calibration_data = model.data;
      cs.calibration_samples = f.calibration_samples;
    }
    const experiment::LoadedProgram loaded = experiment::load_or_compile({.model = model.model}, chip, cs);
    result["compile"] = report::compile_json(loaded.program);
    add_scalars(rec.columns, "compile", result["compile"]);
    if (spec.run_eval) {
      if (!f.allow_quantize) experiment::require_chip_precision(loaded.program, chip);
      experiment::EvalOptions eo;
      eo.drift_times = experiment::parse_drift_times(f.drift_times);
      eo.drift_compensation = experiment::parse_drift_compensation(f.gdc);
      eo.repeats = f.repeats;
      eo.seed = f.seed;
      eo.batch = f.eval_batch;
      eo.threads = context.threads();
      eo.read_mode = f.eval_read_mode;
      eo.allow_quantize = f.allow_quantize;
      const experiment::EvalResult r = experiment::evaluate(loaded, chip, context.dataset(point.model), model.data, eo);
      result["eval"] = report::eval_json(r);
      add_eval_columns(rec.columns, r);
    }
    if (spec.run_perf) {
      perf::PerfOptions po;
      po.images = f.images;
      po.batch = f.perf_batch;
      po.chunks = f.chunks;
      po.stage_buffers = f.stage_buffers;
      po.read_mode = f.perf_read_mode;
      po.host_gops = f.host_gops;
      // Perf-only points are timed in closed form unless the file says otherwise (docs/sweep.md).
      po.analytic = f.simulator.empty() ? !spec.run_eval : f.simulator == "analytic";
      result["perf"] = report::perf_json(experiment::simulate_performance(loaded.program, chip, po));
      add_scalars(rec.columns, "perf", result["perf"]);
    }
    rec.status = "ok";
  } catch (const Error& e) {
    rec.status = "error";
    rec.message = e.what();
    result["error"] = rec.message;
  }
  rec.result_json = json_text(result);
  rec.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rec;
}

void check_database_path(const SweepSpec& spec, const std::string& db) {
  std::vector<std::string> inputs = {spec.file};
  for (const std::string& c : spec.chips) inputs.push_back(c);
  for (const SweepModel& m : spec.models) {
    inputs.push_back(m.model);
    if (!m.data.empty()) {
      for (const std::string& f : parse_dataset_spec(m.data).paths) inputs.push_back(f);
    }
  }
  for (const std::string& in : inputs) {
    if (same_path(db, in)) {
      throw Error(fmt::format("the database {} is also an input of this sweep ({}); give another --db", db, in),
                  ErrorContext{.field = "--db"});
    }
  }
}

void check_sweep_inputs(const SweepSpec& spec, PointContext& context) {
  for (size_t m = 0; m < spec.models.size(); ++m) {
    require_regular_file(spec.models[m].model, "an ONNX model (models[].model)");
    if (spec.run_eval) context.dataset(static_cast<int>(m));
  }
}

SweepSummary run_sweep(const SweepSpec& spec, SweepStore& store, PointContext& context,
                       const std::function<void(const SweepProgress&)>& on_point) {
  const std::vector<SweepPoint> points = enumerate_points(spec);
  const std::set<std::string> done = store.finished_keys();
  SweepSummary sum;
  sum.points = static_cast<int64_t>(points.size());
  for (const SweepPoint& p : points) sum.already_done += done.count(p.key) > 0 ? 1 : 0;
  int64_t finished = sum.already_done;
  for (const SweepPoint& p : points) {
    if (done.count(p.key) > 0) continue;
    // Another process on the same database (a sweep started twice) may have finished it since: each skips the
    // other's points, and a point both computed is recorded once.
    if (store.has(p.key)) {
      ++sum.by_others;
    } else {
      const PointRecord rec = run_point(spec, p, context);
      if (store.write(rec)) {
        ++sum.ran;
        if (rec.status != "ok") ++sum.failed;
      } else {
        ++sum.by_others;
      }
    }
    if (on_point) on_point({.done = ++finished, .total = sum.points, .label = point_label(spec, p)});
  }
  return sum;
}

}  // namespace aimc::sweep
