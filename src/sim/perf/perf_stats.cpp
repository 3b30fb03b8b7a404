// stats(): the figures of a finished run; action counts are priced here only (STYLE P8).
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "chip/peak.h"
#include "sim/perf/perf_impl.h"
#include "sim/perf/slices.h"
#include "sim/perf/steady_state.h"

namespace aimc::perf {
namespace {

// A crossbar layer's multiply-accumulates per inference.
double layer_macs(const program::Layer& L) {
  return static_cast<double>(L.vectors_per_inference * L.groups * L.group_rows * L.group_cols);
}

// The peak's breakdown (PerfStats::Efficiency). `mvm_ns`: the crossbars' summed MVM occupancy per inference
// of one network copy; `crossbars_used`: the crossbars with MVMs, all copies.
Efficiency efficiency(const chip::ChipSpec& chip, const chip::ReadModeSpec& mode, const program::Program& prog,
                      const PerfStats& st, double mvm_ns, int64_t crossbars_used) {
  // The peak's precision: the analog layers' input bits with the most MACs (the chip's when none is set).
  std::map<int64_t, double> macs_at_bits;
  double analog_macs = 0;
  for (const auto& L : prog.layers) {
    const double macs = layer_macs(L);
    macs_at_bits[L.quant.input_bits > 0 ? L.quant.input_bits : chip.cores.input.bits] += macs;
    analog_macs += macs;
  }
  Efficiency e;
  e.input_bits = chip.cores.input.bits;
  if (!macs_at_bits.empty()) {
    e.input_bits = std::max_element(macs_at_bits.begin(), macs_at_bits.end(), [](const auto& a, const auto& b) {
                     return a.second < b.second;
                   })->first;
  }
  chip::PeakPoint peak;
  try {
    peak = chip::peak_point(chip, mode.name, e.input_bits, chip::peak_weight_bits(chip.cores.weights, e.input_bits));
  } catch (const Error&) {  // a precision the encoders report no peak for: the chip's own
    e.input_bits = chip.cores.input.bits;
    peak = chip::peak_point(chip, mode.name, e.input_bits, chip::peak_weight_bits(chip.cores.weights, e.input_bits));
  }
  e.weight_bits = peak.weight_bits;
  e.peak_tops = peak.tops;
  const double crossbars = static_cast<double>(chip.cores.count * chip.cores.arrays);
  e.global_mapping = static_cast<double>(crossbars_used) / crossbars;
  // A full array's ops per ns at the peak against the network's analog ops per ns of MVM time.
  e.local_mapping = (2.0 * analog_macs / mvm_ns) / (peak.ops_per_mvm / crossbars / peak.t_mvm_ns);
  e.pipeline = st.array_bound_inferences_per_s > 0 ? st.inferences_per_s / st.array_bound_inferences_per_s : 0;
  e.digital_macs = analog_macs > 0 ? st.macs_per_inference / analog_macs : 1;
  return e;
}

}  // namespace

std::string PerfSimulator::Impl::stage_name(int32_t s) const {
  std::string name;
  for (int32_t l : prog.schedule.stages[static_cast<size_t>(s)].layers) {
    name += (name.empty() ? "" : "+") + prog.layers[static_cast<size_t>(l)].name;
  }
  return name.empty() ? fmt::format("stage {}", s) : name;
}

std::vector<PathStep> PerfSimulator::Impl::critical_path() const {
  std::vector<PathStep> steps;
  const int32_t offchip = noc.offchip_link() >= 0 ? r_link + noc.offchip_link() : -1;
  const int32_t host_in = noc.host_link_in() >= 0 ? r_link + noc.host_link_in() : -1;
  const int32_t host_out = noc.host_link_out() >= 0 ? r_link + noc.host_link_out() : -1;
  std::vector<double> longest;  // per step: its longest critical service (names the resource)
  double prev_end = trace.empty() ? 0 : trace.front().release;
  for (const GroupTrace& g : trace) {
    if (steps.empty() || steps.back().stage != g.stage) {
      PathStep p;
      p.stage = g.stage;
      p.name = stage_name(g.stage);
      steps.push_back(std::move(p));
      longest.push_back(-1);
    }
    PathStep& p = steps.back();
    p.barrier_ns += std::max(0.0, g.release - prev_end);
    prev_end = g.end;
    p.time_ns += g.end - g.release;
    if (g.last_task < 0) continue;
    const Task& k = tasks[static_cast<size_t>(g.last_task)];
    const double start = std::clamp(trace_start[static_cast<size_t>(g.last_task)], g.release, g.end);
    p.waiting_ns += start - g.release;
    const double service = g.end - start;
    int32_t named = k.res.empty() ? -1 : k.res.front();
    if (k.transfer) {
      auto uses = [&](int32_t r) { return r >= 0 && std::find(k.res.begin(), k.res.end(), r) != k.res.end(); };
      if (uses(offchip)) {
        p.memory_ns += service;
        named = offchip;
      } else if (uses(host_in) || uses(host_out)) {
        p.host_link_ns += service;
        named = uses(host_in) ? host_in : host_out;
      } else {
        p.network_ns += service;
      }
    } else if (named < r_dig) {
      p.analog_ns += service;
    } else if (named < r_host) {
      p.digital_ns += service;
    } else {
      p.host_ns += service;
    }
    if (service > longest.back() && named >= 0) {
      longest.back() = service;
      p.resource = resource_name(named);
    }
  }
  for (PathStep& p : steps) p.time_ns += p.barrier_ns;
  return steps;
}

std::vector<double> PerfSimulator::Impl::occupancy_per_inference(int32_t copy, int32_t first, int32_t end) const {
  std::vector<double> occ(static_cast<size_t>(n_res), 0.0);
  for (const auto& g : templ[static_cast<size_t>(copy)]) {
    if (g.stage < first || g.stage >= end) continue;
    const auto items = static_cast<double>(items_per_inference_at(static_cast<size_t>(g.stage)));
    for (int32_t id : g.tasks) {
      const Task& k = tasks[static_cast<size_t>(id)];
      for (int32_t r : k.res) occ[static_cast<size_t>(r)] += k.occ_ns * items;
    }
  }
  return occ;
}

std::vector<double> PerfSimulator::Impl::busy_per_resource() const {
  std::vector<double> busy(static_cast<size_t>(n_res), 0.0);
  for (const Task& k : tasks) {
    if (k.executions == 0) continue;
    const double t = static_cast<double>(k.executions) * k.occ_ns;
    for (int32_t r : k.res) busy[static_cast<size_t>(r)] += t;
  }
  return busy;
}

PerfStats PerfSimulator::Impl::stats() const {
  PerfStats st;
  st.chip = chip.name;
  st.arrangement = chip.cores.arrangement;
  st.model = prog.graph_name;
  st.schedule = program::to_string(prog.schedule.kind);
  st.read_mode = mode->name;
  st.simulator = opt.analytic ? "analytic" : "event";
  st.images = opt.images;
  st.batch = batch;
  st.chunks = opt.chunks;
  st.chunks_candidates = chunks_candidates;
  st.stage_buffers = buffers;
  const auto gather = static_cast<size_t>(gather_stage(prog, opt.chunks));
  if (gather < sliced.size()) st.slices_gather = stage_name(static_cast<int32_t>(gather));
  for (size_t s = gather + 1; s < sliced.size(); ++s) {
    if (sliced[s] != 0 && sliced[s - 1] == 0) st.slices_resume.push_back(stage_name(static_cast<int32_t>(s)));
  }
  st.segments = static_cast<int64_t>(prog.schedule.segments.size());
  st.makespan_ns = makespan;
  st.events = events;
  st.wall_s = wall_s;
  st.events_per_s = wall_s > 0 ? static_cast<double>(events) / wall_s : 0;
  // Latencies and throughput, per inference (its chunks together).
  std::vector<double> start(static_cast<size_t>(opt.images), 1e300), release(start), done(static_cast<size_t>(opt.images), 0);
  for (const Item& it : items) {
    const auto inf = static_cast<size_t>(it.inference);
    // (a slice can end where its inference gathers before it started a task: the first stage gathers)
    if (it.start >= 0) start[inf] = std::min(start[inf], it.start);
    release[inf] = std::min(release[inf], it.release);
    done[inf] = std::max(done[inf], it.done);
  }
  st.latency_ns = done[0] - start[0];
  st.critical_path = critical_path();
  double sum = 0;
  for (int64_t i = 0; i < opt.images; ++i) sum += done[static_cast<size_t>(i)] - release[static_cast<size_t>(i)];
  st.mean_latency_ns = sum / static_cast<double>(opt.images);
  std::vector<double> sorted = done;
  std::sort(sorted.begin(), sorted.end());
  // The warm-up: the first batch where batches run in turn, the first round over the network's copies where
  // they run data-parallel (those finish together).
  int64_t warm = sequential_batches ? batch : 1;
  if (data_parallel) warm = std::max<int64_t>(warm, copies);
  const SteadyRate steady = steady_rate(sorted, warm, makespan);
  st.inferences_per_s = steady.inferences_per_ns * 1e9;
  st.throughput_basis = steady.basis;
  st.throughput_period = steady.period;
  st.throughput_warm_up = warm;
  // Critical path of one inference, a bound below its latency: per stage, Σ over copy 0's groups of the
  // slowest task alone (with slices: one slice's), chained below through the stages' per-slice
  // services and halos.
  // A stage's groups ahead of its MVMs (with digital ops ahead of them) are a stage of their own in the chain:
  // those ops use the units the stage's later ops use again, so a slice's ops ahead may run while the slice
  // before is in the MVMs, and one stage's service would hold the next slice back too long.
  // Per part of a stage (its groups ahead of the MVMs, the rest): the least time between two slices leaving it, its
  // busiest resource's occupancy within one group (a resource it uses in two groups, with time between them, serves
  // one slice's first use while the slice before is past it: the stage's whole occupancy would space the slices too
  // far), and the least time from its first slice's input to its last leaving: per resource, the part's time alone
  // before its first use, every slice's occupancy, and its time alone after the last use.
  std::vector<double> stage_latency(prog.schedule.stages.size(), 0.0), ahead_latency = stage_latency;
  std::vector<double> part_spacing(2 * prog.schedule.stages.size(), 0.0), part_span(part_spacing.size(), 0.0);
  {
    std::vector<std::vector<int32_t>> part_groups(part_spacing.size());
    for (size_t g = 0; g < templ[0].size(); ++g)
      part_groups[2 * static_cast<size_t>(templ[0][g].stage) + (templ[0][g].ahead ? 0 : 1)].push_back(static_cast<int32_t>(g));
    std::vector<double> occ(static_cast<size_t>(n_res)), total(occ.size()), before(occ.size(), -1.0), after(occ.size());
    std::vector<int32_t> seen(occ.size(), -1);  // per resource: the last group counted
    std::vector<size_t> used;                   // the part's resources, each once (their entries are reset after the part)
    for (size_t part = 0; part < part_groups.size(); ++part) {
      double elapsed = 0;
      for (int32_t g : part_groups[part]) {
        const auto& ids = templ[0][static_cast<size_t>(g)].tasks;
        double m = 0;
        for (int32_t k : ids) {
          m = std::max(m, tasks[static_cast<size_t>(k)].lat_ns);
          for (int32_t r : tasks[static_cast<size_t>(k)].res) occ[static_cast<size_t>(r)] += tasks[static_cast<size_t>(k)].occ_ns;
        }
        for (int32_t k : ids) {
          for (int32_t r : tasks[static_cast<size_t>(k)].res) {
            const auto ru = static_cast<size_t>(r);
            if (seen[ru] == g) continue;
            seen[ru] = g;
            part_spacing[part] = std::max(part_spacing[part], occ[ru]);
            if (before[ru] < 0) before[ru] = elapsed, used.push_back(ru);
            total[ru] += occ[ru], occ[ru] = 0;
            after[ru] = elapsed + m;  // the end of the last group using it
          }
        }
        elapsed += m;
      }
      const auto stage = part / 2;
      stage_latency[stage] += elapsed;
      if (part % 2 == 0) ahead_latency[stage] = elapsed;
      for (size_t r : used) {
        part_span[part] =
            std::max(part_span[part], before[r] + static_cast<double>(opt.chunks) * total[r] + (elapsed - after[r]));
        total[r] = 0, before[r] = -1;
      }
      used.clear();
    }
  }
  // MACs.
  for (const auto& L : prog.layers) st.macs_per_inference += layer_macs(L);
  for (const auto& d : prog.digital_ops) {
    if (d.layer < 0 && (d.op == "Conv" || d.op == "MatMul" || d.op == "Gemm"))
      st.macs_per_inference += static_cast<double>(d.ops_per_inference) / 2.0;
  }
  // Actions, per core and per layer (stage).
  const size_t n_stages = prog.schedule.stages.size();
  st.actions.resize(static_cast<size_t>(host_class + 1), noc.class_names().size());
  std::vector<ActionCounts> per_stage(n_stages, st.actions);
  std::vector<ActionCounts> per_core(static_cast<size_t>(chip.cores.count), st.actions);
  std::vector<std::vector<double>> stage_res_occ(n_stages);
  for (const Task& k : tasks) {
    if (k.executions == 0) continue;
    const double n = static_cast<double>(k.executions);
    st.actions.add(k.actions, n);
    if (k.stage >= 0) per_stage[static_cast<size_t>(k.stage)].add(k.actions, n);
    if (k.core >= 0) per_core[static_cast<size_t>(k.core)].add(k.actions, n);
  }
  // A template task's executions per inference: one per slice where it streams, one where it runs whole.
  const auto per_inference = [&](const Task& k) {
    return static_cast<double>(items_per_inference_at(static_cast<size_t>(k.stage)));
  };
  // Service time per stage: the busiest resource's occupancy per inference (copy 0's template).
  for (const auto& g : templ[0]) {
    for (int32_t id : g.tasks) {
      const Task& k = tasks[static_cast<size_t>(id)];
      auto& occ = stage_res_occ[static_cast<size_t>(g.stage)];
      if (occ.empty()) occ.assign(static_cast<size_t>(n_res), 0.0);
      for (int32_t r : k.res) occ[static_cast<size_t>(r)] += k.occ_ns * per_inference(k);
    }
  }
  {
    // Each resource's occupancy over a whole inference (a link may serve several stages): `occ`, copy 0's
    // (an inference on it); `load`, per inference of the chip's, the inferences spread over the network's
    // copies (data-parallel): a copy's own crossbars and units serve 1/copies of them, a resource every
    // copy uses (the host, its link, a chip-level unit, a shared link) every one.
    const auto n_stages_i = static_cast<int32_t>(n_stages);
    const std::vector<double> occ = occupancy_per_inference(0, 0, n_stages_i);
    std::vector<double> load(occ.size(), 0.0);
    for (int32_t c = 0; c < copies; ++c) {
      const std::vector<double> mine = c == 0 ? occ : occupancy_per_inference(c, 0, n_stages_i);
      for (size_t r = 0; r < load.size(); ++r) load[r] += mine[r] / static_cast<double>(copies);
    }
    st.host_busy_ns_per_inference = occ[static_cast<size_t>(r_host)];
    // The crossbars' bound: resources [0, r_dig) are the crossbars; copy 0's template uses its own, and
    // each network copy has as many.
    double mvm_ns = 0;
    int64_t used = 0;
    for (int32_t x = 0; x < r_dig; ++x) {
      mvm_ns += occ[static_cast<size_t>(x)];
      used += occ[static_cast<size_t>(x)] > 0 ? 1 : 0;
    }
    st.array_bound_inferences_per_s = mvm_ns > 0 ? static_cast<double>(copies * used) / (mvm_ns * 1e-9) : 0;
    if (noc.host_link_in() >= 0) {
      st.host_link_busy_ns_per_inference =
          std::max(occ[static_cast<size_t>(r_link + noc.host_link_in())], occ[static_cast<size_t>(r_link + noc.host_link_out())]);
    }
    const auto it = std::max_element(load.begin(), load.end());
    st.bottleneck_resource_ns = *it;
    st.bottleneck_resource = resource_name(static_cast<int32_t>(it - load.begin()));
    // An estimate that is not a whole number of periods can overshoot where completions bunch: keep it
    // between the whole run's average and the busiest resource's bound.
    if (st.bottleneck_resource_ns > 0) {
      st.inferences_per_s = std::min(st.inferences_per_s, 1.0 / (st.bottleneck_resource_ns * 1e-9));
    }
    const double run_average = static_cast<double>(opt.images) / (makespan * 1e-9);
    if (st.inferences_per_s < run_average) {
      if (st.inferences_per_s < run_average * (1 - 1e-9)) {  // not the same figure, rounded another way
        st.throughput_basis = ThroughputBasis::Run;
        st.throughput_period = 0;
      }
      st.inferences_per_s = run_average;
    }
    st.tops = 2.0 * st.macs_per_inference * st.inferences_per_s * 1e-12;
    if (mvm_ns > 0) st.efficiency = efficiency(chip, *mode, prog, st, mvm_ns, copies * used);
  }
  st.programming_ns = programming_ns;
  if (const auto area = chip::area_basis(chip)) {
    st.area_mm2 = area->mm2;
    st.tops_per_mm2 = st.tops / area->mm2;
  }
  for (size_t s = 0; s < n_stages; ++s) {
    const auto& stg = prog.schedule.stages[s];
    LayerStats ls;
    ls.stage = static_cast<int32_t>(s);
    for (int32_t l : stg.layers) {
      const auto& L = prog.layers[static_cast<size_t>(l)];
      ls.name += (ls.name.empty() ? "" : "+") + L.name;
      ls.macs_per_inference += layer_macs(L);
    }
    ls.cores = stg.cores;
    ls.actions = per_stage[s];
    ls.mvms_per_inference = ls.actions.array_mvms() / static_cast<double>(opt.images);
    ls.energy = table->price(ls.actions);
    if (!stage_res_occ[s].empty()) ls.service_ns = *std::max_element(stage_res_occ[s].begin(), stage_res_occ[s].end());
    ls.time_ns = stage_span[s] / static_cast<double>(opt.images * opt.chunks) * static_cast<double>(opt.chunks);
    for (const auto& peak : buffered_peak) ls.buffer_peak = std::max(ls.buffer_peak, static_cast<double>(peak[s]));
    ls.buffer_peak /= static_cast<double>(opt.chunks);
    double stage_bytes = 0;  // per inference, on all its cores (a data-parallel core's are every copy's)
    for (const auto& cb : buffer_core_bytes[s]) stage_bytes += cb.bytes;
    ls.buffer_peak_bytes = ls.buffer_peak * stage_bytes / static_cast<double>(data_parallel ? copies : 1);
    if (ls.service_ns > st.bottleneck_service_ns) {
      st.bottleneck_service_ns = ls.service_ns;
      st.bottleneck_stage = ls.stage;
      st.bottleneck = ls.name;
    }
    st.layers.push_back(std::move(ls));
  }
  {
    std::vector<double> latency, service, first, halos, span;
    std::vector<char> streams;
    // Per stage: when it can begin its next slice's work (the halo's clock), the least busy resource of its
    // first group that works on an item (its MVMs, or digital ops), after the ops ahead: where the simulation
    // notes a slice's start.
    std::vector<double> opens(n_stages, -1.0);  // −1: no such group (the stage's service stands in)
    for (const auto& g : templ[0]) {
      const auto su = static_cast<size_t>(g.stage);
      if (g.ahead || opens[su] >= 0) continue;
      double least = -1;
      for (int32_t id : g.tasks) {
        const Task& k = tasks[static_cast<size_t>(id)];
        if (!k.transfer && k.occ_ns > 0) least = least < 0 ? k.occ_ns : std::min(least, k.occ_ns);
      }
      opens[su] = least;
    }
    const auto opens_or_service = [&](size_t s) { return opens[s] >= 0 ? opens[s] : service.back(); };
    for (size_t s = 0; s < n_stages; ++s) {
      if (ahead_latency[s] > 0) {
        latency.push_back(ahead_latency[s]), service.push_back(part_spacing[2 * s]), halos.push_back(halo[s]);
        first.push_back(service.back()), streams.push_back(sliced[s]), span.push_back(part_span[2 * s]);
        latency.push_back(stage_latency[s] - ahead_latency[s]), service.push_back(part_spacing[2 * s + 1]);
        first.push_back(opens_or_service(s)), halos.push_back(0.0), streams.push_back(sliced[s]);
        span.push_back(part_span[2 * s + 1]);
      } else {
        latency.push_back(stage_latency[s]), service.push_back(part_spacing[2 * s + 1]), halos.push_back(halo[s]);
        first.push_back(opens_or_service(s)), streams.push_back(sliced[s]), span.push_back(part_span[2 * s + 1]);
      }
    }
    st.critical_path_ns = sliced_chain_ns(latency, service, halos, streams, opt.chunks, first, span);
  }
  const std::vector<double> busy = busy_per_resource();
  const int32_t arrays = static_cast<int32_t>(chip.cores.arrays);
  for (int32_t c = 0; c < chip.cores.count; ++c) {
    CoreStats cs;
    cs.core = c;
    cs.crossbars = std::max<int32_t>(arrays, 1);
    cs.digital_units = std::max<int32_t>(n_core_units, 1);
    for (int32_t a = 0; a < arrays; ++a) cs.crossbar_busy_ns += busy[static_cast<size_t>(xbar(c, a))];
    for (int32_t u = 0; u < n_core_units; ++u) cs.digital_busy_ns += busy[static_cast<size_t>(r_dig + c * n_core_units + u)];
    cs.buffer_peak_bytes = core_buffered_peak[static_cast<size_t>(c)];
    cs.actions = per_core[static_cast<size_t>(c)];
    cs.energy = table->price(cs.actions);
    st.cores.push_back(std::move(cs));
  }
  // The bytes each link carried (not its busy time × its bandwidth: a route holds every link of it while the
  // slowest passes the data).
  std::vector<double> link_bytes(noc.links().size(), 0.0);
  for (const Task& k : tasks) {
    if (!k.transfer || k.executions == 0) continue;
    for (int32_t r : k.res) link_bytes[static_cast<size_t>(r - r_link)] += static_cast<double>(k.executions) * k.bytes;
  }
  for (size_t l = 0; l < noc.links().size(); ++l) {
    const double b = busy[static_cast<size_t>(r_link) + l];
    if (b <= 0) continue;
    LinkStats ls;
    ls.name = noc.links()[l].name;
    ls.busy_ns = b;
    ls.bytes = link_bytes[l];
    st.link_class_util = std::max(st.link_class_util, makespan > 0 ? b / makespan : 0);
    st.links.push_back(std::move(ls));
  }
  // Busiest first; links as busy as each other in the network's order.
  std::stable_sort(st.links.begin(), st.links.end(),
                   [](const LinkStats& a, const LinkStats& b) { return a.busy_ns > b.busy_ns; });
  st.energy = table->price(st.actions);
  const double dynamic_pj = st.energy.total_pj();
  st.energy.pj["static"] = table->static_power_w() * makespan * 1e3;  // W · ns = nJ → pJ
  st.dynamic_energy_per_inference_j = dynamic_pj * 1e-12 / static_cast<double>(opt.images);
  st.energy_per_inference_j = st.energy.total_pj() * 1e-12 / static_cast<double>(opt.images);
  st.data_independent_energy_per_inference_j =
      st.energy_per_inference_j +
      (table->price(st.actions, false).total_pj() - dynamic_pj) * 1e-12 / static_cast<double>(opt.images);
  for (const auto& L : prog.layers) {
    if (L.quant.activity) st.activity_source = prog.calibration;
  }
  st.tops_per_w = st.energy_per_inference_j > 0 ? 2.0 * st.macs_per_inference / st.energy_per_inference_j * 1e-12 : 0;
  st.tops_per_w_dynamic =
      st.dynamic_energy_per_inference_j > 0 ? 2.0 * st.macs_per_inference / st.dynamic_energy_per_inference_j * 1e-12 : 0;
  const double mvm_pj = st.energy.pj.at("crossbar") + st.energy.pj.at("adc");
  st.tops_per_w_mvm = mvm_pj > 0 ? 2.0 * st.macs_per_inference * static_cast<double>(opt.images) / mvm_pj : 0;
  st.host_gops = opt.host_gops.value_or(chip.host.gops);
  st.host_ops_per_inference = st.actions.digital_ops[static_cast<size_t>(host_class)] / static_cast<double>(opt.images);
  st.host_energy_share = st.energy.total_pj() > 0 ? st.energy.pj.at("host") / st.energy.total_pj() : 0;
  if (noc.host_link_in() >= 0) {
    st.host_link_bytes_per_inference = st.actions.offchip_bytes / static_cast<double>(opt.images);
    st.host_link_energy_share = st.energy.total_pj() > 0 ? st.energy.pj.at("offchip") / st.energy.total_pj() : 0;
  }
  double host_path_ns = 0;
  for (const PathStep& p : st.critical_path) host_path_ns += p.host_ns;
  st.host_latency_share = st.latency_ns > 0 ? host_path_ns / st.latency_ns : 0;
  st.unpriced = table->unpriced(st.actions);
  st.warnings = warnings;
  return st;
}

}  // namespace aimc::perf
