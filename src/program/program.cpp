#include "program/program.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "chip/resolved.h"
#include "core/error.h"
#include "core/input_file.h"
#include "core/json_text.h"
#include "core/sha256.h"
#include "core/text_file.h"
#include "program/program_schema.h"

namespace aimc::program {

namespace {
template <class E>
struct Names {
  std::vector<std::pair<E, const char*>> list;
  std::string of(E e) const {
    for (const auto& [k, v] : list) {
      if (k == e) return v;
    }
    return "?";
  }
  std::optional<E> parse(const std::string& s) const {
    for (const auto& [k, v] : list) {
      if (s == v) return k;
    }
    return std::nullopt;
  }
  std::string all() const {
    std::vector<std::string> n;
    for (const auto& [k, v] : list) n.emplace_back(v);
    return fmt::format("{}", fmt::join(n, ", "));
  }
};
const Names<LayerKind> kLayerKinds{{{LayerKind::Conv, "conv"},
                                    {LayerKind::Gemm, "gemm"},
                                    {LayerKind::MatMul, "matmul"},
                                    {LayerKind::Lstm, "lstm"},
                                    {LayerKind::Gru, "gru"}}};
const Names<ScheduleKind> kScheduleKinds{{{ScheduleKind::LayerByLayer, "layer"},
                                          {ScheduleKind::Pipelined, "pipelined"},
                                          {ScheduleKind::DataParallel, "data-parallel"}}};
const Names<Scope> kScopes{{{Scope::Core, "core"}, {Scope::Chip, "chip"}, {Scope::Host, "host"}}};
const Names<TransferKind> kTransferKinds{{{TransferKind::Activation, "activation"},
                                          {TransferKind::PartialSum, "partial-sum"},
                                          {TransferKind::Recurrent, "recurrent"},
                                          {TransferKind::Input, "input"},
                                          {TransferKind::Output, "output"}}};
const Names<TransferAt> kTransferAts{{{TransferAt::Start, "start"},
                                      {TransferAt::BeforeMvm, "before-mvm"},
                                      {TransferAt::AfterMvm, "after-mvm"},
                                      {TransferAt::End, "end"}}};

std::optional<chip::DigitalOp> digital_op_from(const std::string& s) {
  for (int i = 0; i <= static_cast<int>(chip::kLastDigitalOp); ++i) {
    if (chip::to_string(static_cast<chip::DigitalOp>(i)) == s) return static_cast<chip::DigitalOp>(i);
  }
  return std::nullopt;
}

// Reads fields of one JSON object, naming the file and the field path in every error.
class Reader {
 public:
  Reader(const Json& j, std::string origin, std::string path) : m_j(j), m_origin(std::move(origin)), m_path(std::move(path)) {
    if (!m_j.is_object()) fail("", "expected an object");
    check_known_keys();
  }
  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw Error(what, ErrorContext{.file = m_origin, .field = key.empty() ? m_path : join(key)});
  }
  std::string join(const std::string& key) const { return m_path.empty() ? key : m_path + "." + key; }
  const Json& at(const std::string& key) const {
    auto it = m_j.find(key);
    if (it == m_j.end()) fail(key, "missing");
    return *it;
  }
  bool has(const std::string& key) const { return m_j.contains(key); }
  int64_t i64(const std::string& key) const {
    const Json& v = at(key);
    if (!v.is_number_integer()) fail(key, "expected an integer");
    return v.get<int64_t>();
  }
  int32_t i32(const std::string& key) const {
    const int64_t v = i64(key);
    if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
      fail(key, fmt::format("{} is out of range; expected a 32-bit integer", v));
    }
    return static_cast<int32_t>(v);
  }
  double real(const std::string& key) const {
    const Json& v = at(key);
    if (!v.is_number()) fail(key, "expected a number");
    return v.get<double>();
  }
  bool boolean(const std::string& key) const {
    const Json& v = at(key);
    if (!v.is_boolean()) fail(key, "expected true or false");
    return v.get<bool>();
  }
  std::string str(const std::string& key) const {
    const Json& v = at(key);
    if (!v.is_string()) fail(key, "expected a string");
    return v.get<std::string>();
  }
  const Json& array(const std::string& key) const {
    const Json& v = at(key);
    if (!v.is_array()) fail(key, "expected a list");
    return v;
  }
  std::vector<int64_t> ints(const std::string& key) const {
    std::vector<int64_t> out;
    for (const Json& e : array(key)) {
      if (!e.is_number_integer()) fail(key, "expected a list of integers");
      out.push_back(e.get<int64_t>());
    }
    return out;
  }
  std::vector<int32_t> ids(const std::string& key) const {
    std::vector<int32_t> out;
    for (int64_t v : ints(key)) {
      if (v < 0 || v > std::numeric_limits<int32_t>::max()) fail(key, fmt::format("{} is not an id (0..2^31-1)", v));
      out.push_back(static_cast<int32_t>(v));
    }
    return out;
  }
  // ids(key), each in [0, count); otherwise fails with "no such <what>".
  std::vector<int32_t> ids_below(const std::string& key, size_t count, const char* what) const {
    std::vector<int32_t> out = ids(key);
    for (int32_t v : out) {
      if (v < 0 || v >= static_cast<int32_t>(count)) fail(key, fmt::format("no such {}", what));
    }
    return out;
  }
  template <class E>
  E named(const std::string& key, const Names<E>& names) const {
    auto v = names.parse(str(key));
    if (!v) fail(key, fmt::format("'{}' is not one of: {}", str(key), names.all()));
    return *v;
  }
  Reader child(const std::string& key) const { return Reader(at(key), m_origin, join(key)); }
  Reader item(const std::string& key, size_t i) const {
    return Reader(array(key)[i], m_origin, fmt::format("{}[{}]", join(key), i));
  }
  const std::string& origin() const { return m_origin; }
  // Every key of the object is one the schema (program_schema.h) lists for this place.
  void check_known_keys() const {
    std::string normalized;  // "layers[3].quant" -> "layers[].quant"
    for (size_t i = 0; i < m_path.size(); ++i) {
      normalized += m_path[i];
      if (m_path[i] == '[') {
        while (i + 1 < m_path.size() && m_path[i + 1] != ']') ++i;
      }
    }
    const std::vector<std::string>& allowed = allowed_keys(normalized);
    for (const auto& [key, value] : m_j.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        fail(key, fmt::format("unknown key; expected one of: {}", fmt::join(allowed, ", ")));
      }
    }
  }
  const std::string& path() const { return m_path; }

 private:
  const Json& m_j;
  std::string m_origin, m_path;
};

