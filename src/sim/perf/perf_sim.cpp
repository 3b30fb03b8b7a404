#include "sim/perf/perf_sim.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <queue>
#include <unordered_map>

#include <fmt/format.h>

#include "chip/peak.h"
#include "chip/schema/schema.h"
#include "chip/weights_spec.h"
#include "core/error.h"
#include "sim/perf/noc_model.h"

namespace aimc::perf {

using compiler::EndpointKind;
using compiler::Program;
using compiler::Scope;
using compiler::ScheduleKind;
using compiler::TransferKind;

namespace {

struct Task {
  std::vector<int32_t> res;  // resource ids held for `occ_ns`
  double occ_ns = 0;
  double lat_ns = 0;         // release-to-completion when uncontended (≥ occ_ns)
  int32_t core = -1;         // for per-core statistics
  int32_t stage = 0;
  bool transfer = false;     // res is a route: links taken hop by hop (virtual cut-through)
  std::vector<double> hop_ns;  // transfer: latency of each link
  ActionCounts actions;      // per execution
  int64_t executions = 0;
};

struct Group {
  std::vector<int32_t> tasks;
  int32_t stage = 0;
};

struct Item {
  int64_t inference = 0;
  int32_t copy = 0;
  int64_t batch = 0;
  int32_t group = 0;
  int32_t outstanding = 0;
  double start = -1, stage_start = 0, done = -1;
};

struct Event {
  double t;
  int64_t seq;
  int64_t owner;  // ≥ 0: item; < 0: programming job −owner−1
  int32_t task;
  int32_t hop;    // transfer: the head reaches link `hop`; −1: the task completes
  bool operator>(const Event& o) const { return t != o.t ? t > o.t : seq > o.seq; }
};

struct ProgramJob {
  int64_t batch = 0;
  int32_t stage = 0;
  std::vector<std::vector<int32_t>> groups;  // fetches, then writes
  size_t group = 0;
  int32_t outstanding = 0;
};

double ceil_div_d(int64_t a, int64_t b) { return static_cast<double>((a + b - 1) / b); }

}  // namespace

struct PerfSimulator::Impl {
  chip::ChipSpec chip;
  Program prog;
  PerfOptions opt;
  const chip::ReadModeSpec* mode = nullptr;
  NocModel noc;
  std::unique_ptr<EnergyTable> table;
  std::vector<std::string> unit_names;
  int32_t n_core_units = 0, n_chip_units = 0, host_class = 0;
  // Resources.
  int32_t r_dig = 0, r_chip = 0, r_host = 0, r_link = 0, n_res = 0;
  std::vector<double> free_at, busy;
  // Templates.
  std::vector<Task> tasks;
  std::vector<std::vector<Group>> templ;             // per network copy
  std::vector<std::vector<int32_t>> stage_first;     // per copy: first group of each stage (size stages+1)
  std::vector<int32_t> stage_segment;                // per stage
  std::vector<bool> barrier;                         // per stage: the batch waits for each other here
  std::vector<ProgramJob> program_templ;             // per segment (reloads)
  int32_t copies = 1;
  int64_t batch = 1;
  bool sequential_batches = false;
  std::vector<std::string> warnings;
  // Run state.
  std::vector<Item> items;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> queue;
  int64_t seq = 0, events = 0;
  std::map<std::pair<int64_t, int32_t>, int64_t> arrivals;
  std::vector<ProgramJob> jobs;
  std::vector<int64_t> batch_done;
  std::vector<double> stage_span;
  double programming_ns = 0, wall_s = 0, makespan = 0;

  Impl(const chip::ChipSpec& c, const Program& p, PerfOptions o) : chip(c), prog(p), opt(std::move(o)), noc(c) {}

  int32_t xbar(int32_t core, int32_t array) const { return core * static_cast<int32_t>(chip.cores.arrays) + array; }

  double unit_ops_per_ns(const chip::DigitalUnitSpec& u) const {
    return u.ops_per_cycle * static_cast<double>(u.count) * u.clock_mhz.value_or(chip.clock_mhz) * 1e-3;
  }

  int32_t add_transfer(const compiler::Transfer& t, double bytes, int32_t stage) {
    std::vector<int32_t> path = noc.route(t.from, t.to);
    if (path.empty() || bytes <= 0) return -1;
    Task k = blank();
    k.stage = stage;
    double bw = 0, lat = 0;
    for (int32_t l : path) {
      const Link& link = noc.links()[static_cast<size_t>(l)];
      if (link.bytes_per_ns > 0) bw = bw == 0 ? link.bytes_per_ns : std::min(bw, link.bytes_per_ns);
      lat += link.latency_ns;
      k.res.push_back(r_link + l);
      k.hop_ns.push_back(link.latency_ns);
      if (link.cls >= 0) k.actions.bit_hops[static_cast<size_t>(link.cls)] += 8.0 * bytes;
    }
    k.occ_ns = bw > 0 ? bytes / bw : 0;
    k.lat_ns = lat + k.occ_ns;
    k.transfer = true;
    if (t.from.kind == EndpointKind::Core) k.actions.buffer_read_bytes += bytes, k.core = t.from.index;
    if (t.to.kind == EndpointKind::Core) {
      k.actions.buffer_write_bytes += bytes;
      if (k.core < 0) k.core = t.to.index;
    }
    if (t.from.kind == EndpointKind::Host || t.to.kind == EndpointKind::Host) k.actions.offchip_bytes += bytes;
    return push(std::move(k));
  }

