#include "chip/summary.h"

#include <fmt/format.h>

#include "chip/area.h"
#include "chip/devices/pcm.h"
#include "chip/peak.h"
#include "chip/resolved.h"

namespace aimc::chip {

namespace {
std::string grouped(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string arrangement_text(const std::vector<int64_t>& dims) {
  std::string s;
  for (int64_t d : dims) s += (s.empty() ? "" : " x ") + std::to_string(d);
  return s;
}

std::string ops_text(const std::vector<DigitalOp>& ops) {
  std::string s;
  for (DigitalOp op : ops) s += (s.empty() ? "" : ", ") + to_string(op);
  return s;
}

std::string units_text(const std::vector<DigitalUnitSpec>& units) {
  std::string s;
  for (const DigitalUnitSpec& u : units) {
    s += fmt::format("{}{} x{} ({}; {})", s.empty() ? "" : "; ", u.name, u.count, to_string(u.kind), ops_text(u.ops));
  }
  return s.empty() ? "none" : s;
}

std::string memories_text(const std::vector<MemorySpec>& memories) {
  std::string s;
  for (const MemorySpec& m : memories) {
    s += fmt::format("{}{} {} B{}", s.empty() ? "" : "; ", m.name, grouped(m.size_bytes), m.off_chip ? " off chip" : "");
  }
  return s.empty() ? "none" : s;
}

std::string device_text(const CoreSpec& c) {
  std::string s = c.device.technology;
  if (const PcmSpec* pcm = c.device.get_if<PcmSpec>()) s += " (" + to_string(pcm->model) + " model)";
  s += ", " + to_string(c.weights.scheme);
  if (c.weights.devices_per_polarity) s += fmt::format(", {} device(s) per polarity", *c.weights.devices_per_polarity);
  return s;
}

std::string time_text(double ns) {
  if (ns >= 1e6) return fmt::format("{:.3g} ms", ns * 1e-6);
  if (ns >= 1e3) return fmt::format("{:.3g} us", ns * 1e-3);
  return fmt::format("{:.4g} ns", ns);
}

std::string noc_text(const NocSpec& n) {
  if (n.topology != NocTopology::Tree) {
    return fmt::format("{}, {} B/cycle links, {} cycle(s) per hop", to_string(n.topology),
                       format_real(n.link_bytes_per_cycle.value_or(0)), n.hop_latency_cycles.value_or(0));
  }
  std::string s = "tree, fan-outs";
  for (const NocLevelSpec& l : n.levels) s += fmt::format(" {}", l.fanout);
  return s;
}
}  // namespace

std::string chip_summary_text(const ChipSpec& chip) {
  const CoreSpec& c = chip.cores;
  const std::optional<int64_t> wbits = max_weight_bits(c.weights);
  std::string s = fmt::format("{}{}\n", chip.name, chip.description.empty() ? "" : " - " + chip.description);
  const auto line = [&s](const char* key, const std::string& value) { s += fmt::format("  {:<13}{}\n", key, value); };
  line("clock", fmt::format("{} MHz{}", format_real(chip.clock_mhz),
                            chip.technology_nm ? fmt::format(", {} nm CMOS", *chip.technology_nm) : ""));
  line("cores", fmt::format("{} ({}), crossbar {} x {}{}", c.count, arrangement_text(c.arrangement), c.rows, c.cols,
                            c.arrays > 1 ? fmt::format(", {} arrays per core", c.arrays) : ""));
  line("cells", fmt::format("{} ({})", grouped(c.count * c.rows * c.cols * c.arrays), device_text(c)));
  line("weights", fmt::format("{} ({})", grouped(chip_weight_capacity(chip, wbits)),
                              wbits ? fmt::format("{}-bit", *wbits) : std::string("analog")));
  line("input", fmt::format("{}, {} bits, {}", to_string(c.input.kind), c.input.bits, to_string(c.input.sign)));
  line("adc", fmt::format("{}, {} bits, {}", to_string(c.adc.kind), c.adc.bits,
                          c.adc.columns_per_adc == 1 ? std::string("one per column")
                                                     : fmt::format("one per {} columns", c.adc.columns_per_adc)));
  if (auto area = area_breakdown(chip)) {
    std::string text =
        area->basis == "die"
            ? fmt::format("{} mm2 (die)", format_real(area->total_mm2))
            : fmt::format(
                  "{:.4g} mm2 ({} x {:.4g} mm2 per core{})", area->total_mm2, c.count, core_area_mm2(c).value_or(0),
                  area->total_mm2 > static_cast<double>(c.count) * core_area_mm2(c).value_or(0) ? " and chip-level parts" : "");
    std::string parts;
    for (const auto& [name, mm2] : area->parts) {
      parts += fmt::format("{}{} {:.4g} mm2 ({:.1f}%)", parts.empty() ? "" : ", ", name, mm2, 100 * mm2 / area->total_mm2);
    }
    line("area", text + (parts.empty() ? "" : ": " + parts));
  } else {
    line("area", "unknown");
  }
  line("digital", "per core: " + units_text(c.digital) + "; per chip: " + units_text(chip.digital));
  line("noc", noc_text(chip.noc));
  line("memories", "per core: " + memories_text(c.memories) + "; per chip: " + memories_text(chip.memories));
  line("programming",
       fmt::format("{}, at most {} per core", to_string(c.programming.scheme), time_text(worst_case_core_programming_ns(c))));
  if (const double w = static_power_w(chip); w > 0) {
    line("static", fmt::format("{:.4g} mW over every run (aimc perf); not in the peak figures below", w * 1e3));
  }

  s += "\npeak figures, computed from the parameters (all cores busy):\n";
  s += fmt::format("  {:<12} {:>5} {:>5} {:>10} {:>9} {:>8} {:>9} {:>8}\n", "mode", "in", "w", "t_mvm", "TOPS", "TOPS/W",
                   "TOPS/mm2", "power");
  for (const PeakPoint& p : peak_table(chip)) {
    s += fmt::format("  {:<12} {:>5} {:>5} {:>10} {:>9.4g} {:>8.4g} {:>9} {:>8}\n", p.mode, p.input_bits,
                     p.weight_bits ? std::to_string(*p.weight_bits) : std::string("analog"), time_text(p.t_mvm_ns), p.tops,
                     p.tops_per_w, p.tops_per_mm2 ? fmt::format("{:.4g}", *p.tops_per_mm2) : std::string("-"),
                     fmt::format("{:.3g} W", p.power_w));
  }
  return s;
}

Json chip_summary_json(const ChipSpec& chip) {
  const CoreSpec& c = chip.cores;
  const std::optional<int64_t> wbits = max_weight_bits(c.weights);
  const std::optional<AreaBasis> area = area_basis(chip);
  Json j = Json::object();
  j["name"] = chip.name;
  j["description"] = chip.description;
  j["cores"] = c.count;
  j["arrangement"] = c.arrangement;
  j["rows"] = c.rows;
  j["cols"] = c.cols;
  j["arrays"] = c.arrays;
  j["cells"] = c.count * c.rows * c.cols * c.arrays;
  j["weights"] = chip_weight_capacity(chip, wbits);
  j["weight_bits"] = wbits ? Json(*wbits) : Json(nullptr);
  j["device"] = c.device.technology;
  j["clock_mhz"] = chip.clock_mhz;
  j["area_mm2"] = area ? Json(area->mm2) : Json(nullptr);
  j["area_basis"] = area ? Json(area->basis) : Json(nullptr);
  Json parts = Json::object();
  if (auto breakdown = area_breakdown(chip)) {
    for (const auto& [name, mm2] : breakdown->parts) parts[name] = mm2;
  }
  j["area_parts_mm2"] = parts;
  Json peaks = Json::array();
  for (const PeakPoint& p : peak_table(chip)) {
    peaks.push_back(Json{{"mode", p.mode},
                         {"input_bits", p.input_bits},
                         {"weight_bits", p.weight_bits ? Json(*p.weight_bits) : Json(nullptr)},
                         {"t_mvm_ns", p.t_mvm_ns},
                         {"ops_per_mvm", p.ops_per_mvm},
                         {"e_mvm_pj", p.e_mvm_pj},
                         {"tops", p.tops},
                         {"tops_per_w", p.tops_per_w},
                         {"tops_per_mm2", p.tops_per_mm2 ? Json(*p.tops_per_mm2) : Json(nullptr)},
                         {"power_w", p.power_w},
                         {"weights", p.weights}});
  }
  j["peak"] = peaks;
  j["programming_worst_case_ns_per_core"] = worst_case_core_programming_ns(c);
  j["static_power_w"] = static_power_w(chip);
  j["spec"] = resolved_json(chip);
  return j;
}

}  // namespace aimc::chip