Json endpoint_json(const Endpoint& e, const Json& resolved) {
  switch (e.kind) {
    case EndpointKind::Core:
      return Json{{"core", e.index}};
    case EndpointKind::Unit: {
      std::string name;
      if (resolved.contains("digital") && resolved["digital"].is_object()) {
        int32_t k = 0;
        for (auto it = resolved["digital"].begin(); it != resolved["digital"].end(); ++it, ++k) {
          if (k == e.index) name = it.key();
        }
      }
      return Json{{"unit", e.index}, {"name", name}};
    }
    case EndpointKind::Host:
      return "host";
  }
  return "host";
}

Endpoint endpoint_from(const Json& j, const std::string& origin, const std::string& path) {
  if (j.is_string() && j.get<std::string>() == "host") return Endpoint{EndpointKind::Host, 0};
  Reader r(j, origin, path);
  if (r.has("core")) return Endpoint{EndpointKind::Core, r.i32("core")};
  if (r.has("unit")) return Endpoint{EndpointKind::Unit, r.i32("unit")};
  r.fail("", "expected \"host\", {\"core\": N} or {\"unit\": N}");
}

std::string endpoint_text(const Endpoint& e) {
  switch (e.kind) {
    case EndpointKind::Core:
      return fmt::format("core {}", e.index);
    case EndpointKind::Unit:
      return fmt::format("unit {}", e.index);
    case EndpointKind::Host:
      return "host";
  }
  return "?";
}
// A layer's quantisation; `cols` its columns (one weight scale, or one per column).
Quantization read_quant(const Reader& q, int64_t cols) {
  Quantization quant;
  quant.input_bits = q.i64("input_bits");
  if (quant.input_bits < 0 || quant.input_bits > 32) q.fail("input_bits", "expected 0 (the chip's) to 32");
  quant.input_signed = q.boolean("input_signed");
  quant.input_step = static_cast<float>(q.real("input_step"));
  quant.input_offset = q.has("input_offset") ? static_cast<float>(q.real("input_offset")) : 0.0f;
  if (!(quant.input_offset >= 0)) q.fail("input_offset", "expected a number ≥ 0");
  quant.weight_bits = q.i64("weight_bits");
  for (const Json& s : q.array("weight_scale")) {
    if (!s.is_number()) q.fail("weight_scale", "expected a list of numbers");
    quant.weight_scale.push_back(s.get<float>());
    if (!(quant.weight_scale.back() >= 0) || !std::isfinite(quant.weight_scale.back()))
      q.fail("weight_scale", "expected numbers ≥ 0");
  }
  if (quant.weight_scale.size() != 1 && static_cast<int64_t>(quant.weight_scale.size()) != cols) {
    q.fail("weight_scale", "expected 1 entry or one per column");
  }
  quant.adc_bits = q.i64("adc_bits");
  if (quant.adc_bits < 0 || quant.adc_bits > 32) q.fail("adc_bits", "expected 0 to 32");
  quant.source = q.str("source");
  quant.weight_error_rms = q.has("weight_error_rms") ? static_cast<float>(q.real("weight_error_rms")) : 0.0f;
  if (q.has("activity")) {
    Reader a = q.child("activity");
    InputActivity act;
    auto fraction = [&](const char* key) {
      const double v = a.real(key);
      if (!(v >= 0 && v <= 1)) a.fail(key, "expected a fraction in [0, 1]");
      return v;
    };
    act.zero_fraction = fraction("zero_fraction");
    act.mean_magnitude = fraction("mean_magnitude");
    act.ones_fraction = fraction("ones_fraction");
    if (a.has("empty_plane_fraction")) act.empty_plane_fraction = fraction("empty_plane_fraction");
    if (a.has("mean_output_fraction")) act.mean_output_fraction = fraction("mean_output_fraction");
    act.samples = a.i64("samples");
    if (act.samples < 1) a.fail("samples", "expected 1 or more");
    quant.activity = act;
  }
  return quant;
}

// A windowed op's `output_rows` and optional `row_window` (both optional in the file).
void read_rows(const Reader& r, int64_t& output_rows, std::optional<RowWindow>& window) {
  if (r.has("output_rows")) output_rows = r.i64("output_rows");
  if (output_rows < 0) r.fail("output_rows", "expected 0 or more");
  if (!r.has("row_window")) return;
  const Reader w = r.child("row_window");
  RowWindow rw{.input_rows = w.i64("input_rows"), .kernel = w.i64("kernel"), .stride = w.i64("stride"), .pad = w.i64("pad")};
  if (rw.input_rows < 1) w.fail("input_rows", "expected 1 or more");
  if (rw.kernel < 1) w.fail("kernel", "expected 1 or more");
  if (rw.stride < 1) w.fail("stride", "expected 1 or more");
  if (rw.pad < 0 || rw.pad >= rw.kernel) w.fail("pad", "expected 0 to kernel - 1");
  if (output_rows < 1) r.fail("row_window", "needs output_rows of 1 or more");
  window = rw;
}

