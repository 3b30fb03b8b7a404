#include "sweep/sweep_spec.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <unordered_map>

#include "chip/loader.h"
#include "chip/overrides.h"
#include "chip/schema/site.h"
#include "core/error.h"
#include "core/input_file.h"
#include "core/json_text.h"
#include "core/sha256.h"
#include "core/suggest.h"
#include "experiment/evaluate.h"
#include "sim/perf/perf_sim.h"
#include "sim/perf/slices.h"

namespace aimc::sweep {

namespace {

using chip::Site;

constexpr uint64_t kMaxSweepFileBytes = uint64_t{1} << 24;
constexpr int64_t kMaxGrid = int64_t{1} << 62;
// The points one sweep runs (a grid's, or a random mode's samples): each is held in memory with its key
// while the sweep runs, and a million points of a second each are 12 days of one machine.
constexpr int64_t kMaxPoints = int64_t{1} << 20;

const std::vector<std::string> kTopKeys = {"chips",       "models", "axes",    "zip",  "mode", "samples",
                                           "sample_seed", "run",    "compile", "eval", "perf"};
const std::vector<std::string> kModelKeys = {"model", "data", "limit"};
const std::vector<std::string> kCompileKeys = {"pipeline", "schedule", "replicate", "calibration_samples", "allow_quantize"};
const std::vector<std::string> kEvalKeys = {"drift_times", "repeats", "seed", "batch", "read_mode", "gdc"};
const std::vector<std::string> kPerfKeys = {"images", "batch", "chunks", "stage_buffers", "read_mode", "host_gops", "simulator"};
// The options an axis may vary (fixed-only options such as eval.batch or eval.seed are not axes:
// the batch does not change a result, and `seed` is its own axis).
const std::vector<std::string> kCompileAxes = {"pipeline", "schedule", "replicate", "calibration_samples"};
const std::vector<std::string> kEvalAxes = {"drift_times", "repeats", "read_mode", "gdc"};
const std::vector<std::string> kPerfAxes = {"images", "batch", "chunks", "stage_buffers", "read_mode", "host_gops", "simulator"};

// Each key of map `site` a plain name given once and, where `allowed` is given, one of them (a list or a map as
// a key, a key twice or an unknown key is refused at its line).
void check_map_keys(const Site& site, const std::vector<std::string>* allowed, std::string_view expected) {
  std::vector<std::string> keys;
  for (auto it = site.node().begin(); it != site.node().end(); ++it) {
    if (!it->first.IsScalar()) site.fail(fmt::format("a key that is not a plain name; expected {}", expected));
    const std::string& key = it->first.Scalar();
    const Site at = site.child_at(key, it->first);  // the key's own line
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) at.fail("duplicate key");
    if (allowed && std::find(allowed->begin(), allowed->end(), key) == allowed->end()) {
      at.fail(fmt::format("unknown key '{}'{}; expected one of {}", key, did_you_mean(key, *allowed), join_names(*allowed)));
    }
    keys.push_back(key);
  }
}

void check_keys(const Site& site, const std::vector<std::string>& allowed) {
  if (!site.node().IsMap()) site.fail(fmt::format("expected a map with keys {}", join_names(allowed)));
  check_map_keys(site, &allowed, "keys " + join_names(allowed));
}

// A value as YAML text that reads back as the same value (chip overrides and apply_axis parse it again):
// plain scalars stay as written, others are quoted where YAML needs it.
std::string yaml_text(const YAML::Node& node) {
  YAML::Emitter out;
  out << YAML::Flow << node;
  return out.c_str();
}

std::string scalar(const Site& s, std::string_view what) {
  if (!s.node().IsScalar()) s.fail(fmt::format("expected {}", what));
  return s.node().Scalar();
}

// `word` (when given) is a keyword the value may be instead, read as 0.
int64_t integer(const Site& s, int64_t lo, int64_t hi, std::string_view word = {}) {
  const std::string text = scalar(s, "an integer");
  if (!word.empty() && text == word) return 0;
  try {
    size_t used = 0;
    const long long v = std::stoll(text, &used);
    if (used == text.size() && v >= lo && v <= hi) return v;
  } catch (const std::exception&) {
  }
  s.fail(
      fmt::format("expected {}an integer in [{}, {}], got '{}'", word.empty() ? "" : fmt::format("{} or ", word), lo, hi, text));
}

double real(const Site& s, double lo, double hi) {
  const std::string text = scalar(s, "a number");
  try {
    size_t used = 0;
    const double v = std::stod(text, &used);
    if (used == text.size() && v >= lo && v <= hi) return v;
  } catch (const std::exception&) {
  }
  s.fail(fmt::format("expected a number in [{}, {}], got '{}'", lo, hi, text));
}

bool boolean(const Site& s) {
  const std::string text = scalar(s, "true or false");
  if (text == "true") return true;
  if (text == "false") return false;
  s.fail(fmt::format("expected true or false, got '{}'", text));
}

// One option value of compile/eval/perf (fixed or an axis value) into `f`; the same checks for both.
void set_option(FixedOptions& f, const std::string& section, const std::string& key, const Site& v) {
  constexpr int64_t kBig = int64_t{1} << 24;
  if (section == "compile") {
    if (key == "pipeline") f.pipeline = scalar(v, "a pass pipeline");
    else if (key == "schedule") f.schedule = scalar(v, "pipelined | layer | data-parallel");
    else if (key == "replicate") f.replicate = scalar(v, "auto | none");
    else if (key == "calibration_samples") f.calibration_samples = integer(v, 0, int64_t{1} << 20);
    else if (key == "allow_quantize") f.allow_quantize = boolean(v);
  } else if (section == "eval") {
    if (key == "drift_times") {
      f.drift_times = scalar(v, "times since programming, e.g. 1s,1d");
      try {
        experiment::parse_drift_times(f.drift_times);
      } catch (const Error& e) {
        v.fail(e.message());
      }
    } else if (key == "repeats") f.repeats = integer(v, 1, experiment::kMaxRepeats);
    else if (key == "seed") f.seed = static_cast<uint64_t>(integer(v, 0, std::numeric_limits<int64_t>::max()));
    else if (key == "batch") f.eval_batch = integer(v, 1, int64_t{1} << 20);
    else if (key == "read_mode") f.eval_read_mode = scalar(v, "a read mode name");
    else if (key == "gdc") {
      f.gdc = scalar(v, "chip | on | column | off");
      try {
        experiment::parse_drift_compensation(f.gdc);
      } catch (const Error& e) {
        v.fail(e.message());
      }
    }
  } else if (section == "perf") {
    if (key == "images") f.images = integer(v, 1, perf::kMaxSimulatedItems);
    else if (key == "batch") f.perf_batch = integer(v, 0, kBig);
    else if (key == "chunks") f.chunks = integer(v, 1, perf::kMaxSlices, "auto");         // 0: auto (sim/perf/slices.h)
    else if (key == "stage_buffers") f.stage_buffers = integer(v, 1, kBig, "unbounded");  // 0: unbounded
    else if (key == "read_mode") f.perf_read_mode = scalar(v, "a read mode name");
    else if (key == "host_gops") f.host_gops = real(v, 0, 1e9);
    else if (key == "simulator") {
      f.simulator = scalar(v, "event or analytic");
      if (f.simulator != "event" && f.simulator != "analytic")
        v.fail(fmt::format("expected event or analytic, got '{}'", f.simulator));
    }
  }
}

void parse_section(const Site& root, const std::string& section, const std::vector<std::string>& keys, FixedOptions& f) {
  const Site s = root.child(section);
  if (!s.node().IsDefined() || s.node().IsNull()) return;
  check_keys(s, keys);
  for (auto it = s.node().begin(); it != s.node().end(); ++it) {
    set_option(f, section, it->first.Scalar(), s.child_at(it->first.Scalar(), it->second));  // plain names (check_keys)
  }
}

std::vector<std::string> string_list(const Site& s, std::string_view what) {
  if (!s.node().IsDefined()) s.fail(fmt::format("required: {}", what));
  if (!s.node().IsSequence() || s.node().size() == 0) s.fail(fmt::format("expected a non-empty list of {}", what));
  std::vector<std::string> out;
  for (size_t i = 0; i < s.node().size(); ++i) out.push_back(scalar(s.element(i), what));
  return out;
}

void parse_models(const Site& root, SweepSpec& spec) {
  const Site s = root.child("models");
  if (!s.node().IsDefined()) s.fail("required: the models to run ({model: M.onnx, data: SPEC, limit: N})");
  if (!s.node().IsSequence() || s.node().size() == 0) s.fail("expected a non-empty list of {model: M.onnx, data: SPEC}");
  for (size_t i = 0; i < s.node().size(); ++i) {
    const Site m = s.element(i);
    SweepModel model;
    if (m.node().IsScalar()) {
      model.model = m.node().Scalar();
    } else {
      check_keys(m, kModelKeys);
      model.model = scalar(m.child("model"), "an ONNX model file");
      if (m.child("data").node().IsDefined()) model.data = scalar(m.child("data"), "a dataset spec");
      if (m.child("limit").node().IsDefined()) model.limit = integer(m.child("limit"), 1, int64_t{1} << 40);
    }
    spec.models.push_back(model);
  }
}

Axis make_axis(const std::string& name, const Site& site) {
  Axis a;
  a.name = name;
  const auto prefixed = [&](std::string_view prefix, AxisTarget t, const std::vector<std::string>& allowed) {
    if (name.rfind(prefix, 0) != 0) return false;
    a.target = t;
    a.option = name.substr(prefix.size());
    if (std::find(allowed.begin(), allowed.end(), a.option) == allowed.end()) {
      site.fail(fmt::format("'{}' is not an option an axis can vary{}; {}* axes: {}", a.option, did_you_mean(a.option, allowed),
                            prefix, join_names(allowed)));
    }
    return true;
  };
  if (name == "seed") {
    a.target = AxisTarget::Seed;
  } else if (!prefixed("compile.", AxisTarget::Compile, kCompileAxes) && !prefixed("eval.", AxisTarget::Eval, kEvalAxes) &&
             !prefixed("perf.", AxisTarget::Perf, kPerfAxes)) {
    a.target = AxisTarget::Chip;
  }
  if (!site.node().IsSequence() || site.node().size() == 0) site.fail("expected a non-empty list of values");
  std::set<std::string> seen;
  for (size_t i = 0; i < site.node().size(); ++i) {
    const Site v = site.element(i);
    const std::string text = yaml_text(v.node());
    if (!seen.insert(text).second) v.fail(fmt::format("value '{}' appears twice", text));
    if (a.target == AxisTarget::Seed) {
      integer(v, 0, std::numeric_limits<int64_t>::max());
    } else if (a.target != AxisTarget::Chip) {
      FixedOptions probe;
      set_option(probe, name.substr(0, name.find('.')), a.option, v);
    }
    a.values.push_back(text);
  }
  return a;
}

// The dimensions of the grid: each zip group is one, each other axis one (in the axes' order of
// their first member).
std::vector<std::vector<int>> dimensions(const SweepSpec& spec) {
  std::vector<std::vector<int>> dims;
  std::vector<int> group_of(spec.axes.size(), -1);
  for (size_t g = 0; g < spec.zip.size(); ++g) {
    for (int a : spec.zip[g]) group_of[static_cast<size_t>(a)] = static_cast<int>(g);
  }
  std::set<int> emitted;
  for (size_t a = 0; a < spec.axes.size(); ++a) {
    const int g = group_of[a];
    if (g < 0) dims.push_back({static_cast<int>(a)});
    else if (emitted.insert(g).second) dims.push_back(spec.zip[static_cast<size_t>(g)]);
  }
  return dims;
}

// Each chip axis value applied alone to each base chip (zipped axes together, value by value): a path
// that leads nowhere or a value the chip's schema refuses is the sweep file's error, at its line.
void check_chip_axes(const Site& root, const SweepSpec& spec, const chip::PresetLibrary& presets) {
  const Site axes = root.child("axes");
  std::vector<chip::ChipSpec> bases;
  for (size_t i = 0; i < spec.chips.size(); ++i) {
    try {
      bases.push_back(chip::load_chip(spec.chips[i], presets));
    } catch (const Error& e) {
      root.child("chips").element(i).fail(e.what());  // the chip's own file and field stay in the message
    }
  }
  for (const std::vector<int>& dim : dimensions(spec)) {
    const size_t n = spec.axes[static_cast<size_t>(dim[0])].values.size();
    for (size_t v = 0; v < n; ++v) {
      std::vector<chip::ChipOverride> overrides;
      for (int a : dim) {
        const Axis& axis = spec.axes[static_cast<size_t>(a)];
        if (axis.target == AxisTarget::Chip) overrides.push_back({axis.name, axis.values[v]});
      }
      if (overrides.empty()) continue;
      for (size_t c = 0; c < bases.size(); ++c) {
        try {
          chip::with_overrides(bases[c], overrides, presets);
        } catch (const Error& e) {
          const std::string& field = e.context().field;
          axes.child(overrides.front().path)
              .element(v)
              .fail(fmt::format("chip '{}': {}{}", spec.chips[c], field.empty() ? "" : field + ": ", e.message()));
        }
      }
    }
  }
}

void parse_zip(const Site& root, SweepSpec& spec) {
  const Site s = root.child("zip");
  if (!s.node().IsDefined()) return;
  if (!s.node().IsSequence()) s.fail("expected a list of groups of axis names, e.g. [[cores.rows, cores.cols]]");
  std::set<int> used;
  for (size_t g = 0; g < s.node().size(); ++g) {
    const Site group = s.element(g);
    const std::vector<std::string> names = string_list(group, "axis names");
    if (names.size() < 2) group.fail("a zipped group needs at least two axes");
    std::vector<int> ids;
    for (size_t k = 0; k < names.size(); ++k) {
      const auto it = std::find_if(spec.axes.begin(), spec.axes.end(), [&](const Axis& a) { return a.name == names[k]; });
      if (it == spec.axes.end()) group.element(k).fail(fmt::format("'{}' is not an axis of this sweep", names[k]));
      const int id = static_cast<int>(it - spec.axes.begin());
      if (!used.insert(id).second) group.element(k).fail(fmt::format("axis '{}' is zipped twice", names[k]));
      if (it->values.size() != spec.axes[static_cast<size_t>(ids.empty() ? id : ids[0])].values.size()) {
        group.element(k).fail(fmt::format("zipped axes need lists of one length: '{}' has {} values, '{}' has {}", names[k],
                                          it->values.size(), names[0], spec.axes[static_cast<size_t>(ids[0])].values.size()));
      }
      ids.push_back(id);
    }
    spec.zip.push_back(ids);
  }
}

void compute_hashes(SweepSpec& spec) {
  nlohmann::json fixed;
  const FixedOptions& f = spec.fixed;
  fixed["compile"] = {{"pipeline", f.pipeline},
                      {"schedule", f.schedule},
                      {"replicate", f.replicate},
                      {"calibration_samples", f.calibration_samples},
                      {"allow_quantize", f.allow_quantize}};
  fixed["eval"] = {
      {"drift_times", f.drift_times}, {"repeats", f.repeats}, {"seed", f.seed}, {"read_mode", f.eval_read_mode}, {"gdc", f.gdc}};
  fixed["perf"] = {{"images", f.images},
                   {"batch", f.perf_batch},
                   {"chunks", f.chunks > 0 ? nlohmann::json(f.chunks) : nlohmann::json("auto")},
                   {"stage_buffers", !f.stage_buffers       ? nlohmann::json(nullptr)
                                     : *f.stage_buffers > 0 ? nlohmann::json(*f.stage_buffers)
                                                            : nlohmann::json("unbounded")},
                   {"read_mode", f.perf_read_mode},
                   {"host_gops", f.host_gops ? nlohmann::json(*f.host_gops) : nlohmann::json(nullptr)},
                   {"simulator", f.simulator}};
  fixed["run"] = {{"eval", spec.run_eval}, {"perf", spec.run_perf}};
  nlohmann::json names = nlohmann::json::array();
  for (const Axis& a : spec.axes) names.push_back(a.name);
  fixed["axes"] = names;
  spec.fixed_hash = sha256_hex(json_text(fixed));
  nlohmann::json all = fixed;
  all["chips"] = spec.chips;
  nlohmann::json models = nlohmann::json::array();
  for (const SweepModel& m : spec.models) models.push_back({{"model", m.model}, {"data", m.data}, {"limit", m.limit}});
  all["models"] = models;
  nlohmann::json values = nlohmann::json::array();
  for (const Axis& a : spec.axes) values.push_back(a.values);
  all["values"] = values;
  all["zip"] = spec.zip;
  all["mode"] = {{"random", spec.random}, {"samples", spec.samples}, {"sample_seed", spec.sample_seed}};
  spec.hash = sha256_hex(json_text(all));
}

}  // namespace

