// run(): the event loop — resources served first come first served (a stage's tasks one at a time), transfers hop by hop.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/error.h"
#include "sim/perf/perf_impl.h"

namespace aimc::perf {

void PerfSimulator::Impl::start_tasks(const std::vector<int32_t>& ids, double now, int64_t owner, int32_t& outstanding) {
  outstanding = static_cast<int32_t>(ids.size());
  for (int32_t id : ids) {
    Task& k = tasks[static_cast<size_t>(id)];
    ++k.executions;
    if (k.transfer) {  // links are taken one by one as the head arrives (hop events)
      queue.push(Event{now + k.lead_ns, seq++, owner, id, 0});
      continue;
    }
    if (const int32_t q = line_of[static_cast<size_t>(id)]; q >= 0) {  // an item's task (a job's have none)
      StageLine& line = lines[static_cast<size_t>(q)];
      if (!line.behind.empty() || now < line.started) {  // the stage's task before has not started yet
        line.behind.emplace_back(owner, id);
        if (line.behind.size() == 1) queue.push(Event{line.started, seq++, 0, q, -4});
        continue;
      }
      line.started = std::max(now, free_at[static_cast<size_t>(k.res[0])]);
      begin_task(id, line.started, owner);
      continue;
    }
    double start = now;  // several resources (a core's arrays, written together): taken together once all are free
    for (int32_t r : k.res) start = std::max(start, free_at[static_cast<size_t>(r)]);
    begin_task(id, start, owner);
  }
}

void PerfSimulator::Impl::begin_task(int32_t id, double start, int64_t owner) {
  const Task& k = tasks[static_cast<size_t>(id)];
  for (int32_t r : k.res) free_at[static_cast<size_t>(r)] = start + k.occ_ns;
  note_start(owner, start, true);
  if (owner == traced) trace_start[static_cast<size_t>(id)] = start;
  queue.push(Event{start + k.lat_ns, seq++, owner, id, -1});
}

void PerfSimulator::Impl::join_line(int32_t q, double now) {
  StageLine& line = lines[static_cast<size_t>(q)];
  const auto [owner, id] = line.behind.front();
  line.behind.pop_front();
  line.started = std::max(now, free_at[static_cast<size_t>(tasks[static_cast<size_t>(id)].res[0])]);
  begin_task(id, line.started, owner);
  if (!line.behind.empty()) queue.push(Event{line.started, seq++, 0, q, -4});
}

void PerfSimulator::Impl::note_start(int64_t owner, double start, bool work) {
  if (owner < 0) return;
  Item& it = items[static_cast<size_t>(owner)];
  it.start = it.start < 0 ? start : std::min(it.start, start);
  if (!any_halo || !work) return;
  // A slice starting work (an MVM or a digital op, not the transfer of its inputs, nor the digital ops ahead
  // of the MVMs) at a stage whose successor has a halo: the slices waiting there may read its first rows
  // (checked by a timer now, not from inside this group's start).
  if (templ[static_cast<size_t>(it.copy)][static_cast<size_t>(it.group)].ahead) return;
  const int32_t s = stage_of_group(it, it.group);
  if (s + 1 >= static_cast<int32_t>(halo.size()) || halo[static_cast<size_t>(s) + 1] <= 0) return;
  SliceArrivals& a = slice_arrivals(it.inference, s);
  if (a.began.empty()) a.began.assign(static_cast<size_t>(opt.chunks), -1.0);
  double& b = a.began[static_cast<size_t>(it.chunk)];
  if (b >= 0 && b <= start) return;
  b = start;
  if (!slice_arrivals(it.inference, s + 1).waiting.empty()) queue.push(Event{std::max(start, 0.0), seq++, owner, s + 1, -2});
}

// A transfer's head reaches link `hop` of its route at `now`: it waits for the link, holds it for
// the serialisation time, and moves on after the link's latency.
void PerfSimulator::Impl::hop(const Event& e) {
  const Task& k = tasks[static_cast<size_t>(e.task)];
  const size_t h = static_cast<size_t>(e.hop);
  const auto r = static_cast<size_t>(k.res[h]);
  const double start = std::max(e.t, free_at[r]);
  free_at[r] = start + k.occ_ns;
  if (h == 0) note_start(e.owner, start, false);
  if (h == 0 && e.owner == traced) trace_start[static_cast<size_t>(e.task)] = start;
  if (h + 1 < k.res.size()) {
    queue.push(Event{start + k.hop_ns[h], seq++, e.owner, e.task, e.hop + 1});
  } else {
    queue.push(Event{start + k.hop_ns[h] + k.occ_ns, seq++, e.owner, e.task, -1});
  }
}

int32_t PerfSimulator::Impl::stage_of_group(const Item& it, int32_t g) const {
  const auto& f = stage_first[static_cast<size_t>(it.copy)];
  return static_cast<int32_t>(std::upper_bound(f.begin(), f.end(), g) - f.begin()) - 1;
}

// The item is about to enter group `g`.
void PerfSimulator::Impl::enter(int64_t i, int32_t g, double now, bool past_barrier) {
  Item& it = items[static_cast<size_t>(i)];
  const auto& groups = templ[static_cast<size_t>(it.copy)];
  const auto& f = stage_first[static_cast<size_t>(it.copy)];
  if (it.release < 0) it.release = now;
  const auto& take_at = buffer_at[static_cast<size_t>(it.copy)];
  while (true) {
    it.group = g;
    // Room in the buffer of each stage the item's data goes to from here (waiting, in order, if full).
    for (int32_t t = it.buffer + 1; t < static_cast<int32_t>(take_at.size()) && take_at[static_cast<size_t>(t)] <= g; ++t) {
      if (!take_buffer(i, t, now)) {
        buffer_wait[static_cast<size_t>(it.copy)][static_cast<size_t>(t)].emplace_back(i, g);
        return;
      }
    }
    if (g >= static_cast<int32_t>(groups.size())) {
      finish_stage_if_end(it, g, now);
      finish(it, now);
      return;
    }
    const int32_t s = stage_of_group(it, g);
    // Closes the stage before, unless the item resumes at a stage it already entered (released from
    // its batch's barrier or its halo wait): that stage was closed on arrival.
    const bool resumed = g == f[static_cast<size_t>(s)] && (past_barrier || it.halo_passed == s);
    if (!resumed) finish_stage_if_end(it, g, now);
    if (g == f[static_cast<size_t>(s)]) {
      if (opt.chunks > 1 && sliced[static_cast<size_t>(s)] == 0 && !it.gathered && !gather_slices(i, s, now)) return;
      if (sliced[static_cast<size_t>(s)] != 0 && it.gathered) {
        scatter_slices(i, s, now);
        return;
      }
      if (barrier[static_cast<size_t>(s)] && !past_barrier) {
        arrive(it.batch, s, now);
        return;
      }
      if (halo[static_cast<size_t>(s)] > 0 && it.halo_passed != s) {
        halo_wait(i, s, now);
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
    if (i == traced) trace.push_back(GroupTrace{g, s, now, now, -1});
    start_tasks(grp.tasks, now, i, it.outstanding);
    return;
  }
}

void PerfSimulator::Impl::finish_stage_if_end(Item& it, int32_t g, double now) {
  // Entering the first group of stage s + 1 (or the end) closes stage s.
  const auto& f = stage_first[static_cast<size_t>(it.copy)];
  for (size_t s = 0; s + 1 < f.size(); ++s) {
    if (f[s + 1] == g && f[s] < g) {
      stage_span[s] += now - it.stage_start;
      return;
    }
  }
}

bool PerfSimulator::Impl::gather_slices(int64_t i, int32_t s, double now) {
  Item& it = items[static_cast<size_t>(i)];
  it.gathered = true;
  if (++slices_in[static_cast<size_t>(it.inference)] < opt.chunks) {
    it.held = 0;  // its room in the stage's buffer goes on with the inference's last slice
    it.buffer = -1;
    if (resumes[static_cast<size_t>(s)] != 0) {
      it.parked = true;  // enters again where the slices resume (scatter_slices)
    } else {
      finish(it, now);
    }
    return false;
  }
  slices_in[static_cast<size_t>(it.inference)] = 0;  // for the next gather
  it.held = opt.chunks;                              // every slice's room: the inference's input, whole
  if (it.inference == items[static_cast<size_t>(traced)].inference) traced = i;
  return true;
}

void PerfSimulator::Impl::scatter_slices(int64_t i, int32_t s, double now) {
  const int64_t inference = items[static_cast<size_t>(i)].inference, first = inference * opt.chunks;
  if (inference == items[static_cast<size_t>(traced)].inference) traced = first;  // slice 0 again
  std::vector<int64_t> go;
  for (int64_t j = first; j < first + opt.chunks; ++j) {
    Item& p = items[static_cast<size_t>(j)];
    if (j != i && !p.parked) continue;
    p.parked = false;
    p.gathered = false;
    p.buffer = s;  // the room the inference took here splits among its slices
    p.held = 1;
    p.stage_start = now;  // the stage before is closed (i) or was never entered (the parked slices)
    go.push_back(j);
  }
  for (int64_t j : go)
    enter(j, stage_first[static_cast<size_t>(items[static_cast<size_t>(j)].copy)][static_cast<size_t>(s)], now);
}

void PerfSimulator::Impl::halo_wait(int64_t i, int32_t s, double now) {
  const Item& it = items[static_cast<size_t>(i)];
  SliceArrivals& a = slice_arrivals(it.inference, s);
  if (a.in.empty()) a.in.assign(static_cast<size_t>(opt.chunks), 0);
  a.in[static_cast<size_t>(it.chunk)] = 1;
  while (a.prefix < opt.chunks && a.in[static_cast<size_t>(a.prefix)] != 0) ++a.prefix;
  a.waiting.push_back(i);
  halo_release(it.inference, s, now);
}

void PerfSimulator::Impl::halo_release(int64_t inference, int32_t s, double now) {
  SliceArrivals& a = slice_arrivals(inference, s);
  const SliceArrivals& producer = slice_arrivals(inference, s - 1);
  const double h = halo[static_cast<size_t>(s)];
  const auto whole = static_cast<int64_t>(std::floor(h));  // slices past its own it reads whole
  const double part = h - static_cast<double>(whole);      // and the share of the next one
  std::vector<int64_t> go;
  for (int64_t w : a.waiting) {
    Item& wi = items[static_cast<size_t>(w)];
    if (std::min(wi.chunk + whole, opt.chunks - 1) >= a.prefix) continue;
    const int64_t p = wi.chunk + whole + 1;
    if (part > 0 && p < opt.chunks && a.in[static_cast<size_t>(p)] == 0) {
      const double began = producer.began.empty() ? -1.0 : producer.began[static_cast<size_t>(p)];
      if (began < 0) continue;
      const double at = began + part * rows_time(wi.copy, static_cast<size_t>(s) - 1);
      if (at > now) {
        if (wi.halo_timer != at) queue.push(Event{at, seq++, w, s, -2});
        wi.halo_timer = at;
        continue;
      }
    }
    go.push_back(w);
  }
  if (go.empty()) return;
  std::erase_if(a.waiting, [&](int64_t w) { return std::find(go.begin(), go.end(), w) != go.end(); });
  std::sort(go.begin(), go.end());  // one inference's slices: in slice order
  for (int64_t w : go) {
    Item& wi = items[static_cast<size_t>(w)];
    wi.halo_passed = s;
    enter(w, stage_first[static_cast<size_t>(wi.copy)][static_cast<size_t>(s)], now);
  }
}

bool PerfSimulator::Impl::take_buffer(int64_t i, int32_t s, double now, bool front, bool force) {
  Item& it = items[static_cast<size_t>(i)];
  const auto c = static_cast<size_t>(it.copy), su = static_cast<size_t>(s);
  const int64_t units = it.gathered ? opt.chunks : 1;
  int64_t& used = buffered[c][su];
  if (!force && ((!front && !buffer_wait[c][su].empty()) || used + units > buffer_room[su])) return false;
  used += units;
  buffered_peak[c][su] = std::max(buffered_peak[c][su], used);
  hold_core_bytes(it.copy, s, units);
  const int32_t before = it.buffer;
  const int64_t held = it.held;
  it.buffer = s;
  it.held = units;
  if (before >= 0 && held > 0) give_buffer(it.copy, before, held, now);
  return true;
}

void PerfSimulator::Impl::give_buffer(int32_t copy, int32_t s, int64_t units, double now) {
  const auto c = static_cast<size_t>(copy), su = static_cast<size_t>(s);
  buffered[c][su] -= units;
  hold_core_bytes(copy, s, -units);
  auto& wait = buffer_wait[c][su];
  while (!wait.empty()) {
    const auto [w, g] = wait.front();
    if (!take_buffer(w, s, now, true)) return;
    wait.pop_front();
    queue.push(Event{now, seq++, w, g, -3});  // goes on from the event loop (no recursion through enter)
  }
}

void PerfSimulator::Impl::hold_core_bytes(int32_t copy, int32_t s, int64_t units) {
  const double share = static_cast<double>(units) / static_cast<double>(opt.chunks);
  for (const CoreBytes& cb : buffer_core_bytes[static_cast<size_t>(s)]) {
    if (data_parallel && cb.copy != copy) continue;
    double& held = core_buffered[static_cast<size_t>(cb.core)];
    held += share * cb.bytes;
    core_buffered_peak[static_cast<size_t>(cb.core)] = std::max(core_buffered_peak[static_cast<size_t>(cb.core)], held);
  }
}

void PerfSimulator::Impl::warn_if_buffers_exceed_memory() {
  double memory = 0;  // a core's memories (cores.memories; none described: not checked)
  for (const auto& m : chip.cores.memories) memory += static_cast<double>(m.size_bytes);
  if (memory <= 0) return;
  const auto worst = std::max_element(core_buffered_peak.begin(), core_buffered_peak.end());
  if (worst == core_buffered_peak.end() || *worst <= memory) return;
  warnings.push_back(fmt::format(
      "core {} held up to {:.0f} bytes of its stages' input at once, more than its memories' {:.0f} (cores.memories): the "
      "run assumes buffering the chip does not have{}",
      worst - core_buffered_peak.begin(), *worst, memory,
      sequential_batches ? " (a batched schedule holds its batch between stages: it would be staged off chip, not modelled)"
                         : "; bound it with --stage-buffers"));
}

bool PerfSimulator::Impl::break_buffer_deadlock(double now) {
  for (size_t s = prog.schedule.stages.size(); s-- > 0;) {
    for (auto& per_stage : buffer_wait) {
      auto& wait = per_stage[s];
      if (wait.empty()) continue;
      const auto [w, g] = wait.front();
      wait.pop_front();
      take_buffer(w, static_cast<int32_t>(s), now, true, true);
      ++overfilled;
      queue.push(Event{now, seq++, w, g, -3});
      return true;
    }
  }
  return false;
}

void PerfSimulator::Impl::finish(Item& it, double now) {
  it.done = now;
  if (opt.on_progress) {
    const auto total = static_cast<int64_t>(items.size());
    if (++finished == total || finished % std::max<int64_t>(total / 1000, 1) == 0) opt.on_progress(finished, total);
  }
  if (it.buffer >= 0 && it.held > 0) give_buffer(it.copy, it.buffer, it.held, now);
  it.buffer = -1;
  it.held = 0;
  if (sequential_batches && ++batch_done[static_cast<size_t>(it.batch)] == items_in_batch(it.batch))
    launch_batch(it.batch + 1, now);
}

int64_t PerfSimulator::Impl::items_in_batch(int64_t b) const {
  const int64_t first = b * batch;
  return (std::min(opt.images, first + batch) - first) * opt.chunks;
}

int64_t PerfSimulator::Impl::items_at_stage(int64_t b, int32_t s) const {
  const int64_t first = b * batch;
  return (std::min(opt.images, first + batch) - first) * items_per_inference_at(static_cast<size_t>(s));
}

void PerfSimulator::Impl::arrive(int64_t b, int32_t s, double now) {
  if (++arrivals[{b, s}] < items_at_stage(b, s)) return;
  if (prog.schedule.reloads()) {
    ProgramJob job = program_templ.at(static_cast<size_t>(stage_segment[static_cast<size_t>(s)]));
    job.batch = b;
    job.stage = s;
    job.start = now;
    jobs.push_back(std::move(job));
    job_advance(static_cast<int64_t>(jobs.size() - 1), now);
    return;
  }
  release_batch(b, s, now);
}

void PerfSimulator::Impl::release_batch(int64_t b, int32_t s, double now) {
  const int64_t first = b * batch * opt.chunks, n = items_in_batch(b);
  for (int64_t i = first; i < first + n; ++i) {
    const Item& it = items[static_cast<size_t>(i)];
    if (it.done >= 0 || it.parked) continue;  // a slice that ended (or waits) where its inference gathered
    enter(i, stage_first[static_cast<size_t>(it.copy)][static_cast<size_t>(s)], now, true);
  }
}

void PerfSimulator::Impl::job_advance(int64_t j, double now) {
  ProgramJob& job = jobs[static_cast<size_t>(j)];
  while (job.group < job.groups.size() && job.groups[job.group].empty()) ++job.group;
  if (job.group >= job.groups.size()) {
    const int64_t b = job.batch;
    const int32_t s = job.stage;
    programming_ns += now - job.start;  // fetches contend for the links: the simulated time, not a sum of tasks
    release_batch(b, s, now);
    return;
  }
  const std::vector<int32_t> ids = job.groups[job.group];
  ++job.group;
  int32_t out = 0;
  start_tasks(ids, now, -j - 1, out);
  jobs[static_cast<size_t>(j)].outstanding = out;
}

void PerfSimulator::Impl::launch_batch(int64_t b, double now) {
  const int64_t first = b * batch * opt.chunks;
  if (first >= opt.images * opt.chunks) return;
  const int64_t n = items_in_batch(b);
  for (int64_t i = first; i < first + n; ++i) enter(i, 0, now);
}

void PerfSimulator::Impl::reset_run() {
  free_at.assign(static_cast<size_t>(n_res), 0.0);
  lines.assign(lines.size(), StageLine{});
  trace.clear();
  trace_start.assign(tasks.size(), 0.0);
  stage_span.assign(prog.schedule.stages.size(), 0.0);
  for (Task& k : tasks) k.executions = 0;
  for (auto& b : buffered) std::fill(b.begin(), b.end(), 0);
  buffered_peak = buffered;
  core_buffered.assign(static_cast<size_t>(chip.cores.count), 0.0);
  core_buffered_peak = core_buffered;
  for (auto& w : buffer_wait) {
    for (auto& q : w) q.clear();
  }
  overfilled = 0;
  items.clear();
  slices_in.assign(static_cast<size_t>(opt.images), 0);
  arrivals_at.assign(any_halo ? static_cast<size_t>(opt.images) * prog.schedule.stages.size() : 0,
                     SliceArrivals{});  // read by halos only
  traced = 0;
  finished = 0;
  for (int64_t inf = 0; inf < opt.images; ++inf) {
    for (int64_t c = 0; c < opt.chunks; ++c) {
      Item it;
      it.inference = inf;
      it.chunk = c;
      it.copy = static_cast<int32_t>(inf % copies);
      it.batch = inf / batch;
      items.push_back(it);
    }
  }
}

void PerfSimulator::Impl::run() {
  const auto t0 = std::chrono::steady_clock::now();
  reset_run();
  batch_done.assign(static_cast<size_t>((opt.images + batch - 1) / batch + 1), 0);
  if (sequential_batches) {
    launch_batch(0, 0.0);
  } else {
    for (int64_t i = 0; i < static_cast<int64_t>(items.size()); ++i) enter(i, 0, 0.0);
  }
  while (!queue.empty() || break_buffer_deadlock(makespan)) {
    const Event e = queue.top();
    queue.pop();
    ++events;
    makespan = std::max(makespan, e.t);
    if (e.hop >= 0) {
      hop(e);
    } else if (e.hop == -2) {  // a halo timer (halo_release)
      halo_release(items[static_cast<size_t>(e.owner)].inference, e.task, e.t);
    } else if (e.hop == -3) {  // room in a stage's buffer (give_buffer)
      enter(e.owner, e.task, e.t);
    } else if (e.hop == -4) {  // a stage's task joins a resource's queue (join_line)
      join_line(e.task, e.t);
    } else if (e.owner >= 0) {
      Item& it = items[static_cast<size_t>(e.owner)];
      if (--it.outstanding == 0) {
        if (e.owner == traced) trace.back().end = e.t, trace.back().last_task = e.task;
        enter(e.owner, it.group + 1, e.t);
      }
    } else {
      const int64_t j = -e.owner - 1;
      if (--jobs[static_cast<size_t>(j)].outstanding == 0) job_advance(j, e.t);
    }
  }
  for (const Item& it : items) {
    if (it.done < 0) throw InternalError("perf: an inference did not finish (deadlocked schedule)");
  }
  warn_if_buffers_exceed_memory();
  if (overfilled > 0)
    warnings.push_back(
        fmt::format("a stage's buffer was filled past its room {} times to go on (it holds less than its "
                    "stage waits for)",
                    overfilled));
  wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string PerfSimulator::Impl::resource_name(int32_t r) const {
  if (r < r_dig) return fmt::format("core{}.array{}", r / chip.cores.arrays, r % chip.cores.arrays);
  if (r < r_chip)
    return fmt::format("core{}.{}", (r - r_dig) / n_core_units,
                       chip.cores.digital[static_cast<size_t>((r - r_dig) % n_core_units)].name);
  if (r < r_host) return "chip." + chip.digital[static_cast<size_t>(r - r_chip)].name;
  if (r == r_host) return "host";
  return "link " + noc.links()[static_cast<size_t>(r - r_link)].name;
}

}  // namespace aimc::perf