Json rows_json(int64_t output_rows, const std::optional<RowWindow>& window, Json j) {
  j["output_rows"] = output_rows;
  if (window) {
    j["row_window"] = {
        {"input_rows", window->input_rows}, {"kernel", window->kernel}, {"stride", window->stride}, {"pad", window->pad}};
  }
  return j;
}

Layer read_layer(const Reader& r, size_t i) {
  Layer l;
  l.id = r.i32("id");
  if (l.id != static_cast<int32_t>(i)) r.fail("id", fmt::format("expected {}", i));
  l.name = r.str("name");
  l.kind = r.named("kind", kLayerKinds);
  l.rows = r.i64("rows");
  l.cols = r.i64("cols");
  l.groups = r.i64("groups");
  l.group_rows = r.i64("group_rows");
  l.group_cols = r.i64("group_cols");
  if (l.rows < 1 || l.cols < 1 || l.groups < 1 || l.group_rows * l.groups != l.rows || l.group_cols * l.groups != l.cols) {
    r.fail("rows", "rows, cols, groups, group_rows and group_cols are inconsistent");
  }
  l.vectors_per_inference = r.i64("vectors_per_inference");
  if (l.vectors_per_inference < 1) r.fail("vectors_per_inference", "expected 1 or more");
  read_rows(r, l.output_rows, l.row_window);
  if (l.output_rows > l.vectors_per_inference)
    r.fail("output_rows", "expected at most vectors_per_inference (an output row holds one vector or more)");
  l.columns_per_weight = r.i64("columns_per_weight");
  if (l.columns_per_weight < 1) r.fail("columns_per_weight", "expected 1 or more");
  l.replicas = r.i64("replicas");
  if (l.replicas < 1) r.fail("replicas", "expected 1 or more");
  l.has_bias = r.boolean("has_bias");
  l.input_value = r.str("input");
  l.output_value = r.str("output");
  l.weights_sha256 = r.str("weights_sha256");
  l.quant = read_quant(r.child("quant"), l.cols);
  return l;
}

Tile read_tile(const Reader& r, size_t i, const Program& p) {
  Tile t;
  t.id = r.i32("id");
  if (t.id != static_cast<int32_t>(i)) r.fail("id", fmt::format("expected {}", i));
  t.layer = r.i32("layer");
  if (t.layer < 0 || t.layer >= static_cast<int32_t>(p.layers.size())) r.fail("layer", "no such layer");
  const Layer& l = p.layers[static_cast<size_t>(t.layer)];
  t.group = r.i32("group");
  if (t.group < 0 || t.group >= l.groups) r.fail("group", fmt::format("expected 0 to {} (the layer's groups - 1)", l.groups - 1));
  auto rows = r.ints("rows"), cols = r.ints("cols"), off = r.ints("offset");
  if (rows.size() != 2 || rows[0] < 0 || rows[0] >= rows[1] || rows[1] > l.rows)
    r.fail("rows", "expected [begin, end) inside the layer");
  if (cols.size() != 2 || cols[0] < 0 || cols[0] >= cols[1] || cols[1] > l.cols)
    r.fail("cols", "expected [begin, end) inside the layer");
  if (off.size() != 2) r.fail("offset", "expected [row, column]");
  t.row_begin = rows[0];
  t.row_end = rows[1];
  t.col_begin = cols[0];
  t.col_end = cols[1];
  t.row_offset = off[0];
  t.col_offset = off[1];
  if (t.row_offset < 0 || t.row_offset + t.rows() > p.crossbar_rows || t.col_offset < 0 ||
      t.col_offset + t.cols() * l.columns_per_weight > p.crossbar_cols) {
    r.fail("offset", "the block does not fit inside its crossbar");
  }
  t.replica = r.i32("replica");
  if (t.replica < 0 || t.replica >= l.replicas) r.fail("replica", "outside the layer's replicas");
  t.core = r.i32("core");
  t.array = r.i32("array");
  t.segment = r.i32("segment");
  t.reduce_core = r.i32("reduce_core");
  return t;
}

DigitalOp read_digital_op(const Reader& r) {
  DigitalOp d;
  d.id = r.i32("id");
  d.node = r.str("node");
  d.op = r.str("op");
  if (!r.at("kind").is_null()) {
    d.kind = digital_op_from(r.str("kind"));
    if (!d.kind) r.fail("kind", "not a digital op name");
  }
  d.layer = r.i32("layer");
  d.scope = r.named("scope", kScopes);
  d.unit = r.str("unit");
  d.unit_index = r.i32("unit_index");
  d.cores = r.ids("cores");
  d.ops_per_inference = r.i64("ops_per_inference");
  if (d.ops_per_inference < 0) r.fail("ops_per_inference", "expected 0 or more");
  if (r.has("frac_bits")) {
    d.frac_bits = r.i32("frac_bits");
    if (d.unit_index < 0) r.fail("frac_bits", "a fixed-point format needs a digital unit");
  }
  read_rows(r, d.output_rows, d.row_window);
  return d;
}

// `stages` and `transfers`: how many the Program has (a transfer's stage and multicast group are ids).
Transfer read_transfer(const Reader& r, size_t stages, size_t transfers) {
  Transfer t;
  t.from = endpoint_from(r.at("from"), r.origin(), r.join("from"));
  t.to = endpoint_from(r.at("to"), r.origin(), r.join("to"));
  t.bytes_per_inference = r.real("bytes_per_inference");
  if (!(t.bytes_per_inference >= 0) || !std::isfinite(t.bytes_per_inference))
    r.fail("bytes_per_inference", "expected a non-negative number");
  t.value = r.str("value");
  t.kind = r.named("kind", kTransferKinds);
  t.hops = r.i64("hops");
  if (t.hops < 0) r.fail("hops", "expected 0 or more");
  if (r.has("stage")) {  // optional: Programs written before the field have none
    t.stage = r.i32("stage");
    t.at = r.named("at", kTransferAts);
    if (t.stage < 0 || t.stage >= static_cast<int32_t>(stages)) r.fail("stage", "no such stage");
  }
  if (r.has("copy")) {
    t.copy = r.i32("copy");
    if (t.copy < -1) r.fail("copy", "expected -1 or a network copy (0 or more)");
  }
  if (r.has("multicast")) {
    t.multicast = r.i32("multicast");
    if (t.multicast < -1 || t.multicast >= static_cast<int32_t>(transfers)) {
      r.fail("multicast", "expected -1 or a group id below the number of transfers");
    }
  }
  return t;
}