  int32_t push(Task k) {
    k.actions.digital_ops.resize(static_cast<size_t>(host_class + 1), 0.0);
    k.actions.bit_hops.resize(noc.class_names().size(), 0.0);
    tasks.push_back(std::move(k));
    return static_cast<int32_t>(tasks.size() - 1);
  }
  Task blank() const {
    Task k;
    k.actions.resize(static_cast<size_t>(host_class + 1), noc.class_names().size());
    return k;
  }

  void setup() {
    const auto& cores = chip.cores;
    mode = opt.read_mode.empty() ? &cores.read_modes.front() : chip::find_named(cores.read_modes, opt.read_mode);
    if (mode == nullptr) throw Error(fmt::format("chip '{}' has no read mode '{}'", chip.name, opt.read_mode), ErrorContext{.field = "--read-mode"});
    if (opt.images < 1) throw Error("--images must be at least 1", ErrorContext{.field = "--images"});
    if (opt.chunks < 1) throw Error("--chunks must be at least 1", ErrorContext{.field = "--chunks"});
    // Digital unit classes: per-core units, chip units, the host.
    std::vector<std::optional<double>> unit_e;
    for (const auto& u : cores.digital) unit_names.push_back("core." + u.name), unit_e.push_back(u.e_op_pj);
    for (const auto& u : chip.digital) unit_names.push_back("chip." + u.name), unit_e.push_back(u.e_op_pj);
    unit_names.push_back("host");
    unit_e.emplace_back(std::nullopt);
    n_core_units = static_cast<int32_t>(cores.digital.size());
    n_chip_units = static_cast<int32_t>(chip.digital.size());
    host_class = n_core_units + n_chip_units;
    table = std::make_unique<EnergyTable>(chip, *mode, unit_names, unit_e, noc.class_names(), noc.class_e_bit_hop_pj());
    // Resources.
    const int32_t n_xbar = static_cast<int32_t>(cores.count * cores.arrays);
    r_dig = n_xbar;
    r_chip = r_dig + static_cast<int32_t>(cores.count) * n_core_units;
    r_host = r_chip + n_chip_units;
    r_link = r_host + 1;
    n_res = r_link + static_cast<int32_t>(noc.links().size());

    const auto& sched = prog.schedule;
    const bool dp = sched.kind == ScheduleKind::DataParallel;
    copies = dp ? static_cast<int32_t>(std::max<int64_t>(1, sched.network_replicas)) : 1;
    const size_t n_stages = sched.stages.size();
    if (n_stages == 0) throw Error("the Program has no stages", ErrorContext{.field = "schedule.stages"});
    // Network copy of each core (data-parallel): the replica of the tiles it holds.
    std::vector<int32_t> copy_of_core(static_cast<size_t>(cores.count), -1);
    if (dp) for (const auto& t : prog.tiles) copy_of_core[static_cast<size_t>(t.core)] = t.replica % copies;
    // Stage of each layer, digital op node and produced value (STYLE P6: resolved once, here).
    std::vector<int32_t> stage_of_layer(prog.layers.size(), 0);
    std::unordered_map<std::string, int32_t> stage_of_value, own_layer;
    for (const auto& st : sched.stages) {
      for (int32_t l : st.layers) {
        stage_of_layer[static_cast<size_t>(l)] = st.id;
        stage_of_value[prog.layers[static_cast<size_t>(l)].output_value] = st.id;
        own_layer[prog.layers[static_cast<size_t>(l)].name] = st.id;
      }
      for (int32_t d : st.digital_ops) stage_of_value[prog.digital_ops[static_cast<size_t>(d)].node] = st.id;
    }
    // Transfers → (stage, phase): 0 before the MVMs (inputs), 1 after them (a layer's own), 2 after the digital ops.
    std::vector<std::vector<std::vector<int32_t>>> xfers(n_stages, std::vector<std::vector<int32_t>>(3));
    int64_t unmapped = 0;
    for (size_t i = 0; i < prog.transfers.size(); ++i) {
      const auto& t = prog.transfers[i];
      int32_t stage = -1, phase = 2;
      if (t.kind == TransferKind::Input) stage = 0, phase = 0;
      else if (t.kind == TransferKind::Output) stage = static_cast<int32_t>(n_stages) - 1;
      if (stage < 0) {
        if (auto c = t.value.rfind(':'); c != std::string::npos && own_layer.count(t.value.substr(0, c))) {
          stage = own_layer[t.value.substr(0, c)], phase = 1;
        } else if (auto it = stage_of_value.find(t.value); it != stage_of_value.end()) {
          stage = it->second;
        } else if (auto o = t.value.rfind("_output"); o != std::string::npos && stage_of_value.count(t.value.substr(0, o))) {
          stage = stage_of_value[t.value.substr(0, o)];
        } else {
          stage = 0, ++unmapped;
        }
      }
      xfers[static_cast<size_t>(stage)][static_cast<size_t>(phase)].push_back(static_cast<int32_t>(i));
    }
    if (unmapped > 0) warnings.push_back(fmt::format("{} transfers whose producer was not found were put in stage 0", unmapped));

    const double chunks = static_cast<double>(opt.chunks);
    double K = chunks;  // the share of an inference one group carries (chunks × recurrent steps)
    const bool bit_serial = cores.input.kind == chip::InputKind::BitSerial;
    templ.assign(static_cast<size_t>(copies), {});
    stage_first.assign(static_cast<size_t>(copies), {});
    for (int32_t c = 0; c < copies; ++c) {
      auto& groups = templ[static_cast<size_t>(c)];
      auto in_copy = [&](const compiler::Endpoint& e) {
        return !dp || e.kind != EndpointKind::Core || copy_of_core[static_cast<size_t>(e.index)] < 0 ||
               copy_of_core[static_cast<size_t>(e.index)] == c;
      };
      auto transfer_group = [&](size_t s, int phase) {
        Group g;
        g.stage = static_cast<int32_t>(s);
        for (int32_t i : xfers[s][static_cast<size_t>(phase)]) {
          const auto& t = prog.transfers[static_cast<size_t>(i)];
          if (!in_copy(t.from) || !in_copy(t.to)) continue;
          const double bytes = static_cast<double>(t.bytes_per_inference) * (dp ? copies : 1) / K;
          if (int32_t k = add_transfer(t, bytes, g.stage); k >= 0) g.tasks.push_back(k);
        }
        if (!g.tasks.empty()) groups.push_back(std::move(g));
      };
      for (size_t s = 0; s < n_stages; ++s) {
        const auto& st = sched.stages[s];
        stage_first[static_cast<size_t>(c)].push_back(static_cast<int32_t>(groups.size()));
        transfer_group(s, 0);
        // A recurrent layer (LSTM) runs its time steps one after another: step t needs h(t−1), so the
        // MVMs, the layer's own transfers and the stage's digital ops repeat once per step.
        int64_t steps = 1;
        for (int32_t l : st.layers) {
          const auto& L = prog.layers[static_cast<size_t>(l)];
          if (L.kind == compiler::LayerKind::Lstm) steps = std::max<int64_t>(steps, L.vectors_per_inference);
        }
        K = chunks * static_cast<double>(steps);
        for (int64_t step = 0; step < steps; ++step) {
        // MVMs: per crossbar, Σ over its (layer, replica) of the replica's vectors.
        Group mg;
        mg.stage = static_cast<int32_t>(s);
        std::map<int32_t, Task> per_xbar;
        std::map<std::tuple<int32_t, int32_t, int32_t>, std::pair<int64_t, int64_t>> active;  // (xbar, layer, replica) → rows, cols
        for (int32_t l : st.layers) {
          for (int32_t ti : prog.tiles_of(l)) {
            const auto& t = prog.tiles[static_cast<size_t>(ti)];
            if (dp && t.replica % copies != c) continue;
            auto& a = active[{xbar(t.core, t.array), l, t.replica}];
            a.first += t.rows();
            a.second += t.cols();
          }
        }
        for (const auto& [key, rc] : active) {
          const auto& [x, l, r] = key;
          const auto& L = prog.layers[static_cast<size_t>(l)];
          const int64_t R = dp ? 1 : std::max<int64_t>(1, L.replicas);
          const int64_t rr = dp ? 0 : r % R;
          const double vectors = static_cast<double>(rr < L.vectors_per_inference ? (L.vectors_per_inference - rr + R - 1) / R : 0) / K;
          const int64_t bits = std::clamp<int64_t>(L.quant.input_bits > 0 ? L.quant.input_bits : cores.input.bits, 1, kMaxInputBits);
          auto [it, fresh] = per_xbar.try_emplace(x, blank());
          Task& k = it->second;
          if (fresh) {
            k.res = {x};
            k.core = x / static_cast<int32_t>(cores.arrays);
            k.stage = static_cast<int32_t>(s);
          }
          // A comparator's multi-level read-out re-evaluates the array once per step.
          const auto readout = static_cast<double>(chip::readout_evaluations(cores.adc, L.quant.adc_bits));
          const double evals = static_cast<double>(mode->phases * (bit_serial ? bits : 1)) * readout;
          k.occ_ns += vectors * readout * chip::mvm_latency_ns(chip, *mode, bits);
          k.actions.array_mvms_by_bits[static_cast<size_t>(bits)] += vectors;
          k.actions.array_evaluations += vectors * evals;
          k.actions.adc_conversions += vectors * evals * static_cast<double>(rc.second * L.columns_per_weight);
          k.actions.dac_drives += vectors * evals * static_cast<double>(rc.first);
          k.actions.buffer_read_bytes += vectors * static_cast<double>(rc.first * ((bits + 7) / 8));
          k.actions.buffer_write_bytes += vectors * static_cast<double>(rc.second * ((std::max<int64_t>(L.quant.adc_bits, 1) + 7) / 8));
        }
        for (auto& [x, k] : per_xbar) {
          k.lat_ns = k.occ_ns;
          mg.tasks.push_back(push(std::move(k)));
        }
        groups.push_back(std::move(mg));
        transfer_group(s, 1);
        // Digital ops, in order.
        for (int32_t di : st.digital_ops) {
          const auto& d = prog.digital_ops[static_cast<size_t>(di)];
          if (d.unit == "layout" || d.unit == "adc" || d.ops_per_inference <= 0) continue;
          Group g;
          g.stage = static_cast<int32_t>(s);
          const double ops = static_cast<double>(d.ops_per_inference) / K;
          if (d.scope == Scope::Core) {
            std::vector<int32_t> on;
            for (int32_t core : d.cores) if (in_copy({EndpointKind::Core, core})) on.push_back(core);
            if (on.empty()) on = d.cores;
            const auto& u = cores.digital.at(static_cast<size_t>(d.unit_index));
            for (int32_t core : on) {
              Task k = blank();
              k.res = {r_dig + core * n_core_units + d.unit_index};
              k.core = core;
              k.stage = g.stage;
              const double per = ops / static_cast<double>(on.size());
              k.occ_ns = k.lat_ns = per / unit_ops_per_ns(u);
              k.actions.digital_ops[static_cast<size_t>(d.unit_index)] += per;
              g.tasks.push_back(push(std::move(k)));
            }
          } else {
            Task k = blank();
            k.stage = g.stage;
            if (d.scope == Scope::Chip) {
              const auto& u = chip.digital.at(static_cast<size_t>(d.unit_index));
              k.res = {r_chip + d.unit_index};
              k.occ_ns = ops / unit_ops_per_ns(u);
              k.actions.digital_ops[static_cast<size_t>(n_core_units + d.unit_index)] += ops;
            } else {
              k.res = {r_host};
              k.occ_ns = opt.host_gops > 0 ? ops / opt.host_gops : 0;
              k.actions.digital_ops[static_cast<size_t>(host_class)] += ops;
            }
            k.lat_ns = k.occ_ns;
            g.tasks.push_back(push(std::move(k)));
          }
          groups.push_back(std::move(g));
        }
        }  // steps
        K = chunks;
        transfer_group(s, 2);
      }
      stage_first[static_cast<size_t>(c)].push_back(static_cast<int32_t>(groups.size()));
    }
    // Reload segments: the segment of a stage is its tiles' largest; a new segment starts with a barrier.
    stage_segment.assign(n_stages, 0);
    for (const auto& t : prog.tiles) {
      int32_t& sg = stage_segment[static_cast<size_t>(stage_of_layer[static_cast<size_t>(t.layer)])];
      sg = std::max(sg, t.segment);
    }
    for (size_t s = 1; s < n_stages; ++s) stage_segment[s] = std::max(stage_segment[s], stage_segment[s - 1]);
    const bool reloads = sched.reloads();
    barrier.assign(n_stages, false);
    for (size_t s = 0; s < n_stages; ++s) {
      if (sched.kind == ScheduleKind::LayerByLayer && s > 0) barrier[s] = true;
      if (reloads && (s == 0 || stage_segment[s] != stage_segment[s - 1])) barrier[s] = true;
    }
    sequential_batches = reloads || sched.kind == ScheduleKind::LayerByLayer;
    batch = opt.batch > 0 ? std::min(opt.batch, opt.images) : opt.images;
    if (reloads) build_programming();
  }

