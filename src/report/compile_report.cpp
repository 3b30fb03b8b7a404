#include "report/compile_report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "report/schema.h"

namespace aimc::report {

using namespace ::aimc::program;  // NOLINT(google-build-using-namespace): the Program's types

namespace {
struct LayerMapping {
  int64_t tiles = 0;       // per replica
  int64_t crossbars = 0;   // per replica (distinct slots)
  int64_t cells = 0;       // weight cells per replica
  double utilisation = 0;  // cells / (crossbars · rows · cols)
};

LayerMapping layer_mapping(const Program& p, const Layer& l) {
  LayerMapping s;
  std::set<std::tuple<int32_t, int32_t, int32_t>> slots;
  for (const Tile& t : p.tiles) {
    if (t.layer != l.id || t.replica != 0) continue;
    ++s.tiles;
    s.cells += t.rows() * t.cols() * l.columns_per_weight;
    slots.emplace(t.segment, t.core, t.array);
  }
  s.crossbars = static_cast<int64_t>(slots.size());
  const double cap = static_cast<double>(s.crossbars * p.crossbar_rows * p.crossbar_cols);
  s.utilisation = cap > 0 ? static_cast<double>(s.cells) / cap : 0;
  return s;
}

std::vector<int64_t> arrangement(const Program& p) {
  std::vector<int64_t> dims;
  if (p.chip_resolved.contains("cores") && p.chip_resolved["cores"].contains("arrangement")) {
    for (const auto& d : p.chip_resolved["cores"]["arrangement"]) dims.push_back(d.get<int64_t>());
  }
  if (dims.empty()) dims = {p.crossbars_available};
  return dims;
}

// Crossbars (segment, core, array) holding several tiles, in slot order.
Json shared_crossbars(const Program& p) {
  std::map<std::tuple<int32_t, int32_t, int32_t>, std::vector<const Tile*>> on;
  for (const Tile& t : p.tiles) on[{t.segment, t.core, t.array}].push_back(&t);
  Json out = Json::array();
  for (const auto& [slot, tiles] : on) {
    if (tiles.size() < 2) continue;
    std::set<int32_t> layers;
    bool share = false;  // some two tiles share rows or columns (2-D packing): they run in turn
    Json ids = Json::array(), blocks = Json::array();
    for (size_t i = 0; i < tiles.size(); ++i) {
      const Tile& a = *tiles[i];
      const int64_t aw = a.cols() * p.layers[static_cast<size_t>(a.layer)].columns_per_weight;
      layers.insert(a.layer);
      ids.push_back(a.id);
      blocks.push_back(fmt::format("L{}[{}:{},{}:{}]@{},{}", a.layer, a.row_begin, a.row_end, a.col_begin, a.col_end,
                                   a.row_offset, a.col_offset));
      for (size_t j = 0; j < i; ++j) {
        const Tile& b = *tiles[j];
        const int64_t bw = b.cols() * p.layers[static_cast<size_t>(b.layer)].columns_per_weight;
        const bool rows_apart = a.row_offset >= b.row_offset + b.rows() || b.row_offset >= a.row_offset + a.rows();
        const bool cols_apart = a.col_offset >= b.col_offset + bw || b.col_offset >= a.col_offset + aw;
        if (!rows_apart || !cols_apart) share = true;
      }
    }
    out.push_back({{"segment", std::get<0>(slot)},
                   {"core", std::get<1>(slot)},
                   {"array", std::get<2>(slot)},
                   {"tiles", ids},
                   {"layers", layers},
                   {"blocks", blocks},
                   {"shares_rows_or_columns", share}});
  }
  return out;
}

int64_t used_cells(const Program& p) {
  int64_t cells = 0;
  for (const Tile& t : p.tiles) cells += t.rows() * t.cols() * p.layers[static_cast<size_t>(t.layer)].columns_per_weight;
  return cells;
}
}  // namespace

std::string floor_plan(const Program& p) {
  const std::vector<int64_t> dims = arrangement(p);
  int64_t total = 1;
  for (int64_t d : dims) total *= d;
  const size_t split = dims.size() / 2;  // first `split` dims down, the rest across
  int64_t down = 1;
  for (size_t i = 0; i < split; ++i) down *= dims[i];
  const int64_t across = total / std::max<int64_t>(down, 1);
  std::map<int32_t, std::set<int32_t>> on_core;
  for (const Tile& t : p.tiles) on_core[t.core].insert(t.layer);
  size_t width = 2;
  for (const Layer& l : p.layers) width = std::max(width, fmt::format("{}", l.id).size() + 1);
  std::ostringstream os;
  for (int64_t r = 0; r < down; ++r) {
    os << "  ";
    for (int64_t c = 0; c < across; ++c) {
      const int32_t core = static_cast<int32_t>(r * across + c);
      std::string cell = ".";
      auto it = on_core.find(core);
      if (it != on_core.end()) cell = fmt::format("{}{}", *it->second.begin(), it->second.size() > 1 ? "+" : "");
      os << fmt::format("{:>{}}", cell, width + 1);
    }
    os << "\n";
  }
  return os.str();
}

Json compile_json(const Program& p) {
  nlohmann::ordered_json j = result_header("compile");
  j["model"] = p.model_path;
  j["model_sha256"] = p.model_sha256;
  j["chip_sha256"] = p.chip_sha256;
  j["arrangement"] = arrangement(p);
  const int64_t used = p.crossbars_used();
  std::set<int32_t> cores;
  for (const Tile& t : p.tiles) cores.insert(t.core);
  const int64_t cores_available = p.chip_resolved.contains("cores") ? p.chip_resolved["cores"].value("count", int64_t{0}) : 0;
  j["chip"] = p.chip_name;
  j["schedule"] = to_string(p.schedule.kind);
  j["crossbars_used"] = used;
  j["crossbars_available"] = p.crossbars_available;
  j["tiles_placed"] = static_cast<int64_t>(p.tiles.size());
  j["cores_used"] = static_cast<int64_t>(cores.size());
  j["cores_available"] = cores_available;
  j["cell_utilisation"] =
      used > 0 ? static_cast<double>(used_cells(p)) / static_cast<double>(used * p.crossbar_rows * p.crossbar_cols) : 0.0;
  j["cells_holding_weights"] = used_cells(p);
  j["shared_crossbars"] = shared_crossbars(p);
  j["reload_segments"] = static_cast<int64_t>(p.schedule.segments.size());
  int64_t writes = 0, cells = 0;
  for (const Segment& s : p.schedule.segments) {
    writes += s.write_operations;
    cells += s.cells_written;
  }
  j["programming"] = {{"cells_written", cells}, {"write_operations", writes}};
  double total = 0, hop = 0, off = 0;
  std::map<std::string, double> by_kind;
  for (const Transfer& t : p.transfers) {
    total += t.bytes_per_inference;
    hop += t.bytes_per_inference * static_cast<double>(t.hops);
    if (t.from.kind == EndpointKind::Host || t.to.kind == EndpointKind::Host) off += t.bytes_per_inference;
    by_kind[to_string(t.kind)] += t.bytes_per_inference;
  }
  j["traffic"] = {{"bytes_per_inference", total},
                  {"on_chip_bytes_per_inference", total - off},
                  {"off_chip_bytes_per_inference", off},
                  {"hop_bytes_per_inference", hop},
                  {"by_kind", by_kind}};
  double bottleneck = 0;
  std::string bottleneck_layer;
  for (const Stage& s : p.schedule.stages) {
    if (s.mvms_per_inference > bottleneck) {
      bottleneck = s.mvms_per_inference;
      bottleneck_layer = s.layers.empty() ? "" : p.layer(s.layers.front()).name;
    }
  }
  j["bottleneck"] = {{"layer", bottleneck_layer}, {"mvms_per_inference", bottleneck}};
  // The input codes the chip's encoder has for a layer (bipolar: ±(2^(b−1) − 1) whatever the data's
  // sign; two's complement: the same for signed data, all 2^b − 1 for non-negative data; unsigned:
  // 0 .. 2^b − 1, signed data offset binary) and so the input range the calibration chose.
  std::string sign;
  if (p.chip_resolved.contains("cores") && p.chip_resolved["cores"].contains("input")) {
    const Json& in = p.chip_resolved["cores"]["input"];
    if (in.contains("sign") && in["sign"].is_string()) sign = in["sign"].get<std::string>();
  }
  std::optional<double> adc_fs;
  if (p.chip_resolved.contains("cores") && p.chip_resolved["cores"].contains("adc") &&
      p.chip_resolved["cores"]["adc"].contains("full_scale") && p.chip_resolved["cores"]["adc"]["full_scale"].is_number()) {
    adc_fs = p.chip_resolved["cores"]["adc"]["full_scale"].get<double>();
  }
  auto input_range = [&](const Quantization& q) -> std::pair<double, double> {
    const int b = static_cast<int>(q.input_bits);
    const bool symmetric = sign == "bipolar" || (sign == "twos-complement" && q.input_signed);
    const double code_max = symmetric ? std::ldexp(1.0, b - 1) - 1 : std::ldexp(1.0, b) - 1;
    const double hi = code_max * q.input_step - q.input_offset;
    const double lo = symmetric && q.input_signed ? -hi : -q.input_offset;
    return {lo + 0.0, hi};  // + 0.0: no "-0" for an offset of 0
  };
  Json layers = Json::array();
  for (const Layer& l : p.layers) {
    const LayerMapping s = layer_mapping(p, l);
    const auto [in_lo, in_hi] = input_range(l.quant);
    double w_max = 0;
    for (float v : l.quant.weight_scale) w_max = std::max(w_max, static_cast<double>(v));
    if (l.quant.weight_bits > 1) w_max *= std::ldexp(1.0, static_cast<int>(l.quant.weight_bits) - 1) - 1;
    layers.push_back({{"name", l.name},
                      {"kind", to_string(l.kind)},
                      {"rows", l.rows},
                      {"cols", l.cols},
                      {"groups", l.groups},
                      {"tiles", s.tiles},
                      {"crossbars", s.crossbars},
                      {"replicas", l.replicas},
                      {"cell_utilisation", s.utilisation},
                      {"cores", p.cores_of(l.id)},
                      {"vectors_per_inference", l.vectors_per_inference},
                      {"weight_bits", l.quant.weight_bits},
                      {"input_bits", l.quant.input_bits},
                      {"input_range", {in_lo, in_hi}},
                      {"calibration", l.quant.source}});
    // Differential cells: the ADC's full scale in output units, adc.full_scale × x_max × max|W|.
    if (adc_fs && l.quant.weight_bits == 0) layers.back()["adc_full_scale"] = *adc_fs * std::max(in_hi, -in_lo) * w_max;
  }
  j["calibration"] = p.calibration;
  j["layers"] = layers;
  std::map<std::string, int64_t> units;
  Json off_chip = Json::array();
  for (const DigitalOp& d : p.digital_ops) {
    units[d.unit] += 1;
    if (d.scope == Scope::Host) off_chip.push_back(fmt::format("{} ({})", d.node, d.op));
  }
  j["digital_units"] = units;
  j["off_chip_ops"] = off_chip;
  j["warnings"] = p.warnings;
  return j;
}

Table compile_table(const Program& p) {
  const Json j = compile_json(p);
  Table t;
  t.columns = result_doc("compile").csv_columns;
  for (const auto& l : j["layers"]) {
    const auto range = l["input_range"].get<std::vector<double>>();
    t.rows.push_back({p.model_path, p.chip_name, j["schedule"].get<std::string>(), l["name"].get<std::string>(),
                      l["kind"].get<std::string>(), l["rows"].get<int64_t>(), l["cols"].get<int64_t>(), l["tiles"].get<int64_t>(),
                      l["crossbars"].get<int64_t>(), l["replicas"].get<int64_t>(), l["cell_utilisation"].get<double>(),
                      l["vectors_per_inference"].get<int64_t>(), l["weight_bits"].get<int64_t>(), l["input_bits"].get<int64_t>(),
                      range[0], range[1], fmt::format("{}", fmt::join(l["cores"].get<std::vector<int32_t>>(), " "))});
  }
  return t;
}

std::string compile_text(const Program& p) {
  const Json j = compile_json(p);
  std::ostringstream os;
  os << fmt::format("mapping of {} onto {} ({} schedule)\n", p.graph_name.empty() ? p.model_path : p.graph_name, p.chip_name,
                    to_string(p.schedule.kind));
  os << fmt::format("  {:<28} {:>11} {:>6} {:>6} {:>5} {:>7} {:>17}  {}\n", "layer", "rows x cols", "tiles", "util", "repl",
                    "mvms", "input range", "cores");
  for (const auto& l : j["layers"]) {
    std::vector<int32_t> cores = l["cores"].get<std::vector<int32_t>>();
    std::string cs =
        cores.empty() ? "-" : fmt::format("{}", fmt::join(cores.begin(), cores.begin() + std::min<size_t>(cores.size(), 8), ","));
    if (cores.size() > 8) cs += fmt::format(",... ({})", cores.size());
    std::string name = l["name"].get<std::string>();
    if (name.size() > 28) name = name.substr(0, 25) + "...";
    const auto range = l["input_range"].get<std::vector<double>>();
    os << fmt::format("  {:<28} {:>11} {:>6} {:>5.1f}% {:>5} {:>7} {:>17}  {}\n", name,
                      fmt::format("{}x{}", l["rows"].get<int64_t>(), l["cols"].get<int64_t>()), l["tiles"].get<int64_t>(),
                      100.0 * l["cell_utilisation"].get<double>(), l["replicas"].get<int64_t>(),
                      l["vectors_per_inference"].get<int64_t>(), fmt::format("{:.3g}..{:.3g}", range[0], range[1]), cs);
  }
  os << fmt::format("crossbars   {} used of {} ({} tiles placed){}\n", j["crossbars_used"].get<int64_t>(),
                    j["crossbars_available"].get<int64_t>(), j["tiles_placed"].get<int64_t>(),
                    p.schedule.reloads() ? fmt::format(", {} reload segments", p.schedule.segments.size()) : "");
  os << fmt::format("cores       {} used of {}\n", j["cores_used"].get<int64_t>(), j["cores_available"].get<int64_t>());
  os << fmt::format("cells       {:.1f}% of the used crossbars' cells hold weights\n",
                    100.0 * j["cell_utilisation"].get<double>());
  if (const Json& sh = j["shared_crossbars"]; !sh.empty()) {
    int64_t multi = 0, turns = 0;
    for (const auto& x : sh) {
      multi += x["layers"].size() > 1 ? 1 : 0;
      turns += x["shares_rows_or_columns"].get<bool>() ? 1 : 0;
    }
    os << fmt::format(
        "shared      {} crossbars hold several tiles ({} of several layers, {} with tiles sharing rows or "
        "columns, run in turn); tiles as L<layer>[rows,cols]@row,col:\n",
        sh.size(), multi, turns);
    constexpr size_t kShown = 32;
    for (size_t i = 0; i < sh.size() && i < kShown; ++i) {
      const auto& x = sh[i];
      os << fmt::format(
          "  {}core {} array {}: {}\n", p.schedule.reloads() ? fmt::format("segment {} ", x["segment"].get<int32_t>()) : "",
          x["core"].get<int32_t>(), x["array"].get<int32_t>(), fmt::join(x["blocks"].get<std::vector<std::string>>(), " "));
    }
    if (sh.size() > kShown) os << fmt::format("  ... {} more\n", sh.size() - kShown);
  }
  const auto& tr = j["traffic"];
  os << fmt::format("traffic     {:.0f} B/inference on chip ({:.0f} B x hops), {:.0f} B/inference off chip\n",
                    tr["on_chip_bytes_per_inference"].get<double>(), tr["hop_bytes_per_inference"].get<double>(),
                    tr["off_chip_bytes_per_inference"].get<double>());
  os << fmt::format("bottleneck  {} ({:.0f} MVMs per crossbar per inference)\n", j["bottleneck"]["layer"].get<std::string>(),
                    j["bottleneck"]["mvms_per_inference"].get<double>());
  if (p.schedule.reloads()) {
    os << fmt::format("programming {} cells, {} write operations per pass over the segments\n",
                      j["programming"]["cells_written"].get<int64_t>(), j["programming"]["write_operations"].get<int64_t>());
  }
  if (!j["off_chip_ops"].empty()) {
    std::vector<std::string> ops = j["off_chip_ops"].get<std::vector<std::string>>();
    os << fmt::format("off chip    {} op(s) run on the host: {}{}\n", ops.size(),
                      fmt::join(ops.begin(), ops.begin() + std::min<size_t>(ops.size(), 6), ", "), ops.size() > 6 ? ", ..." : "");
  }
  if (!p.calibration.empty())
    os << fmt::format("calibrated  on {} (input range: what the encoder's codes cover)\n", p.calibration);
  os << "floor plan (layer id per core):\n" << floor_plan(p);
  for (const std::string& w : p.warnings) os << "warning: " << w << "\n";
  return os.str();
}

}  // namespace aimc::report