// A multicast group's members share their source, value and bytes.
void check_multicast_groups(const Program& p, const Reader& top) {
  std::map<int32_t, const Transfer*> first_of;
  for (size_t i = 0; i < p.transfers.size(); ++i) {
    const Transfer& t = p.transfers[i];
    if (t.multicast < 0) continue;
    auto [it, fresh] = first_of.try_emplace(t.multicast, &t);
    if (!fresh && (!(it->second->from == t.from) || it->second->value != t.value ||
                   it->second->bytes_per_inference != t.bytes_per_inference)) {
      top.item("transfers", i).fail("multicast", "a multicast group's transfers share their source, value and bytes");
    }
  }
}

Schedule read_schedule(const Reader& s, const Program& p) {
  Schedule schedule;
  schedule.kind = s.named("kind", kScheduleKinds);
  schedule.network_replicas = s.i64("network_replicas");
  // Data-parallel copies each hold one replica of every layer (inference i runs on copy i mod copies); any
  // other schedule runs one network.
  if (schedule.kind != ScheduleKind::DataParallel) {
    if (schedule.network_replicas != 1)
      s.fail("network_replicas", "expected 1: only a data-parallel schedule copies the network");
  } else if (schedule.network_replicas < 1) {
    s.fail("network_replicas", "expected 1 or more");
  } else {
    for (const Layer& l : p.layers) {
      if (l.replicas != schedule.network_replicas) {
        s.fail("network_replicas",
               fmt::format("expected every layer's replicas, but layer {} ({}) has {}: a data-parallel copy holds one "
                           "replica of every layer",
                           l.id, l.name, l.replicas));
      }
    }
  }
  for (size_t i = 0; i < s.array("stages").size(); ++i) {
    Reader r = s.item("stages", i);
    Stage st;
    st.id = r.i32("id");
    if (st.id != static_cast<int32_t>(i)) r.fail("id", fmt::format("expected {}", i));
    st.layers = r.ids_below("layers", p.layers.size(), "layer");
    st.cores = r.ids("cores");
    st.digital_ops = r.ids_below("digital_ops", p.digital_ops.size(), "digital op");
    if (r.has("digital_ops_before_mvms")) {  // optional: 0 when absent (Programs written before the field)
      st.digital_ops_before_mvms = r.i32("digital_ops_before_mvms");
      if (st.digital_ops_before_mvms < 0 || st.digital_ops_before_mvms > static_cast<int32_t>(st.digital_ops.size()))
        r.fail("digital_ops_before_mvms", "expected 0 up to the number of the stage's digital_ops");
    }
    st.mvms_per_inference = r.real("mvms_per_inference");
    if (!(st.mvms_per_inference >= 0) || !std::isfinite(st.mvms_per_inference))
      r.fail("mvms_per_inference", "expected a non-negative number");
    schedule.stages.push_back(st);
  }
  // Every layer runs in one stage: a layer in none would be left out of the timing and the energy.
  std::vector<int32_t> stage_of(p.layers.size(), -1);
  for (const Stage& st : schedule.stages) {
    for (int32_t l : st.layers) {
      if (stage_of[static_cast<size_t>(l)] >= 0) {
        s.fail("stages", fmt::format("layer {} ({}) is in stages {} and {}; expected one", l,
                                     p.layers[static_cast<size_t>(l)].name, stage_of[static_cast<size_t>(l)], st.id));
      }
      stage_of[static_cast<size_t>(l)] = st.id;
    }
  }
  for (size_t l = 0; l < p.layers.size(); ++l) {
    if (stage_of[l] < 0) s.fail("stages", fmt::format("layer {} ({}) is in no stage; expected one", l, p.layers[l].name));
  }
  for (size_t i = 0; i < s.array("segments").size(); ++i) {
    Reader r = s.item("segments", i);
    Segment sg;
    sg.id = r.i32("id");
    if (sg.id != static_cast<int32_t>(i)) r.fail("id", fmt::format("expected {}", i));
    sg.layers = r.ids_below("layers", p.layers.size(), "layer");
    sg.tiles = r.ids_below("tiles", p.tiles.size(), "tile");
    sg.cells_written = r.i64("cells_written");
    if (sg.cells_written < 0) r.fail("cells_written", "expected 0 or more");
    sg.write_operations = r.i64("write_operations");
    if (sg.write_operations < 0) r.fail("write_operations", "expected 0 or more");
    schedule.segments.push_back(sg);
  }
  return schedule;
}