  // Per segment: fetch each core's weights from the host, then write them (all of a core's arrays held).
  void build_programming() {
    const auto& pg = chip.cores.programming;
    const double iterations = pg.scheme == chip::ProgrammingScheme::ProgramAndVerify
                                  ? static_cast<double>(opt.verify_iterations.value_or(pg.max_iterations.value_or(1)))
                                  : 1.0;
    const double t_op = pg.scheme == chip::ProgrammingScheme::ProgramAndVerify
                            ? pg.t_init_ns.value_or(0) + iterations * (pg.t_write_ns + pg.t_verify_ns.value_or(0))
                            : pg.t_write_ns;
    for (const auto& seg : prog.schedule.segments) {
      std::map<int32_t, std::pair<double, double>> per_core;  // core → (cells, write ops)
      std::map<int32_t, double> bytes;
      for (int32_t ti : seg.tiles) {
        const auto& t = prog.tiles[static_cast<size_t>(ti)];
        const auto& L = prog.layers[static_cast<size_t>(t.layer)];
        const int64_t cells = t.rows() * t.cols() * L.columns_per_weight;
        per_core[t.core].first += static_cast<double>(cells);
        per_core[t.core].second += ceil_div_d(cells, pg.cells_per_write);
        const int64_t bits_per_cell = L.columns_per_weight > 1 || L.quant.weight_bits <= 1 ? 1 : L.quant.weight_bits;
        bytes[t.core] += static_cast<double>(cells * bits_per_cell) / 8.0;
      }
      ProgramJob job;
      job.groups.resize(2);
      for (const auto& [core, b] : bytes) {
        compiler::Transfer t{{EndpointKind::Host, 0}, {EndpointKind::Core, core}, 0, "weights", TransferKind::Input, 0};
        if (int32_t k = add_transfer(t, b, -1); k >= 0) job.groups[0].push_back(k);
      }
      for (const auto& [core, cw] : per_core) {
        Task k = blank();
        k.stage = -1;
        k.core = core;
        for (int32_t a = 0; a < chip.cores.arrays; ++a) k.res.push_back(xbar(core, a));
        k.occ_ns = k.lat_ns = std::ceil(cw.second / static_cast<double>(pg.parallel_writes)) * t_op;
        k.actions.cells_written += cw.first;
        k.actions.write_operations += cw.second;
        k.actions.write_pulses += cw.second * iterations;
        if (pg.scheme == chip::ProgrammingScheme::ProgramAndVerify) k.actions.verify_reads += cw.second * iterations;
        job.groups[1].push_back(push(std::move(k)));
      }
      program_templ.push_back(std::move(job));
    }
  }

