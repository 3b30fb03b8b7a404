#include "report/perf_report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "report/schema.h"

namespace aimc::report {

using namespace ::aimc::perf;  // NOLINT(google-build-using-namespace): the stats types

namespace {
// Joules per inference by component.
nlohmann::ordered_json energy_json(const EnergyBreakdown& e, double images) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& [k, v] : e.pj) j[k] = v * 1e-12 / images;
  return j;
}
nlohmann::ordered_json actions_json(const ActionCounts& a) {
  return {{"array_mvms", a.array_mvms()},
          {"array_evaluations", a.array_evaluations},
          {"adc_conversions", a.adc_conversions},
          {"dac_drives", a.dac_drives},
          {"dac_drive_activity", a.dac_drive_activity},
          {"adc_output_activity", a.adc_output_activity},
          {"skipped_plane_mvms", a.skipped_plane_mvms()},
          {"skipped_conversions", a.skipped_conversions},
          {"digital_ops", a.digital_ops},
          {"buffer_read_bytes", a.buffer_read_bytes},
          {"buffer_write_bytes", a.buffer_write_bytes},
          {"offchip_bytes", a.offchip_bytes},
          {"bit_hops", a.bit_hops},
          {"cells_written", a.cells_written},
          {"write_operations", a.write_operations},
          {"write_pulses", a.write_pulses},
          {"verify_reads", a.verify_reads}};
}

// A core's busy time summed over its `units` crossbars (digital units), as their mean share of the run.
double busy_fraction(double busy_ns, int32_t units, double makespan_ns) {
  return makespan_ns > 0 ? busy_ns / (std::max<int32_t>(units, 1) * makespan_ns) : 0;
}

// How the throughput was timed (PerfStats::throughput_basis), for the text report.
std::string throughput_basis_text(const PerfStats& s) {
  switch (s.throughput_basis) {
    case ThroughputBasis::Periodic:
      return fmt::format("the steady state: the completions repeat, {} every {:.4g} us", s.throughput_period,
                         1e6 * static_cast<double>(s.throughput_period) / s.inferences_per_s);
    case ThroughputBasis::AfterWarmUp:
      return fmt::format(
          "the completions after the first {}, which do not repeat yet: an estimate (run more images for a steady state)",
          s.throughput_warm_up);
    case ThroughputBasis::Run:
      break;
  }
  // A period needs more than two repeats of at least a warm-up each (steady_state.h).
  return fmt::format("the whole run, too short for a steady state (run {} images or more)", 2 * s.throughput_warm_up + 1);
}
}  // namespace