// Every core, array and unit the Program names exists on the chip it records; no two tiles of one
// segment overlap in one crossbar.
void check_against_chip(const Program& p, const std::string& origin) {
  const Json& resolved_cores = p.chip_resolved.contains("cores") ? p.chip_resolved["cores"] : Json();
  const int64_t cores =
      resolved_cores.is_object() && resolved_cores.contains("count") && resolved_cores["count"].is_number_integer()
          ? resolved_cores["count"].get<int64_t>()
          : 0;
  const int64_t arrays =
      resolved_cores.is_object() && resolved_cores.contains("arrays") && resolved_cores["arrays"].is_number_integer()
          ? resolved_cores["arrays"].get<int64_t>()
          : 1;
  if (cores < 1 || arrays < 1) {
    throw Error("chip.resolved.cores needs count and arrays (positive integers): the Program must name its chip",
                ErrorContext{.file = origin, .field = "chip.resolved.cores"});
  }
  const int64_t units = p.chip_resolved.contains("digital") && p.chip_resolved["digital"].is_object()
                            ? static_cast<int64_t>(p.chip_resolved["digital"].size())
                            : 0;
  auto check_core = [&](int64_t c, const std::string& field) {
    if (c < 0 || c >= cores) {
      throw Error(fmt::format("{} is not a core (0..{})", c, cores - 1), ErrorContext{.file = origin, .field = field});
    }
  };
  for (const Tile& t : p.tiles) check_core(t.reduce_core, fmt::format("tiles[{}].reduce_core", t.id));
  const int64_t core_units = resolved_cores.contains("digital") && resolved_cores["digital"].is_object()
                                 ? static_cast<int64_t>(resolved_cores["digital"].size())
                                 : 0;
  for (size_t i = 0; i < p.digital_ops.size(); ++i) {
    const DigitalOp& d = p.digital_ops[i];
    for (int32_t c : d.cores) check_core(c, fmt::format("digital_ops[{}].cores", i));
    if (d.layer < -1 || d.layer >= static_cast<int32_t>(p.layers.size())) {
      throw Error(fmt::format("{} is not a layer (-1 or 0..{})", d.layer, p.layers.size() - 1),
                  ErrorContext{.file = origin, .field = fmt::format("digital_ops[{}].layer", i)});
    }
    const int64_t limit = d.scope == Scope::Chip ? units : d.scope == Scope::Core ? core_units : 1;
    if (d.unit_index >= limit && d.scope != Scope::Host) {
      throw Error(fmt::format("{} is not a {} digital unit ({} on the chip)", d.unit_index, to_string(d.scope), limit),
                  ErrorContext{.file = origin, .field = fmt::format("digital_ops[{}].unit_index", i)});
    }
  }
  for (size_t i = 0; i < p.schedule.stages.size(); ++i) {
    for (int32_t c : p.schedule.stages[i].cores) check_core(c, fmt::format("schedule.stages[{}].cores", i));
  }
  for (size_t i = 0; i < p.transfers.size(); ++i) {
    for (const auto& [e, side] : {std::pair{p.transfers[i].from, "from"}, std::pair{p.transfers[i].to, "to"}}) {
      const std::string field = fmt::format("transfers[{}].{}", i, side);
      if (e.kind == EndpointKind::Core) check_core(e.index, field);
      if (e.kind == EndpointKind::Unit && (e.index < 0 || e.index >= units)) {
        throw Error(fmt::format("{} is not a chip-level unit ({} on the chip)", e.index, units),
                    ErrorContext{.file = origin, .field = field});
      }
    }
  }
  std::map<std::tuple<int32_t, int32_t, int32_t>, std::vector<const Tile*>> by_slot;
  for (const Tile& t : p.tiles) {
    if (t.core < 0 || t.core >= cores || t.array < 0 || t.array >= arrays) {
      throw Error(
          fmt::format("tile {} is on core {} array {}, the chip has {} cores of {} arrays", t.id, t.core, t.array, cores, arrays),
          ErrorContext{.file = origin, .field = fmt::format("tiles[{}].core", t.id)});
    }
    for (const Tile* o : by_slot[{t.segment, t.core, t.array}]) {
      const int64_t ow = p.layers[static_cast<size_t>(o->layer)].columns_per_weight;
      const int64_t tw = p.layers[static_cast<size_t>(t.layer)].columns_per_weight;
      const bool rows_apart = t.row_offset >= o->row_offset + o->rows() || o->row_offset >= t.row_offset + t.rows();
      const bool cols_apart = t.col_offset >= o->col_offset + o->cols() * ow || o->col_offset >= t.col_offset + t.cols() * tw;
      if (!rows_apart && !cols_apart) {
        throw Error(fmt::format("tiles {} and {} overlap in core {} array {}", o->id, t.id, t.core, t.array),
                    ErrorContext{.file = origin, .field = fmt::format("tiles[{}].offset", t.id)});
      }
    }
    by_slot[{t.segment, t.core, t.array}].push_back(&t);
  }
}
}  // namespace

std::string to_string(LayerKind k) { return kLayerKinds.of(k); }
std::string to_string(ScheduleKind k) { return kScheduleKinds.of(k); }
std::string to_string(Scope s) { return kScopes.of(s); }
std::string to_string(TransferKind k) { return kTransferKinds.of(k); }
std::string to_string(TransferAt a) { return kTransferAts.of(a); }

ScheduleKind schedule_kind_from_string(const std::string& s) {
  auto k = kScheduleKinds.parse(s);
  if (!k)
    throw Error(fmt::format("unknown schedule '{}' (schedules: {})", s, kScheduleKinds.all()), ErrorContext{.field = "schedule"});
  return *k;
}

std::vector<int32_t> Program::tiles_of(int32_t layer, int32_t replica) const {
  std::vector<int32_t> out;
  for (const Tile& t : tiles) {
    if (t.layer == layer && (replica < 0 || t.replica == replica)) out.push_back(t.id);
  }
  return out;
}

std::vector<int32_t> Program::cores_of(int32_t layer) const {
  std::set<int32_t> s;
  for (const Tile& t : tiles) {
    if (t.layer == layer) s.insert(t.core);
  }
  return {s.begin(), s.end()};
}

std::optional<int32_t> Program::find_layer(const std::string& node_name) const {
  for (const Layer& l : layers) {
    if (l.name == node_name) return l.id;
  }
  return std::nullopt;
}

