#include "report/characterize_report.h"

#include <fmt/format.h>

#include "report/schema.h"

namespace aimc::report {

namespace {
std::string pct(double v) { return fmt::format("{:.3f}%", 100 * v); }

nlohmann::ordered_json stats_json(const experiment::MvmErrorStats& s) {
  return {{"sigma", s.sigma}, {"mean", s.mean}, {"p99_abs", s.p99_abs}, {"rel_l2", s.rel_l2}, {"outputs", s.outputs}};
}
}  // namespace

nlohmann::ordered_json characterize_json(const experiment::Characterization& c) {
  nlohmann::ordered_json j = result_header("characterize");
  j["chip"] = c.chip;
  j["matrices"] = c.options.matrices;
  j["vectors"] = c.options.vectors;
  j["t_s"] = c.options.t_s;
  j["seed"] = c.options.seed;
  nlohmann::ordered_json modes = nlohmann::ordered_json::array();
  for (const experiment::ReadModeCharacterization& r : c.read_modes) {
    const experiment::MvmErrorBreakdown& b = r.breakdown;
    nlohmann::ordered_json m{{"read_mode", b.read_mode}};
    if (b.has_devices) m["converters_only"] = stats_json(b.converters);
    m["with_devices"] = stats_json(b.devices);
    m["total"] = stats_json(b.total);
    m["out_noise_rel_std"] = b.out_noise_rel_std;
    if (b.measured >= 0) m["measured_sigma"] = b.measured;
    if (r.fitted_out_noise_rel_std) m["fitted_out_noise_rel_std"] = *r.fitted_out_noise_rel_std;
    modes.push_back(m);
  }
  j["read_modes"] = modes;
  return j;
}

Table characterize_table(const experiment::Characterization& c) {
  Table t;
  t.columns = result_doc("characterize").csv_columns;
  for (const experiment::ReadModeCharacterization& r : c.read_modes) {
    const experiment::MvmErrorBreakdown& b = r.breakdown;
    const auto optional = [](bool has, double v) -> Cell { return has ? Cell(v) : Cell(std::string()); };
    t.rows.push_back({c.chip, b.read_mode, optional(b.has_devices, b.converters.sigma), b.devices.sigma, b.total.sigma,
                      b.total.p99_abs, b.out_noise_rel_std, optional(b.measured >= 0, b.measured),
                      optional(r.fitted_out_noise_rel_std.has_value(), r.fitted_out_noise_rel_std.value_or(0))});
  }
  return t;
}

std::string characterize_text(const experiment::Characterization& c) {
  std::string o = fmt::format(
      "MVM error of {} ({} random {}x{} matrices x {} random input vectors, read {} s after programming;\n"
      "error relative to the largest exact output; docs/characterize.md)\n",
      c.chip, c.options.matrices, c.rows, c.cols, c.options.vectors, c.options.t_s);
  for (const experiment::ReadModeCharacterization& r : c.read_modes) {
    const experiment::MvmErrorBreakdown& b = r.breakdown;
    o += fmt::format("\nread mode {}\n  {:<36} {:>9} {:>9} {:>9} {:>9}\n", b.read_mode, "sources", "sigma", "mean", "p99 |e|",
                     "rel L2");
    auto row = [&](const std::string& label, const experiment::MvmErrorStats& s) {
      o += fmt::format("  {:<36} {:>9} {:>9} {:>9} {:>9}\n", label, pct(s.sigma), pct(s.mean), pct(s.p99_abs), pct(s.rel_l2));
    };
    if (b.has_devices) row("converters (ideal devices)", b.converters);
    row("+ devices (programming, drift, read)", b.devices);
    row(fmt::format("+ output noise {} of FS (total)", pct(b.out_noise_rel_std)), b.total);
    if (b.measured >= 0) {
      o += fmt::format("  published total sigma {}: simulated {} ({:+.1f}%)\n", pct(b.measured), pct(b.total.sigma),
                       100 * (b.total.sigma / b.measured - 1));
    }
    if (r.fitted_out_noise_rel_std) {
      o += fmt::format("  fitted out_noise_rel_std = {:.5f} (the output noise that makes the simulated total {})\n",
                       *r.fitted_out_noise_rel_std, pct(b.measured));
    } else if (c.fit) {
      o += "  no published total (measured_mvm_error_rel_std): nothing to fit\n";
    }
  }
  return o;
}

}  // namespace aimc::report