SweepSpec parse_sweep(const std::string& yaml, const std::string& label, const chip::PresetLibrary& presets) {
  require_utf8(yaml, label);
  YAML::Node doc;
  try {
    doc = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    throw Error(fmt::format("not valid YAML: {}", e.msg),
                ErrorContext{.file = e.mark.is_null() ? label : fmt::format("{}:{}", label, e.mark.line + 1)});
  }
  const Site root(label, doc);
  if (!doc.IsMap()) root.fail("a sweep file is a map (chips, models, axes, run, ...)");
  check_keys(root, kTopKeys);
  SweepSpec spec;
  spec.file = label;
  spec.chips = string_list(root.child("chips"), "chips (preset names or chip files)");
  parse_models(root, spec);
  parse_section(root, "compile", kCompileKeys, spec.fixed);
  parse_section(root, "eval", kEvalKeys, spec.fixed);
  parse_section(root, "perf", kPerfKeys, spec.fixed);
  const Site axes = root.child("axes");
  if (axes.node().IsDefined() && !axes.node().IsNull()) {
    if (!axes.node().IsMap()) axes.fail("expected a map of axis name -> list of values");
    check_map_keys(axes, nullptr, "axis names");
    for (auto it = axes.node().begin(); it != axes.node().end(); ++it) {
      const std::string& name = it->first.Scalar();
      spec.axes.push_back(make_axis(name, axes.child_at(name, it->second)));
    }
  }
  parse_zip(root, spec);
  const Site mode = root.child("mode");
  const std::string m = mode.node().IsDefined() ? scalar(mode, "grid or random") : "grid";
  if (m != "grid" && m != "random") mode.fail(fmt::format("expected grid or random, got '{}'", m));
  spec.random = m == "random";
  if (spec.random) {
    if (!root.child("samples").node().IsDefined()) root.fail_key("samples", "mode random needs samples: N");
    spec.samples = integer(root.child("samples"), 1, kMaxPoints);
    if (root.child("sample_seed").node().IsDefined()) {
      spec.sample_seed = static_cast<uint64_t>(integer(root.child("sample_seed"), 0, std::numeric_limits<int64_t>::max()));
    }
  } else {
    for (const char* k : {"samples", "sample_seed"}) {
      if (root.child(k).node().IsDefined()) root.fail_key(k, "only with mode: random");
    }
  }
  const Site run = root.child("run");
  const std::vector<std::string> kinds =
      run.node().IsDefined() ? string_list(run, "compile, eval, perf") : std::vector<std::string>{"compile"};
  for (size_t i = 0; i < kinds.size(); ++i) {
    if (kinds[i] == "eval") spec.run_eval = true;
    else if (kinds[i] == "perf") spec.run_perf = true;
    else if (kinds[i] != "compile") run.element(i).fail(fmt::format("expected compile, eval or perf, got '{}'", kinds[i]));
  }
  if (spec.run_eval) {
    for (size_t i = 0; i < spec.models.size(); ++i) {
      if (spec.models[i].data.empty()) {
        root.child("models").element(i).fail("run: eval needs the model's data (data: mnist:DIR, cifar10:DIR, ...)");
      }
    }
  }
  const std::optional<int64_t> points = grid_size(spec);
  if (!points) root.fail_key("axes", "the grid has more than 2^62 points; draw a sample of it (mode: random, samples: N)");
  if (!spec.random && *points > kMaxPoints) {
    root.fail_key("axes", fmt::format("the grid has {} points, more than a sweep runs ({}); draw a sample of it (mode: random, "
                                      "samples: N) or split it into several sweeps",
                                      *points, kMaxPoints));
  }
  check_chip_axes(root, spec, presets);
  compute_hashes(spec);
  return spec;
}