int64_t Program::crossbars_used() const {
  std::set<std::tuple<int32_t, int32_t, int32_t>> s;
  for (const Tile& t : tiles) s.emplace(t.segment, t.core, t.array);
  return static_cast<int64_t>(s.size());
}

std::string chip_sha256(const chip::ChipSpec& chip) { return sha256_hex(json_text(chip::resolved_json(chip))); }

Json to_json(const Program& p) {
  Json j;
  j["format"] = kProgramFormat;
  j["version"] = kProgramVersion;
  j["chip"] = {{"name", p.chip_name},
               {"sha256", p.chip_sha256},
               {"crossbar", {{"rows", p.crossbar_rows}, {"cols", p.crossbar_cols}}},
               {"crossbars", p.crossbars_available},
               {"resolved", p.chip_resolved}};
  j["model"] = {{"path", p.model_path}, {"sha256", p.model_sha256}, {"graph", p.graph_name}};
  j["pipeline"] = p.pipeline;
  Json layers = Json::array();
  for (const Layer& l : p.layers) {
    const Quantization& q = l.quant;
    layers.push_back({{"id", l.id},
                      {"name", l.name},
                      {"kind", to_string(l.kind)},
                      {"rows", l.rows},
                      {"cols", l.cols},
                      {"groups", l.groups},
                      {"group_rows", l.group_rows},
                      {"group_cols", l.group_cols},
                      {"vectors_per_inference", l.vectors_per_inference},
                      {"output_rows", l.output_rows},
                      {"columns_per_weight", l.columns_per_weight},
                      {"replicas", l.replicas},
                      {"has_bias", l.has_bias},
                      {"input", l.input_value},
                      {"output", l.output_value},
                      {"weights_sha256", l.weights_sha256},
                      {"quant",
                       {{"input_bits", q.input_bits},
                        {"input_signed", q.input_signed},
                        {"input_step", q.input_step},
                        {"input_offset", q.input_offset},
                        {"weight_bits", q.weight_bits},
                        {"weight_scale", q.weight_scale},
                        {"adc_bits", q.adc_bits},
                        {"source", q.source},
                        {"weight_error_rms", q.weight_error_rms}}}});
    if (q.activity) {
      layers.back()["quant"]["activity"] = {{"zero_fraction", q.activity->zero_fraction},
                                            {"mean_magnitude", q.activity->mean_magnitude},
                                            {"ones_fraction", q.activity->ones_fraction},
                                            {"empty_plane_fraction", q.activity->empty_plane_fraction},
                                            {"mean_output_fraction", q.activity->mean_output_fraction},
                                            {"samples", q.activity->samples}};
    }
    if (l.row_window) layers.back() = rows_json(l.output_rows, l.row_window, layers.back());
  }
  j["layers"] = layers;
  Json tiles = Json::array();
  for (const Tile& t : p.tiles) {
    tiles.push_back({{"id", t.id},
                     {"layer", t.layer},
                     {"group", t.group},
                     {"rows", {t.row_begin, t.row_end}},
                     {"cols", {t.col_begin, t.col_end}},
                     {"replica", t.replica},
                     {"core", t.core},
                     {"array", t.array},
                     {"offset", {t.row_offset, t.col_offset}},
                     {"segment", t.segment},
                     {"reduce_core", t.reduce_core}});
  }
  j["tiles"] = tiles;
  Json ops = Json::array();
  for (const DigitalOp& d : p.digital_ops) {
    ops.push_back({{"id", d.id},
                   {"node", d.node},
                   {"op", d.op},
                   {"kind", d.kind ? Json(chip::to_string(*d.kind)) : Json()},
                   {"layer", d.layer},
                   {"scope", to_string(d.scope)},
                   {"unit", d.unit},
                   {"unit_index", d.unit_index},
                   {"cores", d.cores},
                   {"ops_per_inference", d.ops_per_inference}});
    if (d.frac_bits) ops.back()["frac_bits"] = *d.frac_bits;
    if (d.output_rows > 0) ops.back() = rows_json(d.output_rows, d.row_window, ops.back());
  }
  j["digital_ops"] = ops;
  Json tr = Json::array();
  for (const Transfer& t : p.transfers) {
    tr.push_back({{"from", endpoint_json(t.from, p.chip_resolved)},
                  {"to", endpoint_json(t.to, p.chip_resolved)},
                  {"bytes_per_inference", t.bytes_per_inference},
                  {"value", t.value},
                  {"kind", to_string(t.kind)},
                  {"hops", t.hops}});
    if (t.stage >= 0) tr.back()["stage"] = t.stage, tr.back()["at"] = to_string(t.at);
    if (t.multicast >= 0) tr.back()["multicast"] = t.multicast;
    if (t.copy >= 0) tr.back()["copy"] = t.copy;
  }
  j["transfers"] = tr;
  Json stages = Json::array(), segments = Json::array();
  for (const Stage& s : p.schedule.stages) {
    stages.push_back({{"id", s.id},
                      {"layers", s.layers},
                      {"cores", s.cores},
                      {"digital_ops", s.digital_ops},
                      {"mvms_per_inference", s.mvms_per_inference}});
    if (s.digital_ops_before_mvms > 0) stages.back()["digital_ops_before_mvms"] = s.digital_ops_before_mvms;
  }
  for (const Segment& s : p.schedule.segments) {
    segments.push_back({{"id", s.id},
                        {"layers", s.layers},
                        {"tiles", s.tiles},
                        {"cells_written", s.cells_written},
                        {"write_operations", s.write_operations}});
  }
  j["schedule"] = {{"kind", to_string(p.schedule.kind)},
                   {"network_replicas", p.schedule.network_replicas},
                   {"reloads", p.schedule.reloads()},
                   {"stages", stages},
                   {"segments", segments}};
  j["warnings"] = p.warnings;
  j["calibration"] = p.calibration;
  j["statistics"] = p.statistics;
  return j;
}