nlohmann::ordered_json perf_json(const PerfStats& s) {
  nlohmann::ordered_json j = result_header("perf");
  const double n = static_cast<double>(std::max<int64_t>(s.images, 1));
  j["chip"] = s.chip;
  j["arrangement"] = s.arrangement;
  j["model"] = s.model;
  j["schedule"] = s.schedule;
  j["read_mode"] = s.read_mode;
  j["images"] = s.images;
  j["batch"] = s.batch;
  j["chunks"] = s.chunks;
  j["chunks_candidates"] = s.chunks_candidates;
  j["stage_buffers"] = s.stage_buffers > 0 ? nlohmann::ordered_json(s.stage_buffers) : nlohmann::ordered_json(nullptr);
  j["slices_gather"] = s.slices_gather.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s.slices_gather);
  j["slices_resume"] = s.slices_resume;
  j["segments"] = s.segments;
  j["latency_s"] = s.latency_ns * 1e-9;
  j["mean_latency_s"] = s.mean_latency_ns * 1e-9;
  j["critical_path_s"] = s.critical_path_ns * 1e-9;
  j["makespan_s"] = s.makespan_ns * 1e-9;
  j["inferences_per_s"] = s.inferences_per_s;
  j["throughput_basis"] = std::string(perf::basis_name(s.throughput_basis));
  j["throughput_period"] = s.throughput_period;
  j["throughput_warm_up"] = s.throughput_warm_up;
  j["array_bound_inferences_per_s"] = s.array_bound_inferences_per_s;
  j["macs_per_inference"] = s.macs_per_inference;
  j["tops"] = s.tops;
  if (const auto& e = s.efficiency) {
    j["efficiency"] = {
        {"peak_tops", e->peak_tops},
        {"input_bits", e->input_bits},
        {"weight_bits", e->weight_bits ? nlohmann::ordered_json(*e->weight_bits) : nlohmann::ordered_json(nullptr)},
        {"global_mapping", e->global_mapping},
        {"local_mapping", e->local_mapping},
        {"pipeline", e->pipeline},
        {"digital_macs", e->digital_macs}};
  } else {
    j["efficiency"] = nullptr;
  }
  j["area_mm2"] = s.area_mm2 ? nlohmann::ordered_json(*s.area_mm2) : nlohmann::ordered_json(nullptr);
  j["tops_per_mm2"] = s.tops_per_mm2 ? nlohmann::ordered_json(*s.tops_per_mm2) : nlohmann::ordered_json(nullptr);
  j["tops_per_w"] = s.tops_per_w;
  j["tops_per_w_dynamic"] = s.tops_per_w_dynamic;
  j["tops_per_w_mvm"] = s.tops_per_w_mvm;
  j["energy_per_inference_j"] = s.energy_per_inference_j;
  j["dynamic_energy_per_inference_j"] = s.dynamic_energy_per_inference_j;
  j["data_independent_energy_per_inference_j"] = s.data_independent_energy_per_inference_j;
  j["input_activity_from"] =
      s.activity_source.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s.activity_source);
  j["inferences_per_s_per_w"] = s.energy_per_inference_j > 0 ? 1.0 / s.energy_per_inference_j : 0;
  j["total_programming_s"] = s.programming_ns * 1e-9;
  j["bottleneck"] = {{"stage", s.bottleneck_stage},
                     {"layer", s.bottleneck},
                     {"service_s", s.bottleneck_service_ns * 1e-9},
                     {"resource", s.bottleneck_resource},
                     {"resource_busy_s", s.bottleneck_resource_ns * 1e-9}};
  // The stage buffers' fill is measured by the event simulation only.
  const auto measured = [&](double v) {
    return s.simulator == "event" ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
  };
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  for (const auto& l : s.layers) {
    layers.push_back({{"stage", l.stage},
                      {"name", l.name},
                      {"macs_per_inference", l.macs_per_inference},
                      {"mvms_per_inference", l.mvms_per_inference},
                      {"service_s", l.service_ns * 1e-9},
                      {"time_s", l.time_ns * 1e-9},
                      {"buffer_peak_inferences", measured(l.buffer_peak)},
                      {"buffer_peak_bytes", measured(l.buffer_peak_bytes)},
                      {"cores", l.cores.size()},
                      {"energy_per_inference_j", l.energy.total_pj() * 1e-12 / n},
                      {"energy_per_inference_by_component_j", energy_json(l.energy, n)}});
  }
  j["layers"] = layers;
  nlohmann::ordered_json path = nlohmann::ordered_json::array();
  for (const auto& p : s.critical_path) {
    path.push_back({{"stage", p.stage},
                    {"name", p.name},
                    {"time_s", p.time_ns * 1e-9},
                    {"waiting_s", p.waiting_ns * 1e-9},
                    {"analog_s", p.analog_ns * 1e-9},
                    {"digital_s", p.digital_ns * 1e-9},
                    {"network_s", p.network_ns * 1e-9},
                    {"memory_s", p.memory_ns * 1e-9},
                    {"host_link_s", p.host_link_ns * 1e-9},
                    {"host_s", p.host_ns * 1e-9},
                    {"barrier_s", p.barrier_ns * 1e-9},
                    {"resource", p.resource}});
  }
  j["critical_path"] = path;
  j["host"] = {{"gops", s.host_gops},
               {"ops_per_inference", s.host_ops_per_inference},
               {"busy_s_per_inference", s.host_busy_ns_per_inference * 1e-9},
               {"latency_share", s.host_latency_share},
               {"energy_share", s.host_energy_share},
               {"link_bytes_per_inference", s.host_link_bytes_per_inference},
               {"link_busy_s_per_inference", s.host_link_busy_ns_per_inference * 1e-9},
               {"link_energy_share", s.host_link_energy_share}};
  nlohmann::ordered_json cores = nlohmann::ordered_json::array();
  for (const auto& c : s.cores) {
    if (c.crossbar_busy_ns == 0 && c.digital_busy_ns == 0 && c.actions.array_mvms() == 0) continue;
    cores.push_back({{"core", c.core},
                     {"crossbar_busy_fraction", busy_fraction(c.crossbar_busy_ns, c.crossbars, s.makespan_ns)},
                     {"digital_busy_fraction", busy_fraction(c.digital_busy_ns, c.digital_units, s.makespan_ns)},
                     {"total_crossbar_busy_s", c.crossbar_busy_ns * 1e-9},
                     {"total_digital_busy_s", c.digital_busy_ns * 1e-9},
                     {"buffer_peak_bytes", measured(c.buffer_peak_bytes)},
                     {"energy_per_inference_j", c.energy.total_pj() * 1e-12 / n}});
  }
  j["cores"] = cores;
  nlohmann::ordered_json links = nlohmann::ordered_json::array();
  for (const auto& l : s.links) {
    links.push_back(
        {{"link", l.name}, {"busy_fraction", s.makespan_ns > 0 ? l.busy_ns / s.makespan_ns : 0}, {"total_bytes", l.bytes}});
  }
  j["links"] = links;
  j["energy_per_inference_by_component_j"] = energy_json(s.energy, n);
  j["total_actions"] = actions_json(s.actions);
  j["unpriced"] = s.unpriced;
  j["warnings"] = s.warnings;
  j["simulator"] = {{"kind", s.simulator}, {"events", s.events}, {"wall_s", s.wall_s}, {"events_per_s", s.events_per_s}};
  return j;
}

