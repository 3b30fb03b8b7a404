#include "chip/area.h"

#include <algorithm>

#include "chip/schema/schema.h"

namespace aimc::chip {

namespace {
// One core's parts (mm² per core), in order.
std::vector<std::pair<std::string, double>> core_parts(const CoreSpec& c) {
  std::vector<std::pair<std::string, double>> parts;
  const auto arrays = static_cast<double>(c.arrays);
  if (c.array_area_mm2) parts.emplace_back("arrays", arrays * *c.array_area_mm2);
  if (c.adc.area_mm2) {
    parts.emplace_back("adcs", arrays * static_cast<double>(c.cols / c.adc.columns_per_adc) * *c.adc.area_mm2);
  }
  for (const auto& u : c.digital) {
    if (u.area_mm2) parts.emplace_back("core " + u.name, *u.area_mm2);
  }
  for (const auto& m : c.memories) {
    if (m.area_mm2) parts.emplace_back("core " + m.name, *m.area_mm2);
  }
  return parts;
}

double sum(const std::vector<std::pair<std::string, double>>& parts) {
  double s = 0;
  for (const auto& [n, v] : parts) s += v;
  return s;
}
}  // namespace

double core_parts_mm2(const CoreSpec& core) { return sum(core_parts(core)); }

void validate_area(const ChipSpec& chip, const Site& site) {
  for (const auto& m : chip.memories) {
    if (m.off_chip && m.area_mm2) {
      site.child("memories")
          .child(m.name)
          .fail_key("area_mm2",
                    "an off-chip memory takes no die area; expected no area_mm2 "
                    "(or off_chip: false)");
    }
  }
  const double parts = core_parts_mm2(chip.cores);
  if (chip.cores.area_mm2 && parts > *chip.cores.area_mm2 * (1 + 1e-9)) {
    site.child("cores").fail_key("area_mm2", fmt::format("{} mm² is less than the core's parts ({} mm²: arrays, adcs, "
                                                         "digital units, memories); expected at least their sum",
                                                         format_real(*chip.cores.area_mm2), format_real(parts)));
  }
  if (chip.area_mm2) {
    const std::optional<AreaBreakdown> a = area_breakdown(chip);
    double known = 0;
    for (const auto& [name, v] : a->parts) known += name == "other" ? 0 : v;
    if (known > *chip.area_mm2 * (1 + 1e-9)) {
      site.fail_key("area_mm2", fmt::format("{} mm² is less than the parts given ({} mm²: cores, chip-level units, "
                                            "memories, network); expected at least their sum",
                                            format_real(*chip.area_mm2), format_real(known)));
    }
  }
}

std::optional<double> core_area_mm2(const CoreSpec& core) {
  if (core.area_mm2) return core.area_mm2;
  const auto parts = core_parts(core);
  if (parts.empty()) return std::nullopt;
  return sum(parts);
}

std::optional<AreaBreakdown> area_breakdown(const ChipSpec& chip) {
  const CoreSpec& c = chip.cores;
  const auto n = static_cast<double>(c.count);
  AreaBreakdown a;
  const auto per_core = core_parts(c);
  for (const auto& [name, v] : per_core) a.parts.emplace_back(name, n * v);
  if (c.area_mm2 && !per_core.empty()) a.parts.emplace_back("core other", n * std::max(0.0, *c.area_mm2 - sum(per_core)));
  const size_t first_chip_part = a.parts.size();
  for (const auto& u : chip.digital) {
    if (u.area_mm2) a.parts.emplace_back("chip " + u.name, *u.area_mm2);
  }
  for (const auto& m : chip.memories) {
    if (m.area_mm2 && !m.off_chip) a.parts.emplace_back("chip " + m.name, *m.area_mm2);
  }
  if (chip.noc.area_mm2) a.parts.emplace_back("noc", *chip.noc.area_mm2);
  const std::optional<double> core = core_area_mm2(c);
  if (chip.area_mm2) {
    a.total_mm2 = *chip.area_mm2;
    a.basis = "die";
    const double known = sum(a.parts);
    if (!a.parts.empty()) a.parts.emplace_back("other", std::max(0.0, a.total_mm2 - known));
  } else if (core) {
    a.total_mm2 = n * *core;
    for (size_t i = first_chip_part; i < a.parts.size(); ++i) a.total_mm2 += a.parts[i].second;
    a.basis = "cores";
  } else {
    return std::nullopt;
  }
  // Only parts that exist.
  std::erase_if(a.parts, [](const auto& p) { return p.second <= 0; });
  return a;
}

}  // namespace aimc::chip