  // --- run ---
  void start_tasks(const std::vector<int32_t>& ids, double now, int64_t owner, int32_t& outstanding) {
    outstanding = static_cast<int32_t>(ids.size());
    for (int32_t id : ids) {
      Task& k = tasks[static_cast<size_t>(id)];
      ++k.executions;
      if (k.transfer) {  // links are taken one by one as the head arrives (hop events)
        queue.push(Event{now, seq++, owner, id, 0});
        continue;
      }
      double start = now;
      for (int32_t r : k.res) start = std::max(start, free_at[static_cast<size_t>(r)]);
      for (int32_t r : k.res) free_at[static_cast<size_t>(r)] = start + k.occ_ns, busy[static_cast<size_t>(r)] += k.occ_ns;
      note_start(owner, start);
      queue.push(Event{start + k.lat_ns, seq++, owner, id, -1});
    }
  }

  void note_start(int64_t owner, double start) {
    if (owner < 0) return;
    Item& it = items[static_cast<size_t>(owner)];
    it.start = it.start < 0 ? start : std::min(it.start, start);
  }

  // A transfer's head reaches link `hop` of its route at `now`: it waits for the link, holds it for
  // the serialisation time, and moves on after the link's latency.
  void hop(const Event& e) {
    const Task& k = tasks[static_cast<size_t>(e.task)];
    const size_t h = static_cast<size_t>(e.hop);
    const auto r = static_cast<size_t>(k.res[h]);
    const double start = std::max(e.t, free_at[r]);
    free_at[r] = start + k.occ_ns;
    busy[r] += k.occ_ns;
    if (h == 0) note_start(e.owner, start);
    if (h + 1 < k.res.size()) {
      queue.push(Event{start + k.hop_ns[h], seq++, e.owner, e.task, e.hop + 1});
    } else {
      queue.push(Event{start + k.hop_ns[h] + k.occ_ns, seq++, e.owner, e.task, -1});
    }
  }