Program program_from_json(const Json& j, const std::string& origin) {
  Reader top(j, origin, "");
  if (top.str("format") != kProgramFormat) top.fail("format", fmt::format("expected \"{}\"", kProgramFormat));
  if (top.i64("version") != kProgramVersion) {
    top.fail("version",
             fmt::format("version {} is not supported (this aimc reads version {})", top.i64("version"), kProgramVersion));
  }
  Program p;
  Reader chip = top.child("chip");
  p.chip_name = chip.str("name");
  p.chip_sha256 = chip.str("sha256");
  p.crossbar_rows = chip.child("crossbar").i64("rows");
  p.crossbar_cols = chip.child("crossbar").i64("cols");
  p.crossbars_available = chip.i64("crossbars");
  p.chip_resolved = chip.at("resolved");
  Reader model = top.child("model");
  p.model_path = model.str("path");
  p.model_sha256 = model.str("sha256");
  p.graph_name = model.str("graph");
  p.pipeline = top.str("pipeline");
  for (size_t i = 0; i < top.array("layers").size(); ++i) p.layers.push_back(read_layer(top.item("layers", i), i));
  for (size_t i = 0; i < top.array("tiles").size(); ++i) p.tiles.push_back(read_tile(top.item("tiles", i), i, p));
  for (size_t i = 0; i < top.array("digital_ops").size(); ++i)
    p.digital_ops.push_back(read_digital_op(top.item("digital_ops", i)));
  const size_t stages = top.child("schedule").array("stages").size(), transfers = top.array("transfers").size();
  for (size_t i = 0; i < transfers; ++i) p.transfers.push_back(read_transfer(top.item("transfers", i), stages, transfers));
  check_multicast_groups(p, top);
  p.schedule = read_schedule(top.child("schedule"), p);
  for (size_t i = 0; i < p.transfers.size(); ++i) {
    if (p.transfers[i].copy >= (p.schedule.kind == ScheduleKind::DataParallel ? p.schedule.network_replicas : 0)) {
      top.item("transfers", i)
          .fail("copy",
                p.schedule.kind == ScheduleKind::DataParallel
                    ? fmt::format("expected -1 to {} (the schedule's network_replicas - 1)", p.schedule.network_replicas - 1)
                    : std::string("expected -1: only a data-parallel schedule has network copies"));
    }
  }
  for (size_t i = 0; i < p.tiles.size(); ++i) {
    const int32_t sg = p.tiles[i].segment;
    if (sg < 0 || sg >= static_cast<int32_t>(p.schedule.segments.size()))
      top.item("tiles", i)
          .fail("segment", fmt::format("expected 0 to {} (the schedule's segments - 1)",
                                       static_cast<int64_t>(p.schedule.segments.size()) - 1));
  }
  for (const Json& w : top.array("warnings")) p.warnings.push_back(w.is_string() ? w.get<std::string>() : json_text(w));
  if (top.has("calibration")) p.calibration = top.str("calibration");
  if (top.has("statistics")) {  // {pass: {name: count}}, free keys (statistics.* in the schema)
    const Json& stats = top.at("statistics");
    if (!stats.is_object()) top.fail("statistics", "expected an object of passes");
    for (const auto& [pass, counts] : stats.items()) {
      if (!counts.is_object()) top.fail("statistics." + pass, "expected an object of integer counts");
      for (const auto& [name, value] : counts.items()) {
        if (!value.is_number_integer()) top.fail("statistics." + pass + "." + name, "expected an integer");
        p.statistics[pass][name] = value.get<int64_t>();
      }
    }
  }
  check_against_chip(p, origin);
  return p;
}

void save_program(const Program& p, const std::string& path) { write_text_file(path, json_text(to_json(p), 1) + "\n"); }

Program load_program(const std::string& path) {
  require_regular_file(path, "a Program .json file (aimc compile -o)");
  std::ifstream f(path);
  if (!f) throw Error("cannot read the program", ErrorContext{.file = path});
  Json j;
  try {
    j = Json::parse(f);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("not valid JSON: {}", e.what()), ErrorContext{.file = path});
  }
  return program_from_json(j, path);
}

void check_chip(const Program& p, const chip::ChipSpec& chip, const std::string& origin) {
  const std::string h = chip_sha256(chip);
  if (h != p.chip_sha256 && p.chip_name == chip.name) {
    throw Error(fmt::format("the program was compiled for another description of chip '{}' (sha256 {}, this one {}): its "
                            "parameters differ (an edited file, a preset changed since, overrides); compile the model again "
                            "for this chip",
                            p.chip_name, p.chip_sha256.substr(0, 12), h.substr(0, 12)),
                ErrorContext{.file = origin, .field = "chip"});
  }
  if (h != p.chip_sha256) {
    throw Error(fmt::format("the program was compiled for chip '{}' (sha256 {}), not for '{}' (sha256 {})", p.chip_name,
                            p.chip_sha256.substr(0, 12), chip.name, h.substr(0, 12)),
                ErrorContext{.file = origin, .field = "chip"});
  }
}

