// setup(): resolve the Program into task templates (per network copy and stage) and reload jobs.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <tuple>
#include <unordered_map>

#include "chip/mvm_actions.h"
#include "chip/peak.h"
#include "chip/schema/schema.h"
#include "core/error.h"
#include "program/evaluations.h"
#include "program/replicas.h"
#include "sim/perf/perf_impl.h"
#include "sim/perf/slices.h"

namespace aimc::perf {

using detail::ceil_div_d;
using program::EndpointKind;
using program::Program;
using program::ScheduleKind;
using program::Scope;
using program::TransferKind;

namespace {
// The share of a full drive a row of layer L takes on average (1 without a measured activity): a
// PWM pulse lasts |code| LSBs, a DAC drives only non-zero codes, a bit-plane only the rows whose bit
// is 1 (Jia et al.: zero inputs masked, energy proportional to sparsity).
double drive_activity(const program::Layer& L, chip::InputKind kind) {
  if (!L.quant.activity) return 1.0;
  switch (kind) {
    case chip::InputKind::Pwm:
      return L.quant.activity->mean_magnitude;
    case chip::InputKind::Dac:
      return 1.0 - L.quant.activity->zero_fraction;
    case chip::InputKind::BitSerial:
      return L.quant.activity->ones_fraction;
  }
  return 1.0;
}
}  // namespace

double PerfSimulator::Impl::unit_ops_per_ns(const chip::DigitalUnitSpec& u) const {
  return u.ops_per_cycle * static_cast<double>(u.count) * u.clock_mhz.value_or(chip.clock_mhz) * 1e-3;
}

int32_t PerfSimulator::Impl::add_transfer(const program::Transfer& t, double bytes, int32_t stage,
                                          std::vector<int32_t>* carried) {
  std::vector<int32_t> path = noc.route(t.from, t.to);
  if (path.empty() || bytes <= 0) return -1;
  const bool branch = carried != nullptr && !carried->empty();
  Task k = blank();
  k.stage = stage;
  double bw = 0, lat = 0;
  for (int32_t l : path) {
    const noc::Link& link = noc.links()[static_cast<size_t>(l)];
    if (link.bytes_per_ns > 0) bw = bw == 0 ? link.bytes_per_ns : std::min(bw, link.bytes_per_ns);
    lat += link.latency_ns;
    if (carried != nullptr && std::find(carried->begin(), carried->end(), l) != carried->end()) {
      if (k.res.empty()) k.lead_ns += link.latency_ns;  // the shared prefix: the data is already on its way
      continue;
    }
    if (carried != nullptr) carried->push_back(l);
    k.res.push_back(r_link + l);
    k.hop_ns.push_back(link.latency_ns);
    if (link.cls >= 0) k.actions.bit_hops[static_cast<size_t>(link.cls)] += 8.0 * bytes;
  }
  k.occ_ns = bw > 0 ? bytes / bw : 0;  // every link held while the route's slowest one passes the data
  k.lat_ns = lat + k.occ_ns;
  k.bytes = bytes;
  k.transfer = !k.res.empty();  // a branch with no links of its own arrives with the copy it shares
  if (t.from.kind == EndpointKind::Core) {
    if (!branch) k.actions.buffer_read_bytes += bytes;  // the source reads the data once
    k.core = t.from.index;
  }
  if (t.to.kind == EndpointKind::Core) {
    k.actions.buffer_write_bytes += bytes;
    if (k.core < 0) k.core = t.to.index;
  }
  if (t.from.kind == EndpointKind::Host || t.to.kind == EndpointKind::Host) k.actions.offchip_bytes += bytes;
  return push(std::move(k));
}

int32_t PerfSimulator::Impl::push(Task k) {
  k.actions.digital_ops.resize(static_cast<size_t>(host_class + 1), 0.0);
  k.actions.bit_hops.resize(noc.class_names().size(), 0.0);
  tasks.push_back(std::move(k));
  return static_cast<int32_t>(tasks.size() - 1);
}

Task PerfSimulator::Impl::blank() const {
  Task k;
  k.actions.resize(static_cast<size_t>(host_class + 1), noc.class_names().size());
  return k;
}

void PerfSimulator::Impl::setup() {
  if (opt.chunks == 0) {
    chunks_candidates = auto_slice_candidates(prog);
    opt.chunks = choose_slices(chip, prog, opt);
  }
  sliced = sliced_stages(prog, opt.chunks);
  resumes.assign(sliced.size(), 0);
  for (size_t s = sliced.size(); s-- > 1;) resumes[s - 1] = static_cast<char>(resumes[s] != 0 || sliced[s] != 0);
  halo = stage_halos(prog, opt.chunks);
  any_halo = std::any_of(halo.begin(), halo.end(), [](double h) { return h > 0; });
  setup_resources();
  const auto& sched = prog.schedule;
  if (sched.stages.empty()) throw Error("the Program has no stages", ErrorContext{.field = "schedule.stages"});
  data_parallel = sched.kind == ScheduleKind::DataParallel;
  copies = data_parallel ? static_cast<int32_t>(std::max<int64_t>(1, sched.network_replicas)) : 1;
  // Network copies of each core (data-parallel): the replicas of the tiles it holds.
  copies_of_core.assign(static_cast<size_t>(chip.cores.count), {});
  if (data_parallel) {
    for (const auto& t : prog.tiles) {
      auto& on = copies_of_core[static_cast<size_t>(t.core)];
      const int32_t c = t.replica % copies;
      if (std::find(on.begin(), on.end(), c) == on.end()) on.push_back(c);
    }
  }
  copies_unnamed = data_parallel && copies > 1 &&
                   std::none_of(prog.transfers.begin(), prog.transfers.end(), [](const auto& t) { return t.copy >= 0; });
  const StageTransfers xfers = transfers_by_stage();
  templ.assign(static_cast<size_t>(copies), {});
  stage_first.assign(static_cast<size_t>(copies), {});
  buffer_at.assign(static_cast<size_t>(copies), {});
  for (int32_t c = 0; c < copies; ++c) build_copy(c, xfers);
  setup_segments_and_barriers();
  setup_stage_times();
  setup_buffers(xfers);
  batch = opt.batch > 0 ? std::min(opt.batch, opt.images) : opt.images;
  if (sched.reloads()) build_programming();
  setup_stage_lines();  // every task made (the programming jobs' too)
}

void PerfSimulator::Impl::setup_stage_lines() {
  line_of.assign(tasks.size(), -1);
  std::map<std::tuple<int32_t, int32_t, int32_t>, int32_t> ids;  // (resource, copy, stage) → line
  for (int32_t c = 0; c < copies; ++c) {
    for (const Group& g : templ[static_cast<size_t>(c)]) {
      for (int32_t id : g.tasks) {
        const Task& k = tasks[static_cast<size_t>(id)];
        if (k.transfer || k.res.size() != 1 || k.stage < 0 || line_of[static_cast<size_t>(id)] >= 0) continue;
        line_of[static_cast<size_t>(id)] =
            ids.try_emplace({k.res[0], c, k.stage}, static_cast<int32_t>(ids.size())).first->second;
      }
    }
  }
  lines.assign(ids.size(), StageLine{});
}

void PerfSimulator::Impl::setup_resources() {
  const auto& cores = chip.cores;
  mode = opt.read_mode.empty() ? &cores.read_modes.front() : chip::find_named(cores.read_modes, opt.read_mode);
  if (mode == nullptr)
    throw Error(fmt::format("chip '{}' has no read mode '{}'", chip.name, opt.read_mode), ErrorContext{.field = "read_mode"});
  check_options(opt);
  // Digital unit classes: per-core units, chip units, the host.
  std::vector<std::optional<double>> unit_e;
  for (const auto& u : cores.digital) unit_names.push_back("core." + u.name), unit_e.push_back(u.e_op_pj);
  for (const auto& u : chip.digital) unit_names.push_back("chip." + u.name), unit_e.push_back(u.e_op_pj);
  n_core_units = static_cast<int32_t>(cores.digital.size());
  n_chip_units = static_cast<int32_t>(chip.digital.size());
  host_class = n_core_units + n_chip_units;
  table = std::make_unique<EnergyTable>(chip, *mode, unit_names, unit_e, noc.class_names(), noc.class_e_bit_hop_pj());
  // Resources: crossbars, per-core digital units, chip units, the host, the network's links.
  const int32_t n_xbar = static_cast<int32_t>(cores.count * cores.arrays);
  r_dig = n_xbar;
  r_chip = r_dig + static_cast<int32_t>(cores.count) * n_core_units;
  r_host = r_chip + n_chip_units;
  r_link = r_host + 1;
  n_res = r_link + static_cast<int32_t>(noc.links().size());
}

PerfSimulator::Impl::StageTransfers PerfSimulator::Impl::transfers_by_stage() {
  const auto& sched = prog.schedule;
  const size_t n_stages = sched.stages.size();
  // Stage of each layer, digital op node and produced value (STYLE P6: resolved once, here).
  std::unordered_map<std::string, int32_t> stage_of_value, own_layer;
  for (const auto& st : sched.stages) {
    for (int32_t l : st.layers) {
      stage_of_value[prog.layers[static_cast<size_t>(l)].output_value] = st.id;
      own_layer[prog.layers[static_cast<size_t>(l)].name] = st.id;
    }
    for (int32_t d : st.digital_ops) stage_of_value[prog.digital_ops[static_cast<size_t>(d)].node] = st.id;
  }
  // Transfers → (stage, phase): 0 at its start (inputs), 1 after the digital ops ahead of the MVMs, 2 after the MVMs
  // (a layer's own), 3 after the digital ops — the Program's Transfer::stage/at; a Program without them (older) is
  // matched by value name.
  StageTransfers xfers(n_stages);
  int64_t unmapped = 0;
  for (size_t i = 0; i < prog.transfers.size(); ++i) {
    const auto& t = prog.transfers[i];
    int32_t stage = -1, phase = 3;
    if (t.stage >= 0 && t.stage < static_cast<int32_t>(n_stages)) {
      stage = t.stage;
      static_assert(static_cast<int>(program::TransferAt::End) == 3, "phases follow TransferAt's order");
      phase = static_cast<int32_t>(t.at);
    } else if (t.kind == TransferKind::Input) {
      stage = 0, phase = 0;
    } else if (t.kind == TransferKind::Output) {
      stage = static_cast<int32_t>(n_stages) - 1;
    }
    if (stage < 0) {
      const auto c = t.value.rfind(':');
      if (c != std::string::npos && own_layer.count(t.value.substr(0, c))) {
        stage = own_layer[t.value.substr(0, c)], phase = 2;
      } else if (c != std::string::npos && stage_of_value.count(t.value.substr(0, c))) {
        stage = stage_of_value[t.value.substr(0, c)], phase = 2;  // an operand read back for a digital op ("add:residual")
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
  return xfers;
}

bool PerfSimulator::Impl::in_copy(const program::Endpoint& e, int32_t copy) const {
  if (!data_parallel || e.kind != EndpointKind::Core) return true;
  const auto& on = copies_of_core[static_cast<size_t>(e.index)];
  return on.empty() || std::find(on.begin(), on.end(), copy) != on.end();
}

double PerfSimulator::Impl::copy_factor(const program::Transfer& t, int32_t copy) const {
  if (!data_parallel) return 1.0;
  if (!copies_unnamed) return t.copy < 0 ? 1.0 : (t.copy == copy ? static_cast<double>(copies) : 0.0);
  if (!in_copy(t.from, copy) || !in_copy(t.to, copy)) return 0.0;
  // The copies both ends serve: an end that is not a core with tiles serves every copy.
  const auto served = [&](const program::Endpoint& e) -> const std::vector<int32_t>* {
    if (e.kind != EndpointKind::Core || copies_of_core[static_cast<size_t>(e.index)].empty()) return nullptr;
    return &copies_of_core[static_cast<size_t>(e.index)];
  };
  const std::vector<int32_t>*a = served(t.from), *b = served(t.to);
  int64_t both = copies;
  if (a && b) {
    both = std::count_if(a->begin(), a->end(), [&](int32_t c) { return std::find(b->begin(), b->end(), c) != b->end(); });
  } else if (a || b) {
    both = static_cast<int64_t>((a ? a : b)->size());
  }
  return static_cast<double>(copies) / static_cast<double>(std::max<int64_t>(both, 1));
}

void PerfSimulator::Impl::build_copy(int32_t c, const StageTransfers& xfers) {
  auto& groups = templ[static_cast<size_t>(c)];
  for (size_t s = 0; s < prog.schedule.stages.size(); ++s) {
    const auto& st = prog.schedule.stages[s];
    const auto chunks = static_cast<double>(items_per_inference_at(s));
    stage_first[static_cast<size_t>(c)].push_back(static_cast<int32_t>(groups.size()));
    // The network's input takes room in stage 0 before it is sent, as any transfer into a stage does (a
    // DMA writes into buffers it holds): the first stage's room paces the inputs the host streams in.
    if (s == 0) buffer_at[static_cast<size_t>(c)].push_back(0);
    const size_t first = groups.size();
    add_transfer_group(c, s, xfers[s][0], chunks, groups);
    // Digital ops ahead of the MVMs (an input's normalisation, an embedding), once per item, and what they made.
    const auto ahead = static_cast<size_t>(st.digital_ops_before_mvms);
    add_digital_groups(c, s, 0, ahead, chunks, groups);
    add_transfer_group(c, s, xfers[s][1], chunks, groups);
    for (size_t g = first; g < groups.size(); ++g) groups[g].ahead = ahead > 0;
    // A recurrent layer (LSTM, GRU) runs its time steps one after another: step t needs h(t−1), so the
    // MVMs, the layer's own transfers and the stage's digital ops repeat once per step.
    int64_t steps = 1;
    for (int32_t l : st.layers) {
      const auto& L = prog.layers[static_cast<size_t>(l)];
      if (program::is_recurrent(L.kind)) steps = std::max<int64_t>(steps, L.vectors_per_inference);
    }
    const double share = chunks * static_cast<double>(steps);  // the share of an inference one group carries
    for (int64_t step = 0; step < steps; ++step) {
      groups.push_back(mvm_group(c, s, step, steps, share));
      add_transfer_group(c, s, xfers[s][2], share, groups);
      add_digital_groups(c, s, ahead, st.digital_ops.size(), share, groups);
    }
    // The transfers at its end send the item's output to the next stage: it takes room there first.
    if (s + 1 < prog.schedule.stages.size()) buffer_at[static_cast<size_t>(c)].push_back(static_cast<int32_t>(groups.size()));
    add_transfer_group(c, s, xfers[s][3], chunks, groups);
  }
  stage_first[static_cast<size_t>(c)].push_back(static_cast<int32_t>(groups.size()));
}

void PerfSimulator::Impl::add_transfer_group(int32_t c, size_t s, const std::vector<int32_t>& ids, double share,
                                             std::vector<Group>& groups) {
  Group g;
  g.stage = static_cast<int32_t>(s);
  std::map<int32_t, std::vector<int32_t>> carried;  // per multicast group: the links it takes
  for (int32_t i : ids) {
    const auto& t = prog.transfers[static_cast<size_t>(i)];
    const double factor = copy_factor(t, c);
    if (factor <= 0) continue;
    const double bytes = static_cast<double>(t.bytes_per_inference) * factor / share;
    std::vector<int32_t>* links = t.multicast >= 0 ? &carried[t.multicast] : nullptr;
    if (int32_t k = add_transfer(t, bytes, g.stage, links); k >= 0) g.tasks.push_back(k);
  }
  if (!g.tasks.empty()) groups.push_back(std::move(g));
}

Group PerfSimulator::Impl::mvm_group(int32_t c, size_t s, int64_t step, int64_t steps, double share) {
  const auto& cores = chip.cores;
  const auto chunks = static_cast<double>(items_per_inference_at(s));
  const bool skips_planes = cores.input.kind == chip::InputKind::BitSerial && cores.input.skip_zero_planes;
  // MVMs: per crossbar, Σ over its (layer, replica) of the replica's vectors.
  Group mg;
  mg.stage = static_cast<int32_t>(s);
  std::map<int32_t, Task> per_xbar;
  std::map<int32_t, double> fill_ns;  // per crossbar: the last job's streaming beyond its interval (job.overlap)
  // (xbar, layer, replica) → its tiles there, then their array evaluations.
  std::map<std::tuple<int32_t, int32_t, int32_t>, std::vector<int32_t>> on_xbar;
  for (int32_t l : prog.schedule.stages[s].layers) {
    for (int32_t ti : prog.tiles_of(l)) {
      const auto& t = prog.tiles[static_cast<size_t>(ti)];
      if (data_parallel && t.replica % copies != c) continue;
      on_xbar[{xbar(t.core, t.array), l, t.replica}].push_back(ti);
    }
  }
  for (const auto& [key, xtiles] : on_xbar) {
    const auto& [x, l, r] = key;
    const auto& L = prog.layers[static_cast<size_t>(l)];
    const int64_t R = data_parallel ? 1 : std::max<int64_t>(1, L.replicas);
    const int64_t rr = data_parallel ? 0 : r % R;
    // A recurrent layer's step t is its vector t, computed whole by replica t mod R (replicas
    // take turns; step t + 1 still waits for step t).
    const bool recurrent = steps > 1 && program::is_recurrent(L.kind);
    if (recurrent && rr != step % R) continue;
    const double vectors = recurrent ? 1.0 / chunks : static_cast<double>(program::replica_vectors(L, R, rr)) / share;
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
    // A bit-serial chip that skips all-zero bit-planes neither evaluates nor converts them (the share of
    // planes measured empty on the calibration data), and its MVMs take that much less time.
    const double skipped = skips_planes && L.quant.activity ? L.quant.activity->empty_plane_fraction : 0.0;
    // Each array evaluation is one MVM: the evaluations of one crossbar run in turn (its task's
    // occupancy is their sum), each driving its own rows and converting its own columns.
    for (const program::Evaluation& ev : program::array_evaluations(prog, xtiles)) {
      const int64_t rows = ev.rows, cols = ev.cols;
      const chip::MvmActionCounts a =
          chip::mvm_action_counts(cores, *mode, bits, L.quant.adc_bits, std::min(rows, cores.rows), std::min(cols, cores.cols));
      const double interval = chip::mvm_interval_ns(chip, *mode, bits, rows, cols);
      k.occ_ns += vectors * readout * interval * (1.0 - skipped);
      if (vectors > 0) fill_ns[x] = std::max(fill_ns[x], chip::mvm_latency_ns(chip, *mode, bits, rows, cols) - interval);
      k.actions.array_mvms_by_bits[static_cast<size_t>(bits)] += vectors;
      k.actions.array_evaluations += vectors * static_cast<double>(a.evaluations) * (1.0 - skipped);
      k.actions.adc_conversions += vectors * static_cast<double>(a.conversions) * (1.0 - skipped);
      k.actions.adc_output_activity += vectors * static_cast<double>(a.conversions) * (1.0 - skipped) *
                                       (L.quant.activity ? L.quant.activity->mean_output_fraction : 1.0);
      k.actions.skipped_planes_by_bits[static_cast<size_t>(bits)] += vectors * skipped;
      k.actions.skipped_conversions += vectors * static_cast<double>(a.conversions) * skipped;
      k.actions.dac_drives += vectors * static_cast<double>(a.row_drives);
      k.actions.dac_drive_activity += vectors * static_cast<double>(a.row_drives) * drive_activity(L, cores.input.kind);
      k.actions.buffer_read_bytes += vectors * static_cast<double>(rows * ((bits + 7) / 8));
      k.actions.buffer_write_bytes +=
          vectors * static_cast<double>(cols / L.columns_per_weight * ((std::max<int64_t>(L.quant.adc_bits, 1) + 7) / 8));
    }
  }
  for (auto& [x, k] : per_xbar) {
    k.lat_ns = k.occ_ns + fill_ns[x];
    mg.tasks.push_back(push(std::move(k)));
  }
  return mg;
}

void PerfSimulator::Impl::add_digital_groups(int32_t c, size_t s, size_t first, size_t last, double share,
                                             std::vector<Group>& groups) {
  const auto& ops = prog.schedule.stages[s].digital_ops;
  for (size_t i = first; i < last && i < ops.size(); ++i) {
    const int32_t di = ops[i];
    const auto& d = prog.digital_ops[static_cast<size_t>(di)];
    if (d.unit == "layout" || d.unit == "adc" || d.ops_per_inference <= 0) continue;
    Group g;
    g.stage = static_cast<int32_t>(s);
    const double ops = static_cast<double>(d.ops_per_inference) / share;
    if (d.scope == Scope::Core) {
      std::vector<int32_t> on;
      for (int32_t core : d.cores)
        if (in_copy({EndpointKind::Core, core}, c)) on.push_back(core);
      if (on.empty()) on = d.cores;
      const auto& u = chip.cores.digital.at(static_cast<size_t>(d.unit_index));
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
        const double gops = opt.host_gops.value_or(chip.host.gops);
        k.occ_ns = gops > 0 ? ops / gops : 0;
        k.actions.digital_ops[static_cast<size_t>(host_class)] += ops;
      }
      k.lat_ns = k.occ_ns;
      g.tasks.push_back(push(std::move(k)));
    }
    groups.push_back(std::move(g));
  }
}

void PerfSimulator::Impl::setup_segments_and_barriers() {
  const auto& sched = prog.schedule;
  const size_t n_stages = sched.stages.size();
  std::vector<int32_t> stage_of_layer(prog.layers.size(), 0);
  for (const auto& st : sched.stages) {
    for (int32_t l : st.layers) stage_of_layer[static_cast<size_t>(l)] = st.id;
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
    if (barrier[s]) halo[s] = 0;  // the batch's every slice is there
  }
  sequential_batches = reloads || sched.kind == ScheduleKind::LayerByLayer;
}

void PerfSimulator::Impl::setup_stage_times() {
  GroupScratch occ(n_res);
  stage_time.assign(static_cast<size_t>(copies), std::vector<double>(prog.schedule.stages.size(), 0.0));
  ahead_time = stage_time;
  lead_time = stage_time;
  for (int32_t c = 0; c < copies; ++c) {
    std::vector<char> working(prog.schedule.stages.size(), 0);  // a group of the stage started its rows' work
    for (const Group& g : templ[static_cast<size_t>(c)]) {
      if (g.tasks.empty()) continue;
      const double t = group_time(g.tasks, nullptr, occ);
      const auto s = static_cast<size_t>(g.stage);
      stage_time[static_cast<size_t>(c)][s] += t;
      if (g.ahead) ahead_time[static_cast<size_t>(c)][s] += t;
      const bool work = !g.ahead && std::any_of(g.tasks.begin(), g.tasks.end(),
                                                [&](int32_t k) { return !tasks[static_cast<size_t>(k)].transfer; });
      working[s] = static_cast<char>(working[s] != 0 || work);
      if (working[s] == 0) lead_time[static_cast<size_t>(c)][s] += t;
    }
  }
}

void PerfSimulator::Impl::setup_buffers(const StageTransfers& xfers) {
  const size_t n = prog.schedule.stages.size();
  // The bytes a stage's cores receive per inference: the stage before's transfers at its end and its own
  // at its start that go to a core.
  // (A data-parallel Program's transfers of one copy carry its bytes averaged over the copies: copy_factor.)
  buffer_core_bytes.assign(n, {});
  for (size_t s = 0; s < n; ++s) {
    std::map<std::pair<int32_t, int32_t>, double> on_core;  // (core, copy) → bytes
    const auto add = [&](const std::vector<int32_t>& ids) {
      for (int32_t id : ids) {
        const auto& t = prog.transfers[static_cast<size_t>(id)];
        if (t.to.kind != EndpointKind::Core) continue;
        const auto b = static_cast<double>(t.bytes_per_inference);
        if (!data_parallel) {
          on_core[{t.to.index, -1}] += b;
          continue;
        }
        for (int32_t c = 0; c < copies; ++c) {
          if (const double factor = copy_factor(t, c); factor > 0) on_core[{t.to.index, c}] += b * factor;
        }
      }
    };
    add(xfers[s][0]);
    if (s > 0) add(xfers[s - 1][3]);
    for (const auto& [key, bytes] : on_core) buffer_core_bytes[s].push_back(CoreBytes{key.first, key.second, bytes});
  }
  buffer_room.assign(n, std::numeric_limits<int64_t>::max());
  const bool asked = opt.stage_buffers.value_or(0) > 0;
  if (sequential_batches && asked)
    warnings.push_back(
        "stage buffers are not bounded under a layer-by-layer schedule or reload segments (the batch is "
        "held whole between stages)");
  buffers = sequential_batches ? 0 : opt.stage_buffers.value_or(kDefaultStageBuffers);
  if (buffers > 0) {
    for (size_t s = 0; s < n; ++s) {
      // Room in slices. What the stage holds to work on one item (`held`): the item and the producer's
      // slices its halo reads whole beside it, or a whole inference where the slices gather or split again
      // (they come in, or go on, together). Each of N − 1 more items of room takes one more arriving item
      // (as the stage before sends it: an inference where it ran whole), so that double buffering receives
      // the next item while the stage works on one with its halo; the slice a halo reads a share of is
      // that arriving one (its first rows come in first). At least what the stage needs to go on: the
      // item and every slice its halo reads.
      const int64_t item = slices_per_item_at(s);
      int64_t held = item + whole_halo_slices(s);
      int64_t need = sliced[s] != 0 && halo[s] > 0 ? static_cast<int64_t>(std::ceil(halo[s])) + 1 : item;
      if (s > 0 && sliced[s] != sliced[s - 1]) held = need = opt.chunks;
      const int64_t arriving = slices_per_item_at(s > 0 ? s - 1 : s);
      buffer_room[s] = std::max({buffers * item, need, held + (buffers - 1) * arriving});
    }
  }
  buffered.assign(static_cast<size_t>(copies), std::vector<int64_t>(n, 0));
  buffered_peak = buffered;
  buffer_wait.assign(static_cast<size_t>(copies), std::vector<std::deque<std::pair<int64_t, int32_t>>>(n));
}

double PerfSimulator::Impl::group_time(const std::vector<int32_t>& ids, int32_t* longest, GroupScratch& scratch,
                                       const std::vector<int32_t>* ahead) const {
  const auto alone_ns = [](const Task& k) {
    if (!k.transfer) return k.lat_ns;
    double t = k.lead_ns + k.occ_ns;
    for (double h : k.hop_ns) t += h;
    return t;
  };
  // A transfer reaches hop h's link after its lead and the hops before, holds it for its occupancy and
  // then still crosses the links after (their latencies; its occupancy is paid once, at the last hop). A
  // unit's task holds its resources from its start for its occupancy and ends after its latency.
  // f(resource, when the task reaches it, the least time it still needs once it let it go).
  const auto each_hold = [](const Task& k, const auto& f) {
    double reach = k.transfer ? k.lead_ns : 0.0;
    for (size_t h = 0; h < k.res.size(); ++h) {
      double after = k.lat_ns - k.occ_ns;
      if (k.transfer) {
        after = 0;
        for (size_t j = h; j < k.hop_ns.size(); ++j) after += k.hop_ns[j];
      }
      f(static_cast<size_t>(k.res[h]), reach, after);
      if (k.transfer && h < k.hop_ns.size()) reach += k.hop_ns[h];
    }
  };
  double alone = 0;
  for (int32_t id : ids) {
    const Task& k = tasks[static_cast<size_t>(id)];
    const double a = alone_ns(k);
    if (a >= alone) {
      alone = a;
      if (longest != nullptr) *longest = id;
    }
    each_hold(k, [&](size_t r, double reach, double after) {
      scratch.load[r] += k.occ_ns;
      scratch.reach[r] = std::min(scratch.reach[r], reach);
      scratch.after[r] = std::min(scratch.after[r], after);
    });
  }
  if (ahead != nullptr) {
    for (int32_t id : *ahead) {
      const Task& k = tasks[static_cast<size_t>(id)];
      each_hold(k, [&](size_t r, double reach, double) {
        if (reach > scratch.reach[r] || scratch.reach[r] >= GroupScratch::kNever) return;
        scratch.ahead_load[r] += k.occ_ns;
        scratch.ahead_reach[r] = std::min(scratch.ahead_reach[r], reach);
      });
    }
  }
  double queued = 0;
  for (int32_t id : ids) {
    for (int32_t res : tasks[static_cast<size_t>(id)].res) {
      const auto r = static_cast<size_t>(res);
      if (scratch.reach[r] < GroupScratch::kNever) {
        queued = std::max(queued, std::min(scratch.reach[r], scratch.ahead_reach[r]) + scratch.ahead_load[r] + scratch.load[r] +
                                      scratch.after[r]);
      }
      scratch.load[r] = scratch.ahead_load[r] = 0;
      scratch.reach[r] = scratch.after[r] = scratch.ahead_reach[r] = GroupScratch::kNever;
    }
  }
  return std::max(alone, queued);
}

// Per segment: fetch each core's weights from the host, then write them (all of a core's arrays held).
void PerfSimulator::Impl::build_programming() {
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
      program::Transfer t{{EndpointKind::Host, 0}, {EndpointKind::Core, core}, 0, "weights", TransferKind::Input, 0};
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

}  // namespace aimc::perf