  int32_t stage_of_group(const Item& it, int32_t g) const {
    const auto& f = stage_first[static_cast<size_t>(it.copy)];
    return static_cast<int32_t>(std::upper_bound(f.begin(), f.end(), g) - f.begin()) - 1;
  }

  // The item is about to enter group `g`.
  void enter(int64_t i, int32_t g, double now, bool past_barrier = false) {
    Item& it = items[static_cast<size_t>(i)];
    const auto& groups = templ[static_cast<size_t>(it.copy)];
    const auto& f = stage_first[static_cast<size_t>(it.copy)];
    while (true) {
      it.group = g;
      if (g >= static_cast<int32_t>(groups.size())) {
        finish_stage_if_end(it, g, now);
        it.done = now;
        if (sequential_batches && ++batch_done[static_cast<size_t>(it.batch)] == items_in_batch(it.batch)) launch_batch(it.batch + 1, now);
        return;
      }
      const int32_t s = stage_of_group(it, g);
      finish_stage_if_end(it, g, now);
      if (g == f[static_cast<size_t>(s)]) {
        if (barrier[static_cast<size_t>(s)] && !past_barrier) {
          arrive(it.batch, s, now);
          return;
        }
        it.stage_start = now;
      }
      past_barrier = false;
      const auto& grp = groups[static_cast<size_t>(g)];
      if (grp.tasks.empty()) {
        ++g;
        continue;
      }
      start_tasks(grp.tasks, now, i, it.outstanding);
      return;
    }
  }

