// The public face of the performance simulator (perf_sim.h); the work is in perf_tasks.cpp,
// perf_run.cpp and perf_stats.cpp around perf_impl.h.
#include "sim/perf/perf_sim.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "chip/peak.h"
#include "chip/weights_spec.h"
#include "core/error.h"
#include "sim/perf/perf_impl.h"
#include "sim/perf/slices.h"

namespace aimc::perf {

using program::Program;
using program::ScheduleKind;

PerfSimulator::PerfSimulator(const chip::ChipSpec& chip, const Program& program, PerfOptions options)
    : m(new Impl(chip, program, std::move(options))) {}
PerfSimulator::~PerfSimulator() { delete m; }
void PerfSimulator::setup() { m->setup(); }
void PerfSimulator::run() {
  if (m->opt.analytic) m->run_analytic();
  else m->run();
}
PerfStats PerfSimulator::stats() const { return m->stats(); }

void check_options(const PerfOptions& opt) {
  if (opt.images < 1) throw Error("must be at least 1", ErrorContext{.field = "images"});
  if (opt.batch < 0)
    throw Error(fmt::format("{}: expected 0 (all) or a whole number", opt.batch), ErrorContext{.field = "batch"});
  if (opt.chunks < 0 || opt.chunks > kMaxSlices) {
    throw Error(fmt::format("{}: expected 0 (auto) or a whole number 1 to {}", opt.chunks, kMaxSlices),
                ErrorContext{.field = "chunks"});
  }
  if (opt.images > kMaxSimulatedItems) {
    throw Error(fmt::format("{}: more than the {} inferences one simulation tracks (its steady-state throughput is timed "
                            "after a few pipeline depths of them)",
                            opt.images, kMaxSimulatedItems),
                ErrorContext{.field = "images"});
  }
  if (opt.chunks > 1 && opt.images > kMaxSimulatedItems / opt.chunks) {
    throw Error(fmt::format("{} images x {} slices is more than the {} items one simulation tracks; time fewer images or "
                            "slices",
                            opt.images, opt.chunks, kMaxSimulatedItems),
                ErrorContext{.field = "chunks"});
  }
  if (opt.host_gops && !(std::isfinite(*opt.host_gops) && *opt.host_gops >= 0)) {
    throw Error(fmt::format("{}: expected a number ≥ 0 (Gop/s; 0: the host's ops take no time)", *opt.host_gops),
                ErrorContext{.field = "host_gops"});
  }
  if (opt.stage_buffers && *opt.stage_buffers < 0) {
    throw Error(fmt::format("{}: expected 0 (unbounded) or a whole number", *opt.stage_buffers),
                ErrorContext{.field = "stage_buffers"});
  }
  if (opt.verify_iterations && *opt.verify_iterations < 1) {
    throw Error(fmt::format("{}: expected a whole number ≥ 1", *opt.verify_iterations),
                ErrorContext{.field = "verify_iterations"});
  }
}

namespace {

// Auto's choice (choose_slices), with the closed-form run of the slicing chosen when it ran one.
struct SliceChoice {
  int64_t chunks = 1;
  std::optional<PerfStats> closed_form;
};

SliceChoice choose(const chip::ChipSpec& chip, const Program& program, const PerfOptions& options) {
  const std::vector<int64_t> candidates = auto_slice_candidates(program);
  SliceChoice best{.chunks = candidates.front()};
  if (candidates.size() == 1) return best;
  for (const int64_t k : candidates) {
    if (k > 1 && options.images > kMaxSimulatedItems / k) break;
    PerfOptions o = options;
    o.chunks = k;
    o.analytic = true;
    o.on_progress = nullptr;
    PerfSimulator sim(chip, program, o);
    sim.setup();
    sim.run();
    PerfStats s = sim.stats();
    if (!std::isfinite(s.makespan_ns)) continue;  // simulate() refuses it if the chosen slicing is no better
    const auto& b = best.closed_form;
    if (!b || s.makespan_ns < b->makespan_ns || (s.makespan_ns == b->makespan_ns && s.latency_ns < b->latency_ns)) {
      best.chunks = k;
      best.closed_form = std::move(s);
    }
  }
  return best;
}

}  // namespace

int64_t choose_slices(const chip::ChipSpec& chip, const Program& program, const PerfOptions& options) {
  return options.chunks != 0 ? options.chunks : choose(chip, program, options).chunks;
}

PerfStats simulate(const chip::ChipSpec& chip, const Program& program, const PerfOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  PerfOptions resolved = options;
  std::optional<PerfStats> chosen;  // auto's closed-form run of the slicing it took: the run, when it is analytic
  if (options.chunks == 0) {
    SliceChoice c = choose(chip, program, options);
    resolved.chunks = c.chunks;
    if (options.analytic) chosen = std::move(c.closed_form);
  }
  PerfStats st;
  if (chosen) {
    st = std::move(*chosen);
  } else {
    PerfSimulator sim(chip, program, resolved);
    sim.setup();
    sim.run();
    st = sim.stats();
  }
  if (options.chunks == 0) st.chunks_candidates = auto_slice_candidates(program);
  st.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();  // setup included
  // The latency is that of one inference on an idle chip (under load, inferences released together
  // queue behind each other: mean_latency_ns). The analytic model's first inference is already alone
  // when nothing holds it for its batch (no barriers).
  const bool batched = program.schedule.kind == ScheduleKind::LayerByLayer || program.schedule.reloads();
  if (options.images > 1 && (!options.analytic || batched)) {
    PerfOptions one = resolved;  // the run's slicing, not auto's choice for one image
    one.images = 1;
    one.batch = 1;
    one.on_progress = nullptr;
    const auto t1 = std::chrono::steady_clock::now();
    PerfSimulator alone(chip, program, one);
    alone.setup();
    alone.run();
    PerfStats a = alone.stats();
    a.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    st.latency_ns = a.latency_ns;
    st.critical_path = a.critical_path;
    st.events += a.events;
    st.wall_s += a.wall_s;
    st.events_per_s = st.wall_s > 0 ? static_cast<double>(st.events) / st.wall_s : 0;
  }
  // A rate too small to time (a clock, host.gops or a link's bandwidth near 0) overflows the run's time: refused,
  // never an infinite latency or a NaN share in a result.
  if (!std::isfinite(st.makespan_ns) || !std::isfinite(st.latency_ns) || !std::isfinite(st.energy_per_inference_j)) {
    throw Error(fmt::format("the run's time or energy is not finite (its busiest resource: {}): a rate of the chip or of "
                            "the options (a clock_mhz, host.gops or host_gops, a link's bandwidth, ops_per_cycle) is too "
                            "small to time",
                            st.bottleneck_resource.empty() ? "none" : st.bottleneck_resource),
                ErrorContext{.field = "chip"});
  }
  return st;
}

Program peak_program(const chip::ChipSpec& chip, int64_t input_bits, int64_t mvms_per_crossbar) {
  const auto& cores = chip.cores;
  const std::optional<int64_t> wb = chip::peak_weight_bits(cores.weights, input_bits);
  const int64_t cpw = chip::columns_per_weight(cores.weights, wb.value_or(1));
  Program p;
  p.chip_name = chip.name;
  p.graph_name = "peak";
  p.crossbar_rows = cores.rows;
  p.crossbar_cols = cores.cols;
  p.crossbars_available = cores.count * cores.arrays;
  program::Layer L;
  L.name = "peak";
  L.rows = L.group_rows = cores.rows;
  L.cols = L.group_cols = cores.cols / cpw;
  L.columns_per_weight = cpw;
  L.replicas = p.crossbars_available;
  L.vectors_per_inference = L.replicas * mvms_per_crossbar;
  L.quant.input_bits = input_bits;
  L.quant.weight_bits = wb.value_or(0);
  L.quant.adc_bits = cores.adc.bits;
  p.layers.push_back(L);
  program::Stage st;
  program::Segment seg;
  for (int32_t r = 0; r < L.replicas; ++r) {
    program::Tile t;
    t.id = r;
    t.replica = r;
    t.core = r / static_cast<int32_t>(cores.arrays);
    t.array = r % static_cast<int32_t>(cores.arrays);
    t.reduce_core = t.core;
    t.row_end = L.rows;
    t.col_end = L.cols;
    p.tiles.push_back(t);
    seg.tiles.push_back(r);
    if (st.cores.empty() || st.cores.back() != t.core) st.cores.push_back(t.core);
  }
  st.layers = {0};
  st.mvms_per_inference = static_cast<double>(mvms_per_crossbar);
  seg.layers = {0};
  p.schedule.kind = ScheduleKind::Pipelined;
  p.schedule.stages = {st};
  p.schedule.segments = {seg};
  return p;
}

}  // namespace aimc::perf