void check_fits(const Program& p, const chip::ChipSpec& chip, const std::string& origin) {
  const auto fail = [&](const std::string& what) {
    throw Error(fmt::format("the program does not fit chip '{}': {}; compile the model for this chip", chip.name, what),
                ErrorContext{.file = origin, .field = "chip"});
  };
  const auto& c = chip.cores;
  if (p.crossbar_rows != c.rows || p.crossbar_cols != c.cols) {
    fail(fmt::format("its crossbars are {}x{}, the chip's {}x{}", p.crossbar_rows, p.crossbar_cols, c.rows, c.cols));
  }
  const auto core_ok = [&](int64_t core) { return core >= 0 && core < c.count; };
  for (const Tile& t : p.tiles) {
    if (!core_ok(t.core) || !core_ok(t.reduce_core) || t.array < 0 || t.array >= c.arrays) {
      fail(fmt::format("tile {} is on core {}, array {}; the chip has {} cores of {} arrays", t.id, t.core, t.array, c.count,
                       c.arrays));
    }
  }
  for (const DigitalOp& d : p.digital_ops) {
    if (d.scope == Scope::Host || d.unit_index < 0) continue;  // the host, the converters, layout
    const auto& units = d.scope == Scope::Core ? c.digital : chip.digital;
    if (static_cast<size_t>(d.unit_index) >= units.size() || units[static_cast<size_t>(d.unit_index)].name != d.unit) {
      fail(fmt::format("op '{}' runs on unit '{}', which {}", d.node, d.unit,
                       d.scope == Scope::Core ? "the chip's cores do not have" : "the chip does not have beside its cores"));
    }
    for (int32_t core : d.cores) {
      if (!core_ok(core)) fail(fmt::format("op '{}' runs on core {}; the chip has {} cores", d.node, core, c.count));
    }
  }
  for (const Transfer& t : p.transfers) {
    for (const Endpoint& e : {t.from, t.to}) {
      const bool ok = e.kind == EndpointKind::Host || (e.kind == EndpointKind::Core && core_ok(e.index)) ||
                      (e.kind == EndpointKind::Unit && e.index >= 0 && static_cast<size_t>(e.index) < chip.digital.size());
      if (!ok)
        fail(fmt::format("a transfer of '{}' ends at {} {}, which the chip does not have", t.value,
                         e.kind == EndpointKind::Core ? "core" : "chip unit", e.index));
    }
  }
}

void check_model(const Program& p, const std::string& model_path) {
  const std::string h = sha256_file(model_path);
  if (h != p.model_sha256) {
    throw Error(fmt::format("the program was compiled from a different model (sha256 {}, this file {})",
                            p.model_sha256.substr(0, 12), h.substr(0, 12)),
                ErrorContext{.file = model_path, .field = "model"});
  }
}

std::string to_text(const Program& p) {
  std::ostringstream os;
  os << fmt::format("program for chip {} ({} crossbars of {}x{}), schedule {}", p.chip_name, p.crossbars_available,
                    p.crossbar_rows, p.crossbar_cols, to_string(p.schedule.kind));
  if (p.schedule.network_replicas > 1) os << fmt::format(" x{} network replicas", p.schedule.network_replicas);
  os << "\n";
  for (const Layer& l : p.layers) {
    os << fmt::format(
        "  layer L{} {} {} {}x{}{} vectors={} cpw={} replicas={} bias={} quant(in={}b{} step={:.6g}{} w={}b scale[{}] adc={}b "
        "{})\n",
        l.id, l.name, to_string(l.kind), l.rows, l.cols, l.groups > 1 ? fmt::format(" groups={}", l.groups) : "",
        l.vectors_per_inference, l.columns_per_weight, l.replicas, l.has_bias, l.quant.input_bits,
        l.quant.input_signed ? "s" : "u", l.quant.input_step,
        l.quant.input_offset > 0 ? fmt::format(" offset={:.6g}", l.quant.input_offset) : "", l.quant.weight_bits,
        l.quant.weight_scale.size(), l.quant.adc_bits, l.quant.source);
  }
  for (const Tile& t : p.tiles) {
    os << fmt::format("  tile T{} L{} g{} rows[{},{}) cols[{},{}) r{} core {} array {} at ({},{}) seg {} reduce {}\n", t.id,
                      t.layer, t.group, t.row_begin, t.row_end, t.col_begin, t.col_end, t.replica, t.core, t.array, t.row_offset,
                      t.col_offset, t.segment, t.reduce_core);
  }
  for (const DigitalOp& d : p.digital_ops) {
    os << fmt::format("  digital D{} {} {}{} -> {} {}{} ops={}{}\n", d.id, d.node, d.op,
                      d.kind ? " (" + chip::to_string(*d.kind) + ")" : "", to_string(d.scope), d.unit,
                      d.cores.empty() ? "" : fmt::format(" cores {}", fmt::join(d.cores, ",")), d.ops_per_inference,
                      d.frac_bits ? fmt::format(" frac={}", *d.frac_bits) : "");
  }
  for (const Transfer& t : p.transfers) {
    os << fmt::format(
        "  transfer {} -> {} {:.6g} B {} {} hops={}{}{}{}\n", endpoint_text(t.from), endpoint_text(t.to), t.bytes_per_inference,
        to_string(t.kind), t.value, t.hops, t.stage >= 0 ? fmt::format(" stage S{} {}", t.stage, to_string(t.at)) : "",
        t.multicast >= 0 ? fmt::format(" multicast={}", t.multicast) : "", t.copy >= 0 ? fmt::format(" copy={}", t.copy) : "");
  }
  for (const Stage& s : p.schedule.stages) {
    os << fmt::format("  stage S{} layers {} cores {} digital {}{} mvms={:.6g}\n", s.id, fmt::join(s.layers, ","),
                      fmt::join(s.cores, ","), fmt::join(s.digital_ops, ","),
                      s.digital_ops_before_mvms > 0 ? fmt::format(" ({} before the MVMs)", s.digital_ops_before_mvms) : "",
                      s.mvms_per_inference);
  }
  for (const Segment& s : p.schedule.segments) {
    os << fmt::format("  segment {} layers {} tiles {} cells {} writes {}\n", s.id, fmt::join(s.layers, ","), s.tiles.size(),
                      s.cells_written, s.write_operations);
  }
  for (const std::string& w : p.warnings) os << "  warning: " << w << "\n";
  return os.str();
}

}  // namespace aimc::program