  void finish_stage_if_end(Item& it, int32_t g, double now) {
    // Entering the first group of stage s + 1 (or the end) closes stage s.
    const auto& f = stage_first[static_cast<size_t>(it.copy)];
    for (size_t s = 0; s + 1 < f.size(); ++s) {
      if (f[s + 1] == g && f[s] < g) {
        stage_span[s] += now - it.stage_start;
        return;
      }
    }
  }

  int64_t items_in_batch(int64_t b) const {
    const int64_t first = b * batch;
    return (std::min(opt.images, first + batch) - first) * opt.chunks;
  }

  void arrive(int64_t b, int32_t s, double now) {
    if (++arrivals[{b, s}] < items_in_batch(b)) return;
    if (prog.schedule.reloads()) {
      ProgramJob job = program_templ.at(static_cast<size_t>(stage_segment[static_cast<size_t>(s)]));
      job.batch = b;
      job.stage = s;
      jobs.push_back(std::move(job));
      job_advance(static_cast<int64_t>(jobs.size() - 1), now);
      return;
    }
    release_batch(b, s, now);
  }

  void release_batch(int64_t b, int32_t s, double now) {
    const int64_t first = b * batch * opt.chunks, n = items_in_batch(b);
    for (int64_t i = first; i < first + n; ++i) {
      enter(i, stage_first[static_cast<size_t>(items[static_cast<size_t>(i)].copy)][static_cast<size_t>(s)], now, true);
    }
  }

  void job_advance(int64_t j, double now) {
    ProgramJob& job = jobs[static_cast<size_t>(j)];
    while (job.group < job.groups.size() && job.groups[job.group].empty()) ++job.group;
    if (job.group >= job.groups.size()) {
      const int64_t b = job.batch;
      const int32_t s = job.stage;
      release_batch(b, s, now);
      return;
    }
    const std::vector<int32_t> ids = job.groups[job.group];
    ++job.group;
    int32_t out = 0;
    start_tasks(ids, now, -j - 1, out);
    jobs[static_cast<size_t>(j)].outstanding = out;
  }

  void launch_batch(int64_t b, double now) {
    const int64_t first = b * batch * opt.chunks;
    if (first >= opt.images * opt.chunks) return;
    const int64_t n = items_in_batch(b);
    for (int64_t i = first; i < first + n; ++i) enter(i, 0, now);
  }

  void run() {
    const auto t0 = std::chrono::steady_clock::now();
    free_at.assign(static_cast<size_t>(n_res), 0.0);
    busy.assign(static_cast<size_t>(n_res), 0.0);
    stage_span.assign(prog.schedule.stages.size(), 0.0);
    items.clear();
    for (int64_t inf = 0; inf < opt.images; ++inf) {
      for (int64_t c = 0; c < opt.chunks; ++c) {
        Item it;
        it.inference = inf;
        it.copy = static_cast<int32_t>(inf % copies);
        it.batch = inf / batch;
        items.push_back(it);
      }
    }
    batch_done.assign(static_cast<size_t>((opt.images + batch - 1) / batch + 1), 0);
    if (sequential_batches) {
      launch_batch(0, 0.0);
    } else {
      for (int64_t i = 0; i < static_cast<int64_t>(items.size()); ++i) enter(i, 0, 0.0);
    }
    while (!queue.empty()) {
      const Event e = queue.top();
      queue.pop();
      ++events;
      makespan = std::max(makespan, e.t);
      if (e.hop >= 0) {
        hop(e);
      } else if (e.owner >= 0) {
        Item& it = items[static_cast<size_t>(e.owner)];
        if (--it.outstanding == 0) enter(e.owner, it.group + 1, e.t);
      } else {
        const int64_t j = -e.owner - 1;
        if (--jobs[static_cast<size_t>(j)].outstanding == 0) job_advance(j, e.t);
      }
    }
    for (const Item& it : items) {
      if (it.done < 0) throw InternalError("perf: an inference did not finish (deadlocked schedule)");
    }
    wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }

  PerfStats stats() const;

