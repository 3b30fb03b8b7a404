// run_analytic(): the same task templates as run(), timed in closed form instead of event by event.
//
// Every task executes once per item that passes its group (and each programming task once per
// reload job), exactly as in the event loop, so action counts, busy times and energy are the same
// numbers. Time, per item (an inference, or one of its slices up to the gather stage, slices.h):
//   a group's time         max(its longest task alone, its busiest resource's summed occupancy)
//   a stage's latency      Σ its groups' times; its service: its busiest resource's occupancy per item
//   a run of stages        a tandem of stages: items released together enter stage s when they left
//                          s − 1 and s served the item before them (for its service time), and stay
//                          for its latency — O(items × stages), no events
//   pipelined              every item released at 0 through all stages
//   batches in turn        (layer schedule, reload segments) per batch, per run of stages between
//                          barriers: the segment's programming (fetches, then writes) if it reloads,
//                          then the batch through the run
// Items' start and end times come out of that, so stats() derives throughput, latency, the critical
// path and the per-stage spans from them as for a simulated run. What it leaves out: contention
// between stages for a shared resource (a link two stages use) beyond each stage's own load, and the
// bunching of recurrent steps — bench/analytic_vs_event.py measures the difference.
#include <algorithm>
#include <chrono>

#include "sim/perf/perf_impl.h"