void apply_axis(FixedOptions& f, const Axis& axis, const std::string& value) {
  const Site v("", YAML::Load(value));
  if (axis.target == AxisTarget::Seed) f.seed = static_cast<uint64_t>(integer(v, 0, std::numeric_limits<int64_t>::max()));
  else if (axis.target != AxisTarget::Chip) set_option(f, axis.name.substr(0, axis.name.find('.')), axis.option, v);
}

SweepSpec load_sweep(const std::string& path, const chip::PresetLibrary& presets) {
  return parse_sweep(read_whole_file(path, kMaxSweepFileBytes, "a sweep .yaml file"), path, presets);
}

std::optional<int64_t> grid_size(const SweepSpec& spec) {
  int64_t n = static_cast<int64_t>(spec.chips.size() * spec.models.size());
  for (const std::vector<int>& d : dimensions(spec)) {
    const auto len = static_cast<int64_t>(spec.axes[static_cast<size_t>(d[0])].values.size());
    if (n > kMaxGrid / len) return std::nullopt;
    n *= len;
  }
  return n;
}

std::vector<SweepPoint> enumerate_points(const SweepSpec& spec) {
  const std::vector<std::vector<int>> dims = dimensions(spec);
  const int64_t total = grid_size(spec).value_or(0);
  AIMC_ASSERT(total > 0, "a validated sweep has points");
  std::vector<int64_t> order;
  if (spec.random && spec.samples < total) {
    // A partial Fisher-Yates shuffle of [0, total) with mt19937_64 (its sequence is fixed by the
    // standard); a map holds the few displaced entries, so a huge grid costs O(samples).
    std::mt19937_64 rng(spec.sample_seed);
    std::unordered_map<int64_t, int64_t> moved;
    const auto at = [&](int64_t i) {
      const auto it = moved.find(i);
      return it == moved.end() ? i : it->second;
    };
    for (int64_t i = 0; i < spec.samples; ++i) {
      const int64_t j = i + static_cast<int64_t>(rng() % static_cast<uint64_t>(total - i));
      const int64_t vi = at(i), vj = at(j);
      moved[j] = vi;
      order.push_back(vj);
    }
  } else {
    for (int64_t i = 0; i < total; ++i) order.push_back(i);
  }
  std::vector<SweepPoint> points;
  points.reserve(order.size());
  for (size_t k = 0; k < order.size(); ++k) {
    int64_t rest = order[k];
    SweepPoint p;
    p.index = static_cast<int64_t>(k);
    p.values.assign(spec.axes.size(), 0);
    for (size_t d = dims.size(); d-- > 0;) {
      const auto len = static_cast<int64_t>(spec.axes[static_cast<size_t>(dims[d][0])].values.size());
      const int v = static_cast<int>(rest % len);
      rest /= len;
      for (int a : dims[d]) p.values[static_cast<size_t>(a)] = v;
    }
    p.chip = static_cast<int>(rest % static_cast<int64_t>(spec.chips.size()));
    p.model = static_cast<int>(rest / static_cast<int64_t>(spec.chips.size()));
    nlohmann::json key;
    const SweepModel& m = spec.models[static_cast<size_t>(p.model)];
    key["chip"] = spec.chips[static_cast<size_t>(p.chip)];
    key["model"] = m.model;
    key["data"] = m.data;
    key["limit"] = m.limit;
    for (size_t a = 0; a < spec.axes.size(); ++a)
      key["axes"][spec.axes[a].name] = spec.axes[a].values[static_cast<size_t>(p.values[a])];
    p.key = json_text(key);
    points.push_back(std::move(p));
  }
  return points;
}

}  // namespace aimc::sweep