  std::string resource_name(int32_t r) const {
    if (r < r_dig) return fmt::format("core{}.array{}", r / chip.cores.arrays, r % chip.cores.arrays);
    if (r < r_chip) return fmt::format("core{}.{}", (r - r_dig) / n_core_units, chip.cores.digital[static_cast<size_t>((r - r_dig) % n_core_units)].name);
    if (r < r_host) return "chip." + chip.digital[static_cast<size_t>(r - r_chip)].name;
    if (r == r_host) return "host";
    return "link " + noc.links()[static_cast<size_t>(r - r_link)].name;
  }
};

PerfStats PerfSimulator::Impl::stats() const {
  PerfStats st;
  st.chip = chip.name;
  st.model = prog.graph_name;
  st.schedule = compiler::to_string(prog.schedule.kind);
  st.read_mode = mode->name;
  st.images = opt.images;
  st.batch = batch;
  st.chunks = opt.chunks;
  st.segments = static_cast<int64_t>(prog.schedule.segments.size());
  st.makespan_ns = makespan;
  st.events = events;
  st.wall_s = wall_s;
  st.events_per_s = wall_s > 0 ? static_cast<double>(events) / wall_s : 0;
  // Latencies and throughput, per inference (its chunks together).
  std::vector<double> start(static_cast<size_t>(opt.images), 1e300), done(static_cast<size_t>(opt.images), 0);
  for (const Item& it : items) {
    start[static_cast<size_t>(it.inference)] = std::min(start[static_cast<size_t>(it.inference)], it.start);
    done[static_cast<size_t>(it.inference)] = std::max(done[static_cast<size_t>(it.inference)], it.done);
  }
  st.latency_ns = done[0] - start[0];
  double sum = 0;
  for (int64_t i = 0; i < opt.images; ++i) sum += done[static_cast<size_t>(i)] - start[static_cast<size_t>(i)];
  st.mean_latency_ns = sum / static_cast<double>(opt.images);
  std::vector<double> sorted = done;
  std::sort(sorted.begin(), sorted.end());
  const int64_t warm = sequential_batches ? batch : 1;
  if (opt.images >= 2 * warm && sorted.back() > sorted[static_cast<size_t>(warm - 1)]) {
    st.inferences_per_s = static_cast<double>(opt.images - warm) / ((sorted.back() - sorted[static_cast<size_t>(warm - 1)]) * 1e-9);
  } else {
    st.inferences_per_s = static_cast<double>(opt.images) / (makespan * 1e-9);
  }
  // Critical path of one inference: Σ over copy 0's groups of the slowest task (× chunks: one after another).
  for (const auto& g : templ[0]) {
    double m = 0;
    for (int32_t k : g.tasks) m = std::max(m, tasks[static_cast<size_t>(k)].lat_ns);
    st.critical_path_ns += m;
  }
  // MACs.
  for (const auto& L : prog.layers) st.macs_per_inference += static_cast<double>(L.vectors_per_inference * L.groups * L.group_rows * L.group_cols);
  for (const auto& d : prog.digital_ops) {
    if (d.layer < 0 && (d.op == "Conv" || d.op == "MatMul" || d.op == "Gemm")) st.macs_per_inference += static_cast<double>(d.ops_per_inference) / 2.0;
  }
  st.tops = 2.0 * st.macs_per_inference * st.inferences_per_s * 1e-12;
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
  // Service time per stage: the busiest resource's occupancy per inference (copy 0's template).
  for (const auto& g : templ[0]) {
    for (int32_t id : g.tasks) {
      const Task& k = tasks[static_cast<size_t>(id)];
      auto& occ = stage_res_occ[static_cast<size_t>(g.stage)];
      if (occ.empty()) occ.assign(static_cast<size_t>(n_res), 0.0);
      for (int32_t r : k.res) occ[static_cast<size_t>(r)] += k.occ_ns * static_cast<double>(opt.chunks);
    }
  }
  {
    // The busiest resource over a whole inference (a link may serve several stages).
    std::vector<double> occ(static_cast<size_t>(n_res), 0.0);
    for (const auto& g : templ[0]) {
      for (int32_t id : g.tasks) {
        const Task& k = tasks[static_cast<size_t>(id)];
        for (int32_t r : k.res) occ[static_cast<size_t>(r)] += k.occ_ns * static_cast<double>(opt.chunks);
      }
    }
    const auto it = std::max_element(occ.begin(), occ.end());
    st.bottleneck_resource_ns = *it;
    st.bottleneck_resource = resource_name(static_cast<int32_t>(it - occ.begin()));
    // The steady-state estimate can overshoot when completions bunch (interleaved recurrent inputs):
    // keep it between the whole run's average and the busiest resource's bound (copies in parallel).
    if (st.bottleneck_resource_ns > 0) {
      st.inferences_per_s = std::min(st.inferences_per_s, static_cast<double>(copies) / (st.bottleneck_resource_ns * 1e-9));
    }
    st.inferences_per_s = std::max(st.inferences_per_s, static_cast<double>(opt.images) / (makespan * 1e-9));
    st.tops = 2.0 * st.macs_per_inference * st.inferences_per_s * 1e-12;
  }
  for (const auto& j : program_templ) {
    for (const auto& grp : j.groups) {
      double m = 0;
      for (int32_t id : grp) m = std::max(m, tasks[static_cast<size_t>(id)].lat_ns);
      st.programming_ns += m * static_cast<double>(jobs.size()) / static_cast<double>(std::max<size_t>(1, program_templ.size()));
    }
  }
  for (size_t s = 0; s < n_stages; ++s) {
    const auto& stg = prog.schedule.stages[s];
    LayerStats ls;
    ls.stage = static_cast<int32_t>(s);
    for (int32_t l : stg.layers) {
      const auto& L = prog.layers[static_cast<size_t>(l)];
      ls.name += (ls.name.empty() ? "" : "+") + L.name;
      ls.macs_per_inference += static_cast<double>(L.vectors_per_inference * L.groups * L.group_rows * L.group_cols);
    }
    ls.cores = stg.cores;
    ls.actions = per_stage[s];
    ls.mvms_per_inference = ls.actions.array_mvms() / static_cast<double>(opt.images);
    ls.energy = table->price(ls.actions);
    if (!stage_res_occ[s].empty()) ls.service_ns = *std::max_element(stage_res_occ[s].begin(), stage_res_occ[s].end());
    ls.time_ns = stage_span[s] / static_cast<double>(opt.images * opt.chunks) * static_cast<double>(opt.chunks);
    if (ls.service_ns > st.bottleneck_service_ns) {
      st.bottleneck_service_ns = ls.service_ns;
      st.bottleneck_stage = ls.stage;
      st.bottleneck = ls.name;
    }
    st.layers.push_back(std::move(ls));
  }
  const int32_t arrays = static_cast<int32_t>(chip.cores.arrays);
  for (int32_t c = 0; c < chip.cores.count; ++c) {
    CoreStats cs;
    cs.core = c;
    for (int32_t a = 0; a < arrays; ++a) cs.crossbar_busy_ns += busy[static_cast<size_t>(xbar(c, a))];
    for (int32_t u = 0; u < n_core_units; ++u) cs.digital_busy_ns += busy[static_cast<size_t>(r_dig + c * n_core_units + u)];
    cs.actions = per_core[static_cast<size_t>(c)];
    cs.energy = table->price(cs.actions);
    st.cores.push_back(std::move(cs));
  }
  for (size_t l = 0; l < noc.links().size(); ++l) {
    const double b = busy[static_cast<size_t>(r_link) + l];
    if (b <= 0) continue;
    LinkStats ls;
    ls.name = noc.links()[l].name;
    ls.busy_ns = b;
    ls.bytes = b * noc.links()[l].bytes_per_ns;
    st.link_class_util = std::max(st.link_class_util, makespan > 0 ? b / makespan : 0);
    st.links.push_back(std::move(ls));
  }
  std::sort(st.links.begin(), st.links.end(), [](const LinkStats& a, const LinkStats& b) { return a.busy_ns > b.busy_ns; });
  st.energy = table->price(st.actions);
  const double dynamic_pj = st.energy.total_pj();
  st.energy.pj["static"] = table->static_power_w() * makespan * 1e3;  // W · ns = nJ → pJ
  st.dynamic_energy_per_inference_j = dynamic_pj * 1e-12 / static_cast<double>(opt.images);
  st.energy_per_inference_j = st.energy.total_pj() * 1e-12 / static_cast<double>(opt.images);
  st.tops_per_w = st.energy_per_inference_j > 0 ? 2.0 * st.macs_per_inference / st.energy_per_inference_j * 1e-12 : 0;
  st.tops_per_w_dynamic = st.dynamic_energy_per_inference_j > 0 ? 2.0 * st.macs_per_inference / st.dynamic_energy_per_inference_j * 1e-12 : 0;
  st.unpriced = table->unpriced(st.actions);
  for (const auto& w : warnings) st.unpriced.push_back("warning: " + w);
  return st;
}

PerfSimulator::PerfSimulator(const chip::ChipSpec& chip, const Program& program, PerfOptions options)
    : m(new Impl(chip, program, std::move(options))) {}
PerfSimulator::~PerfSimulator() { delete m; }
void PerfSimulator::setup() { m->setup(); }
void PerfSimulator::run() { m->run(); }
PerfStats PerfSimulator::stats() const { return m->stats(); }

PerfStats simulate(const chip::ChipSpec& chip, const Program& program, const PerfOptions& options) {
  PerfSimulator sim(chip, program, options);
  sim.setup();
  sim.run();
  PerfStats st = sim.stats();
  if (options.images > 1) {
    // The latency is that of one inference on an idle chip (under load, inferences released together
    // queue behind each other: mean_latency_ns).
    PerfOptions one = options;
    one.images = 1;
    one.batch = 1;
    PerfSimulator alone(chip, program, one);
    alone.setup();
    alone.run();
    const PerfStats a = alone.stats();
    st.latency_ns = a.latency_ns;
    st.events += a.events;
    st.wall_s += a.wall_s;
    st.events_per_s = st.wall_s > 0 ? static_cast<double>(st.events) / st.wall_s : 0;
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
  compiler::Layer L;
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
  compiler::Stage st;
  compiler::Segment seg;
  for (int32_t r = 0; r < L.replicas; ++r) {
    compiler::Tile t;
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