namespace aimc::perf {

namespace {

double alone_ns(const Task& k) {
  if (!k.transfer) return k.lat_ns;
  double t = k.lead_ns + k.occ_ns;
  for (double h : k.hop_ns) t += h;
  return t;
}

}  // namespace

void PerfSimulator::Impl::run_analytic() {
  const auto t0 = std::chrono::steady_clock::now();
  reset_run();
  std::vector<double> occ(static_cast<size_t>(n_res), 0.0);
  // A list of tasks run together: (time alone, busiest resource's summed occupancy), and its longest task.
  const auto group_time = [&](const std::vector<int32_t>& ids, int32_t* longest) {
    double alone = 0, load = 0;
    for (int32_t id : ids) {
      const Task& k = tasks[static_cast<size_t>(id)];
      if (alone_ns(k) >= alone) {
        alone = alone_ns(k);
        if (longest != nullptr) *longest = id;
      }
      for (int32_t r : k.res) load = std::max(load, occ[static_cast<size_t>(r)] += k.occ_ns);
    }
    for (int32_t id : ids) {
      for (int32_t r : tasks[static_cast<size_t>(id)].res) occ[static_cast<size_t>(r)] = 0;
    }
    return std::max(alone, load);
  };
  const auto n_stages = static_cast<int32_t>(prog.schedule.stages.size());
  // Per copy and stage: its groups' time for one item, and the item's occupancy of each resource.
  std::vector<std::vector<double>> stage_time(static_cast<size_t>(copies), std::vector<double>(static_cast<size_t>(n_stages), 0));
  std::vector<std::vector<std::vector<std::pair<int32_t, double>>>> stage_load(static_cast<size_t>(copies));
  for (int32_t c = 0; c < copies; ++c) {
    const auto& groups = templ[static_cast<size_t>(c)];
    const auto& first = stage_first[static_cast<size_t>(c)];
    stage_load[static_cast<size_t>(c)].resize(static_cast<size_t>(n_stages));
    for (int32_t s = 0; s < n_stages; ++s) {
      std::vector<double> load(static_cast<size_t>(n_res), 0.0);
      for (int32_t g = first[static_cast<size_t>(s)]; g < first[static_cast<size_t>(s) + 1]; ++g) {
        const auto& ids = groups[static_cast<size_t>(g)].tasks;
        if (ids.empty()) continue;
        int32_t longest = -1;
        const double t = group_time(ids, &longest);
        if (c == 0) {
          const double release = stage_time[0][static_cast<size_t>(s)];
          double before = 0;
          for (int32_t p = 0; p < s; ++p) before += stage_time[0][static_cast<size_t>(p)];
          trace.push_back(GroupTrace{g, s, before + release, before + release + t, longest});
          for (int32_t id : ids) trace_start[static_cast<size_t>(id)] = before + release;
        }
        stage_time[static_cast<size_t>(c)][static_cast<size_t>(s)] += t;
        for (int32_t id : ids) {
          for (int32_t r : tasks[static_cast<size_t>(id)].res)
            load[static_cast<size_t>(r)] += tasks[static_cast<size_t>(id)].occ_ns;
        }
      }
      for (int32_t r = 0; r < n_res; ++r) {
        if (load[static_cast<size_t>(r)] > 0)
          stage_load[static_cast<size_t>(c)][static_cast<size_t>(s)].emplace_back(r, load[static_cast<size_t>(r)]);
      }
    }
  }
  // Every item passes every group of its copy once, up to the gather stage when it is not its
  // inference's last slice (slices.h).
  const auto last_slice = [&](const Item& it) { return it.chunk == opt.chunks - 1; };
  for (const Item& it : items) {
    const auto& groups = templ[static_cast<size_t>(it.copy)];
    const int32_t end = last_slice(it)
                            ? static_cast<int32_t>(groups.size())
                            : stage_first[static_cast<size_t>(it.copy)][static_cast<size_t>(std::min(gather, n_stages))];
    for (int32_t gi = 0; gi < end; ++gi) {
      for (int32_t id : groups[static_cast<size_t>(gi)].tasks) {
        Task& k = tasks[static_cast<size_t>(id)];
        ++k.executions;
        for (int32_t r : k.res) busy[static_cast<size_t>(r)] += k.occ_ns;
      }
    }
  }
  const auto n_items = static_cast<int64_t>(items.size());
  // Per copy and stage: the busiest resource's occupancy per item (the stage's service time).
  std::vector<std::vector<double>> service(static_cast<size_t>(copies), std::vector<double>(static_cast<size_t>(n_stages), 0));
  for (int32_t c = 0; c < copies; ++c) {
    for (int32_t s = 0; s < n_stages; ++s) {
      double& m = service[static_cast<size_t>(c)][static_cast<size_t>(s)];
      for (const auto& rl : stage_load[static_cast<size_t>(c)][static_cast<size_t>(s)]) m = std::max(m, rl.second);
    }
  }
  // Items [first, first + n) released together at t0 through stages [a, b), a tandem of stages: an
  // item enters a stage when it left the previous one and the stage has served the item before it
  // (for its service time); it stays for the stage's latency. At the gather stage an inference's
  // slices end but its last, which goes on once every slice has arrived. Returns when the last one leaves.
  std::vector<std::vector<double>> free_stage(static_cast<size_t>(copies), std::vector<double>(static_cast<size_t>(n_stages)));
  std::vector<double> gathered(static_cast<size_t>(opt.images), 0.0);  // per inference: its last slice's arrival
  double first_arrival = 0;                                            // inference 0's slice 0 at the gather stage
  const auto flow = [&](int64_t first, int64_t n, int32_t a, int32_t b, double t0) {
    for (auto& f : free_stage) std::fill(f.begin(), f.end(), t0);
    double end = t0;
    for (int64_t i = first; i < first + n; ++i) {
      Item& it = items[static_cast<size_t>(i)];
      if (it.gathered && !last_slice(it)) continue;  // ended at the gather stage
      const auto c = static_cast<size_t>(it.copy);
      double t = t0;
      for (int32_t s = a; s < b; ++s) {
        const auto su = static_cast<size_t>(s);
        if (s == gather) {
          double& ready = gathered[static_cast<size_t>(it.inference)];
          ready = std::max(ready, t);
          if (it.inference == 0 && it.chunk == 0) first_arrival = t;
          it.gathered = true;
          if (!last_slice(it)) break;
          t = ready;
        }
        const double begin = std::max(t, free_stage[c][su]);
        if (s == a && it.start < 0) it.start = begin;
        free_stage[c][su] = begin + service[c][su];
        const double done = begin + stage_time[c][su];
        stage_span[su] += done - t;
        t = done;
      }
      it.done = t;
      end = std::max(end, t);
    }
    return end;
  };
  const auto latency = [&](int32_t copy, int32_t a, int32_t b) {
    double t = 0;
    for (int32_t s = a; s < b; ++s) t += stage_time[static_cast<size_t>(copy)][static_cast<size_t>(s)];
    return t;
  };
  makespan = 0;
  programming_ns = 0;
  if (!sequential_batches) {
    makespan = flow(0, n_items, 0, n_stages, 0.0);
  } else {
    // Phases: runs of stages between barriers; a batch goes through them one after another.
    std::vector<int32_t> cuts = {0};
    for (int32_t s = 1; s < n_stages; ++s) {
      if (barrier[static_cast<size_t>(s)]) cuts.push_back(s);
    }
    cuts.push_back(n_stages);
    double now = 0;
    std::vector<double> offset(static_cast<size_t>(n_stages), 0.0);  // item 0's waits before each stage (programming)
    for (int64_t first = 0; first < n_items; first += batch * opt.chunks) {
      const int64_t n = std::min(batch * opt.chunks, n_items - first);
      for (size_t p = 0; p + 1 < cuts.size(); ++p) {
        const int32_t a = cuts[p], b = cuts[p + 1];
        if (prog.schedule.reloads() && barrier[static_cast<size_t>(a)]) {
          // The segment's weights: fetched, then written, before the batch enters it.
          const ProgramJob& job = program_templ.at(static_cast<size_t>(stage_segment[static_cast<size_t>(a)]));
          double t = 0;
          for (const auto& ids : job.groups) {
            if (ids.empty()) continue;
            t += group_time(ids, nullptr);
            for (int32_t id : ids) {
              Task& k = tasks[static_cast<size_t>(id)];
              ++k.executions;
              for (int32_t r : k.res) busy[static_cast<size_t>(r)] += k.occ_ns;
            }
          }
          programming_ns += t;
          now += t;
        }
        if (first == 0) {
          for (int32_t s = a; s < b; ++s) offset[static_cast<size_t>(s)] = now - latency(0, 0, a);
        }
        now = flow(first, n, a, b, now);
      }
      makespan = now;
    }
    for (GroupTrace& g : trace) {
      const double d = offset[static_cast<size_t>(g.stage)];
      g.release += d;
      g.end += d;
      for (int32_t id : templ[0][static_cast<size_t>(g.group)].tasks) trace_start[static_cast<size_t>(id)] += d;
    }
  }
  // Inference 0 waited at the gather stage for its last slice: the rest of its trace moves by as much.
  if (gather < n_stages && opt.chunks > 1) {
    const double wait = gathered[0] - first_arrival;
    for (GroupTrace& g : trace) {
      if (g.stage < gather) continue;
      g.release += wait;
      g.end += wait;
      for (int32_t id : templ[0][static_cast<size_t>(g.group)].tasks) trace_start[static_cast<size_t>(id)] += wait;
    }
  }
  events = 0;
  wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace aimc::perf