Table perf_table(const PerfStats& s) {
  Table t;
  t.columns = result_doc("perf").csv_columns;
  // Then one column per energy component of the chip's run: energy_per_inference_<component>_j.
  std::vector<std::string> components;
  for (const auto& [name, pj] : s.energy.pj) components.push_back(name);
  for (const std::string& c : components) t.columns.push_back("energy_per_inference_" + c + "_j");
  const double n = static_cast<double>(std::max<int64_t>(s.images, 1));
  for (const LayerStats& l : s.layers) {
    std::vector<Cell> row = {s.model,
                             s.chip,
                             s.schedule,
                             s.read_mode,
                             s.images,
                             static_cast<int64_t>(l.stage),
                             l.name,
                             l.macs_per_inference,
                             l.mvms_per_inference,
                             l.service_ns * 1e-9,
                             l.time_ns * 1e-9,
                             l.energy.total_pj() * 1e-12 / n,
                             static_cast<int64_t>(l.cores.size())};
    for (const std::string& c : components) {
      const auto it = l.energy.pj.find(c);
      row.emplace_back(it == l.energy.pj.end() ? 0.0 : it->second * 1e-12 / n);
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

std::string perf_text(const PerfStats& s, size_t top) {
  std::string o;
  auto line = [&](const std::string& t) { o += t + "\n"; };
  const double n = static_cast<double>(s.images);
  // How finely an inference streams: whole-inference tasks (1 slice) overstate a row-streamed pipeline's fill.
  const std::string slices =
      s.chunks <= 1
          ? ", whole-inference tasks"
          : fmt::format(", {} slices per inference{}{}", s.chunks,
                        s.slices_gather.empty() ? "" : fmt::format(", whole from {}", s.slices_gather),
                        s.slices_resume.empty() ? ""
                        : s.slices_resume.size() == 1
                            ? fmt::format(", in slices again from {}", s.slices_resume.front())
                            : fmt::format(", in slices again {} times from {}", s.slices_resume.size(), s.slices_resume.front()));
  // Auto's choice among several slicings: which it weighed.
  const std::string chosen = s.chunks_candidates.size() > 1
                                 ? fmt::format(" (auto: the soonest run of {} slices)", fmt::join(s.chunks_candidates, ", "))
                                 : "";
  line(fmt::format("{} on {} ({} schedule{}{}, read mode {}, {} images, batch {}{})", s.model, s.chip, s.schedule, slices, chosen,
                   s.read_mode, s.images, s.batch, s.segments > 1 ? fmt::format(", {} reload segments", s.segments) : ""));
  line(fmt::format("  latency          {:.4g} us (critical path {:.4g} us, mean under load {:.4g} us)", s.latency_ns * 1e-3,
                   s.critical_path_ns * 1e-3, s.mean_latency_ns * 1e-3));
  const std::string room =
      s.stage_buffers <= 0 ? "unbounded" : fmt::format("{} item{} each", s.stage_buffers, s.stage_buffers == 1 ? "" : "s");
  if (s.simulator == "event" && !s.layers.empty()) {
    // The stage whose buffers held the most input bytes at once.
    const auto& most = *std::max_element(s.layers.begin(), s.layers.end(),
                                         [](const auto& a, const auto& b) { return a.buffer_peak_bytes < b.buffer_peak_bytes; });
    line(fmt::format("  stage buffers    {}{}; the most held: {:.3g} inferences' input ({:.4g} kB) at {}", room,
                     s.stage_buffers > 0 ? " (backpressure)" : "", most.buffer_peak, most.buffer_peak_bytes * 1e-3, most.name));
  } else if (!s.layers.empty()) {
    line(fmt::format("  stage buffers    {}{}", room,
                     s.stage_buffers > 0 ? fmt::format(" (a window: an item enters a stage once the one {} before it has "
                                                       "let its room go; no other wait for room is traced)",
                                                       s.stage_buffers)
                                         : ""));
  }
  line(fmt::format("  throughput       {:.5g} inferences/s, {:.4g} TOPS (2 x {:.4g} MMAC per inference){}", s.inferences_per_s,
                   s.tops, s.macs_per_inference * 1e-6,
                   s.tops_per_mm2 ? fmt::format(", {:.4g} GOPS/mm2 on {:.4g} mm2", *s.tops_per_mm2 * 1e3, *s.area_mm2) : ""));
  line(fmt::format("  timed as         {}", throughput_basis_text(s)));
  if (s.makespan_ns > 0) {
    line(fmt::format("  over the run     {:.5g} inferences/s: {} in {:.4g} us, the fill and the drain included",
                     1e9 * static_cast<double>(s.images) / s.makespan_ns, s.images, s.makespan_ns * 1e-3));
  }
  if (s.array_bound_inferences_per_s > 0) {
    line(fmt::format("  array bound      {:.5g} inferences/s with every crossbar used doing MVMs all the time ({:.3g}% reached)",
                     s.array_bound_inferences_per_s, 100 * s.inferences_per_s / s.array_bound_inferences_per_s));
  }
  if (const auto& e = s.efficiency) {
    line(
        fmt::format("  efficiency       peak {:.4g} TOPS x {:.3g}% crossbars used (global mapping) x {:.3g}% MACs per MVM time "
                    "(local mapping) x {:.3g}% of the array bound (pipeline){} = {:.4g} TOPS",
                    e->peak_tops, 100 * e->global_mapping, 100 * e->local_mapping, 100 * e->pipeline,
                    e->digital_macs > 1 + 1e-12 ? fmt::format(" x {:.4g} with digital MACs", e->digital_macs) : "", s.tops));
  }
  line(fmt::format("  energy           {:.4g} uJ per inference ({:.4g} uJ dynamic), {:.4g} TOPS/W, {:.5g} inferences/s/W",
                   s.energy_per_inference_j * 1e6, s.dynamic_energy_per_inference_j * 1e6, s.tops_per_w,
                   s.energy_per_inference_j > 0 ? 1.0 / s.energy_per_inference_j : 0));
  if (!s.activity_source.empty()) {
    const double di = s.data_independent_energy_per_inference_j;
    line(fmt::format("  data-dependent   row drives priced by the input activity measured on {}{}; every drive{} in full: "
                     "{:.4g} uJ per inference ({:+.1f}%)",
                     s.activity_source, s.actions.skipped_conversions > 0 ? ", all-zero bit-planes skipped" : "",
                     s.actions.skipped_conversions > 0 ? " and plane" : "", di * 1e6,
                     s.energy_per_inference_j > 0 ? (di / s.energy_per_inference_j - 1) * 100 : 0.0) +
         (di == s.energy_per_inference_j ? "; equal: no share of this read mode's MVM energy scales with the rows driven "
                                           "(cores.read_modes energy_split, docs/perf-sim.md)"
                                         : ""));
  }
  if (s.programming_ns > 0) line(fmt::format("  reprogramming    {:.4g} us over the run", s.programming_ns * 1e-3));
  line(fmt::format("  bottleneck       stage {} ({}), {:.4g} us per inference; busiest resource {} ({:.4g} us per inference)",
                   s.bottleneck_stage, s.bottleneck, s.bottleneck_service_ns * 1e-3, s.bottleneck_resource,
                   s.bottleneck_resource_ns * 1e-3));
  std::string comp;
  for (const auto& [k, v] : s.energy.pj) {
    if (v > 0) comp += fmt::format(" {} {:.4g} uJ", k, v * 1e-6 / n);
  }
  line("  energy/inference" + comp);
  if (s.host_ops_per_inference > 0) {
    line(fmt::format(
        "  on the host      {:.4g} Mop per inference at {}: {:.4g} us busy per inference, {:.1f}% of the latency, "
        "{:.1f}% of the energy",
        s.host_ops_per_inference * 1e-6, s.host_gops > 0 ? fmt::format("{:.4g} Gop/s", s.host_gops) : "no time (0 Gop/s)",
        s.host_busy_ns_per_inference * 1e-3, s.host_latency_share * 100, s.host_energy_share * 100));
  }
  if (s.host_link_bytes_per_inference > 0) {
    line(fmt::format(
        "  host link        {:.4g} kB per inference: {:.4g} us busy per inference (the busier way), {:.1f}% "
        "of the energy",
        s.host_link_bytes_per_inference * 1e-3, s.host_link_busy_ns_per_inference * 1e-3, s.host_link_energy_share * 100));
  }
  if (!s.unpriced.empty()) {
    std::string u;
    for (const auto& x : s.unpriced) u += (u.empty() ? "" : "; ") + x;
    line("  not priced       " + u);
  }
  line(fmt::format("  {:>5} {:<40} {:>12} {:>12} {:>12} {:>6}", "stage", "layer", "service us", "span us", "energy uJ", "cores"));
  std::vector<const LayerStats*> ls;
  for (const auto& l : s.layers) ls.push_back(&l);
  std::stable_sort(ls.begin(), ls.end(), [](auto* a, auto* b) { return a->service_ns > b->service_ns; });
  for (size_t i = 0; i < ls.size() && (top == 0 || i < top); ++i) {
    const auto& l = *ls[i];
    line(fmt::format("  {:>5} {:<40} {:>12.4g} {:>12.4g} {:>12.4g} {:>6}", l.stage, l.name.substr(0, 40), l.service_ns * 1e-3,
                     l.time_ns * 1e-3, l.energy.total_pj() * 1e-6 / n, l.cores.size()));
  }
  if (!s.critical_path.empty()) {
    // Where one inference alone spends its latency, by kind, and the stages that take longest.
    PathStep sum;
    for (const auto& p : s.critical_path) {
      sum.waiting_ns += p.waiting_ns, sum.analog_ns += p.analog_ns, sum.digital_ns += p.digital_ns;
      sum.network_ns += p.network_ns, sum.memory_ns += p.memory_ns, sum.host_ns += p.host_ns, sum.barrier_ns += p.barrier_ns;
      sum.host_link_ns += p.host_link_ns;
    }
    std::string kinds;
    for (const auto& [name, v] : {std::pair{"analog", sum.analog_ns},
                                  {"digital", sum.digital_ns},
                                  {"network", sum.network_ns},
                                  {"memory", sum.memory_ns},
                                  {"host link", sum.host_link_ns},
                                  {"host", sum.host_ns},
                                  {"waiting", sum.waiting_ns},
                                  {"barrier", sum.barrier_ns}}) {
      if (v > 0) kinds += fmt::format(" {} {:.4g} us", name, v * 1e-3);
    }
    line("  latency by kind " + kinds);
    line(fmt::format("  {:>5} {:<40} {:>12} {:>9}  {}", "stage", "critical path: layer", "time us", "share", "longest on"));
    std::vector<const PathStep*> ps;
    for (const auto& p : s.critical_path) ps.push_back(&p);
    std::stable_sort(ps.begin(), ps.end(), [](auto* a, auto* b) { return a->time_ns > b->time_ns; });
    for (size_t i = 0; i < ps.size() && (top == 0 || i < top); ++i) {
      const auto& p = *ps[i];
      line(fmt::format("  {:>5} {:<40} {:>12.4g} {:>8.1f}%  {}", p.stage, p.name.substr(0, 40), p.time_ns * 1e-3,
                       s.latency_ns > 0 ? 100 * p.time_ns / s.latency_ns : 0.0, p.resource));
    }
  }
  std::vector<const CoreStats*> cs;
  for (const auto& c : s.cores) cs.push_back(&c);
  std::stable_sort(cs.begin(), cs.end(), [](auto* a, auto* b) { return a->crossbar_busy_ns > b->crossbar_busy_ns; });
  // Busy: the mean over the core's crossbars (its digital units), so a core whose every array works all the time is 100%.
  line(fmt::format("  {:>5} {:>10} {:>10} {:>12}", "core", "xbar busy", "dig busy", "uJ per inf."));
  for (size_t i = 0; i < cs.size() && (top == 0 || i < top); ++i) {
    const auto& c = *cs[i];
    if (c.crossbar_busy_ns == 0 && c.digital_busy_ns == 0) break;
    line(fmt::format("  {:>5} {:>9.1f}% {:>9.1f}% {:>12.4g}", c.core,
                     100 * busy_fraction(c.crossbar_busy_ns, c.crossbars, s.makespan_ns),
                     100 * busy_fraction(c.digital_busy_ns, c.digital_units, s.makespan_ns), c.energy.total_pj() * 1e-6 / n));
  }
  for (size_t i = 0; i < s.links.size() && i < 3; ++i) {
    line(fmt::format("  link {:<20} {:.1f}% busy, {:.4g} bytes", s.links[i].name, 100 * s.links[i].busy_ns / s.makespan_ns,
                     s.links[i].bytes));
  }
  if (s.simulator == "analytic") {
    line(fmt::format("  simulator        analytic (closed form) in {:.3g} s", s.wall_s));
  } else {
    line(fmt::format("  simulator        {} events in {:.3g} s ({:.3g} events/s)", s.events, s.wall_s, s.events_per_s));
  }
  return o;
}

}  // namespace aimc::report
