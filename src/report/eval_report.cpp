#include "report/eval_report.h"

#include <fmt/format.h>

#include <cmath>

#include "report/schema.h"

namespace aimc::report {

namespace {
bool is_lm(const experiment::EvalResult& r) { return r.metric == "perplexity"; }

struct Saturation {
  int64_t conversions = 0, saturated = 0;
  const functional::LayerConversions* worst = nullptr;  // the layer with the largest saturated share
};

double share(int64_t part, int64_t whole) { return static_cast<double>(part) / static_cast<double>(whole); }

Saturation saturation(const experiment::EvalPoint& p) {
  Saturation s;
  for (const functional::LayerConversions& l : p.conversions) {
    s.conversions += l.conversions;
    s.saturated += l.saturated;
    if (l.conversions > 0 && l.saturated > 0 &&
        (s.worst == nullptr || share(l.saturated, l.conversions) > share(s.worst->saturated, s.worst->conversions))) {
      s.worst = &l;
    }
  }
  return s;
}
}  // namespace

nlohmann::ordered_json eval_json(const experiment::EvalResult& r) {
  const bool lm = is_lm(r);
  nlohmann::ordered_json j = result_header("eval");
  j["model"] = r.model;
  j["data"] = r.data;
  j["samples"] = r.samples;
  j["metric"] = r.metric;
  j["digital"] = {{r.metric, r.digital}};
  if (lm) j["digital"]["bits_per_token"] = std::log2(r.digital);
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const experiment::EvalPoint& p : r.chip) {
    nlohmann::ordered_json row{{"t_s", p.t_s},
                               {r.metric + "_mean", p.mean},
                               {r.metric + "_std", p.std},
                               {"repeats", static_cast<int64_t>(p.values.size())},
                               {r.metric, p.values}};
    if (lm) row["bits_per_token_mean"] = std::log2(p.mean);
    if (r.adc_saturation) {
      const Saturation sat = saturation(p);
      row["adc_saturated_fraction"] =
          sat.conversions > 0 ? nlohmann::ordered_json(share(sat.saturated, sat.conversions)) : nullptr;
      nlohmann::ordered_json layers = nlohmann::ordered_json::array();
      for (const functional::LayerConversions& l : p.conversions) {
        layers.push_back({{"layer", l.layer}, {"conversions", l.conversions}, {"saturated", l.saturated}});
      }
      row["adc_saturation"] = layers;
    }
    rows.push_back(row);
  }
  j["chip"] = rows;
  j["seed"] = r.seed;
  j["repeats"] = r.repeats;
  j["read_mode"] = r.read_mode;
  j["drift_compensation"] = r.drift_compensation;
  j["drift_compensation_readout"] = r.compensation_readout;
  j["gemm_precision"] = r.gemm_precision;
  j["calibration"] = r.calibration;
  j["replicated_layers"] = r.replicated_layers;
  j["chip_name"] = r.chip_name;
  j["tiles"] = r.tiles;
  j["timing"] = {{"chip_ms_per_sample", r.chip_ms_per_sample},
                 {"digital_ms_per_sample", r.digital_ms_per_sample},
                 {"programming_s", r.programming_s},
                 {"drift_s", r.drift_s},
                 {"threads", r.threads},
                 {"wait_policy", r.wait_policy},
                 {"malloc_huge_pages", r.malloc_huge_pages},
                 {"batch", r.batch}};
  j["resolved_chip"] = r.resolved_chip;
  return j;
}

Table eval_table(const experiment::EvalResult& r) {
  Table t;
  t.columns = result_doc("eval").csv_columns;
  for (const experiment::EvalPoint& p : r.chip) {
    t.rows.push_back({r.model, r.chip_name, r.data, r.read_mode, r.metric, r.samples, r.digital, p.t_s, p.mean, p.std,
                      static_cast<int64_t>(p.values.size()), static_cast<int64_t>(r.seed)});
  }
  return t;
}

std::string eval_text(const experiment::EvalResult& r) {
  const bool lm = is_lm(r);
  auto show = [&](double v) { return lm ? fmt::format("{:.3f}", v) : fmt::format("{:.2f}%", 100 * v); };
  auto show_std = [&](double v) { return lm ? fmt::format("{:.3f}", v) : fmt::format("{:.2f}", 100 * v); };
  std::string o;
  o += fmt::format("model      {}\n", r.model);
  o += fmt::format(
      "chip       {} ({} tiles{}{}{})\n", r.chip_name, r.tiles, r.read_mode.empty() ? "" : ", read mode " + r.read_mode,
      r.replicated_layers > 0 ? fmt::format(", {} layers replicated: each replica programmed independently", r.replicated_layers)
                              : "",
      r.gemm_precision.empty() || r.gemm_precision == "fp32"
          ? ""
          : fmt::format(", {} GEMM: an approximation, not bit-identical to fp32", r.gemm_precision));
  o += fmt::format("data       {} ({} samples)\n", r.data, r.samples);
  o += fmt::format("calibrated {}\n", r.calibration.empty() ? "(fake-quant scales)" : r.calibration);
  if (r.metric == "output_error") {
    o += "digital    the reference: the chip's output error is ‖chip − reference‖ / ‖reference‖ over its first output\n";
  } else {
    o += fmt::format("digital    {} {}\n", r.metric, show(r.digital));
  }
  for (const experiment::EvalPoint& p : r.chip) {
    const Saturation sat = saturation(p);
    std::string adc;
    if (sat.conversions > 0) {
      adc = fmt::format(", ADC saturated {:.1f}%", 100 * share(sat.saturated, sat.conversions));
      if (sat.worst != nullptr) {
        adc += fmt::format(" (most: {} {:.1f}%)", sat.worst->layer, 100 * share(sat.worst->saturated, sat.worst->conversions));
      }
    }
    o += fmt::format("chip t={:<6} {} ± {} ({} repeats{})\n", experiment::format_time(p.t_s), show(p.mean), show_std(p.std),
                     p.values.size(), adc);
  }
  o += fmt::format(
      "speed      chip {:.3f} ms/sample, digital {:.3f} ms/sample ({} threads, {} waits, batch {}); programming {:.2f} s, "
      "state at a drift time {:.2f} s\n",
      r.chip_ms_per_sample, r.digital_ms_per_sample, r.threads, r.wait_policy, r.batch, r.programming_s, r.drift_s);
  return o;
}

}  // namespace aimc::report
