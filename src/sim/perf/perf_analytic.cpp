// run_analytic(): the same task templates as run(), timed in closed form instead of event by event.
//
// Every task executes once per item that passes its group (and each programming task once per
// reload job), exactly as in the event loop, so action counts, busy times and energy are the same
// numbers. Time, per item (an inference, or one of its slices where it streams in slices, slices.h):
//   a group's time         max(its longest task alone, per resource: the earliest a task reaches it + their
//                          summed occupancy + the least latency a task still crosses after it)
//   a stage's latency      Σ its groups' times; its service: its busiest resource's occupancy per item
//   a run of stages        a tandem of stages: items released together enter stage s when they left
//                          s − 1 and s served the item before them (for its service time), and stay
//                          for its latency — O(items × stages), no events
//   pipelined              every item released at 0 through all stages
//   batches in turn        (layer schedule, reload segments) per batch, per run of stages between
//                          barriers: the segment's programming (fetches, then writes) if it reloads,
//                          then the batch through the run
// Items' start and end times come out of that, so stats() derives throughput, latency, the critical
// path and the per-stage spans from them as for a simulated run. A resource several stages share
// paces the inferences into the run (no closer than its occupancy per inference over all of them), so
// the throughput never passes its bound; bounded stage buffers admit items into each stage as a window
// (an item enters once the one `room` before it let its room go, its input queueing behind that one's
// output where they share a link); a resource several of an inference's stages use stretches their window
// to its work. What it leaves out: other waits of stages that share a resource, or for room, and the
// bunching of recurrent steps — bench/analytic_vs_event.py measures the difference.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

#include "sim/perf/perf_impl.h"

namespace aimc::perf {

void PerfSimulator::Impl::run_analytic() {
  const auto t0 = std::chrono::steady_clock::now();
  reset_run();
  GroupScratch occ(n_res);
  const auto n_stages = static_cast<int32_t>(prog.schedule.stages.size());
  std::vector<std::vector<double>> group_t(static_cast<size_t>(copies));  // per copy and group: its time alone
  // Per copy and stage: the item's occupancy of each resource (its time: stage_time, from setup).
  std::vector<std::vector<std::vector<std::pair<int32_t, double>>>> stage_load(static_cast<size_t>(copies));
  for (int32_t c = 0; c < copies; ++c) {
    const auto& groups = templ[static_cast<size_t>(c)];
    const auto& first = stage_first[static_cast<size_t>(c)];
    stage_load[static_cast<size_t>(c)].resize(static_cast<size_t>(n_stages));
    group_t[static_cast<size_t>(c)].assign(groups.size(), 0.0);
    for (int32_t s = 0; s < n_stages; ++s) {
      std::vector<double> load(static_cast<size_t>(n_res), 0.0);
      double within = 0;
      for (int32_t g = first[static_cast<size_t>(s)]; g < first[static_cast<size_t>(s) + 1]; ++g) {
        const auto& ids = groups[static_cast<size_t>(g)].tasks;
        if (ids.empty()) continue;
        int32_t longest = -1;
        const double t = group_time(ids, &longest, occ);
        group_t[static_cast<size_t>(c)][static_cast<size_t>(g)] = t;
        if (c == 0) trace.push_back(GroupTrace{g, s, within, within + t, longest});  // moved to its stage's start below
        within += t;
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
  // Every item passes every group of its copy once where its inference streams in slices, and only
  // its inference's last slice where it runs whole (slices.h).
  const auto last_slice = [&](const Item& it) { return it.chunk == opt.chunks - 1; };
  {
    std::vector<int64_t> copy_items(static_cast<size_t>(copies), 0), copy_last(static_cast<size_t>(copies), 0);
    for (const Item& it : items) {
      ++copy_items[static_cast<size_t>(it.copy)];
      if (last_slice(it)) ++copy_last[static_cast<size_t>(it.copy)];
    }
    for (int32_t c = 0; c < copies; ++c) {
      for (const Group& g : templ[static_cast<size_t>(c)]) {
        const int64_t n =
            sliced[static_cast<size_t>(g.stage)] != 0 ? copy_items[static_cast<size_t>(c)] : copy_last[static_cast<size_t>(c)];
        for (int32_t id : g.tasks) tasks[static_cast<size_t>(id)].executions += n;
      }
    }
  }
  const auto n_items = static_cast<int64_t>(items.size());
  // Per copy and stage: the busiest resource's occupancy per item (the stage's service time). With bounded
  // stage buffers an item holds room in stage s from the group where it takes it (buffer_at: the end
  // transfers of the stage before) to the one where it takes room in the next, the span alone (without the
  // waits for room that lengthen it in a loaded run). With `room` items of room an item enters no sooner
  // than the one `room` items before it there let its room go (a window: the first `room` come in at once,
  // then one per span / room, Little's law); a room that is not a whole number of items bounds the stage to
  // room / span instead. A recurrent stage whose sequences would interleave over its replicas is held to that.
  std::vector<std::vector<double>> service(static_cast<size_t>(copies), std::vector<double>(static_cast<size_t>(n_stages), 0));
  struct Admission {
    int64_t room = 0;  // items; 0: the stage admits any
    double span = 0;   // the time an item holds its room
  };
  std::vector<std::vector<Admission>> admission(static_cast<size_t>(copies),
                                                std::vector<Admission>(static_cast<size_t>(n_stages)));
  for (int32_t c = 0; c < copies; ++c) {
    const auto& at = buffer_at[static_cast<size_t>(c)];
    const auto& gt = group_t[static_cast<size_t>(c)];
    const auto& groups = templ[static_cast<size_t>(c)];
    for (int32_t s = 0; s < n_stages; ++s) {
      const auto su = static_cast<size_t>(s);
      double& m = service[static_cast<size_t>(c)][su];
      for (const auto& rl : stage_load[static_cast<size_t>(c)][su]) m = std::max(m, rl.second);
      if (buffers <= 0 || su >= at.size()) continue;
      const size_t from = static_cast<size_t>(at[su]), to = su + 1 < at.size() ? static_cast<size_t>(at[su + 1]) : gt.size();
      // Where the room binds, an item enters as the one `room` before it leaves: its input's transfers (the span's
      // first group) start just after that one's output transfers, and queue behind them where they share a link.
      double held = 0;
      for (size_t g = from; g < std::min(to, gt.size()); ++g) held += gt[g];
      if (from < to && to < gt.size()) held += group_time(groups[from].tasks, nullptr, occ, &groups[to].tasks) - gt[from];
      // A slice waits, holding its room, until the producer's slices its halo reads whole have come too:
      // they hold that room beside it for as long as the flow takes to bring them; the span's items have
      // the rest.
      const double room =
          static_cast<double>(buffer_room[su] - whole_halo_slices(su)) / static_cast<double>(slices_per_item_at(su));
      if (room >= 1 && room == std::floor(room)) {
        admission[static_cast<size_t>(c)][su] = {.room = static_cast<int64_t>(room), .span = held};
      } else {
        m = std::max(m, held / room);
      }
    }
  }
  // Items [first, first + n) released together at t0 through stages [a, b), a tandem of stages: an
  // item enters a stage when it left the previous one and the stage has served the item before it
  // (for its service time); it stays for the stage's latency. A slice also waits for the producer's
  // slices its window reads (the halo, slices.h). At a stage that runs whole an inference's slices end
  // but its last, which goes on once every slice has arrived; at the next stage that streams, every
  // slice starts from there. Returns when the last one leaves.
  std::vector<std::vector<double>> free_stage(static_cast<size_t>(copies), std::vector<double>(static_cast<size_t>(n_stages)));
  std::vector<double> traced_begin(static_cast<size_t>(n_stages), 0.0);  // inference 0's item followed (GroupTrace)
  // Per inference and stage: when its first item entered the stage and its last one left it.
  const auto at_stage = [&](const Item& it, int32_t s) {
    return static_cast<size_t>(it.inference) * static_cast<size_t>(n_stages) + static_cast<size_t>(s);
  };
  std::vector<double> entered(static_cast<size_t>(opt.images) * static_cast<size_t>(n_stages), 1e300);
  std::vector<double> left(entered.size(), -1);
  // A resource several stages use (a shared link, the host's) serves all of them, so inferences enter stage a
  // no closer together than its occupancy per inference over the stages [a, b): the flow cannot outrun the
  // resource (one inference alone is not held: its stages' times already hold its own load). Data-parallel
  // copies each pace their own inferences by their own resources' occupancy (the copies start together), and
  // the chip's inferences, whichever copy takes them, by the resources several copies share (the host, its
  // link, a shared link), their occupancy per inference of the chip.
  struct Pace {
    std::vector<double> own;  // per copy, between the inferences it takes
    double shared = 0;        // between any two inferences
  };
  const auto pace_of = [&](int32_t a, int32_t b) {
    Pace pace{std::vector<double>(static_cast<size_t>(copies), 0.0), 0.0};
    std::vector<double> total(static_cast<size_t>(n_res), 0.0);
    std::vector<int32_t> users(static_cast<size_t>(n_res), 0);
    for (int32_t c = 0; c < copies; ++c) {
      const std::vector<double> mine = occupancy_per_inference(c, a, b);
      for (int32_t r = 0; r < n_res; ++r) {
        const double m = mine[static_cast<size_t>(r)];
        if (m <= 0) continue;
        pace.own[static_cast<size_t>(c)] = std::max(pace.own[static_cast<size_t>(c)], m);
        total[static_cast<size_t>(r)] += m / static_cast<double>(copies);
        ++users[static_cast<size_t>(r)];
      }
    }
    for (int32_t r = 0; r < n_res; ++r) {
      if (users[static_cast<size_t>(r)] > 1) pace.shared = std::max(pace.shared, total[static_cast<size_t>(r)]);
    }
    return pace;
  };
  std::map<std::pair<int32_t, int32_t>, Pace> paces;  // per run of stages: a batched schedule flows each batch through it
  const auto flow = [&](int64_t first, int64_t n, int32_t a, int32_t b, double t0) {
    for (auto& f : free_stage) std::fill(f.begin(), f.end(), t0);
    auto [known, fresh] = paces.try_emplace({a, b});
    if (fresh) known->second = pace_of(a, b);
    const Pace& pace = known->second;
    // When the next inference may enter stage a: on each copy, and on the chip.
    std::vector<double> paced_own(static_cast<size_t>(copies), t0);
    double paced = t0;
    std::vector<double> t(static_cast<size_t>(n), t0);      // when each item left the stage before
    std::vector<double> began(static_cast<size_t>(n), t0);  // and when it entered that stage
    std::vector<char> on(static_cast<size_t>(n));           // going: its inference streams, or it is the last slice
    for (int64_t i = 0; i < n; ++i)
      on[static_cast<size_t>(i)] = sliced[static_cast<size_t>(a)] != 0 || last_slice(items[static_cast<size_t>(first + i)]);
    std::vector<std::vector<double>> entries(static_cast<size_t>(copies));  // per copy: the stage's entries so far
    for (int32_t s = a; s < b; ++s) {
      const auto su = static_cast<size_t>(s);
      for (auto& e : entries) e.clear();
      const bool gathers = s > a && sliced[su] == 0 && sliced[su - 1] != 0;
      const bool scatters = s > a && sliced[su] != 0 && sliced[su - 1] == 0;
      if (gathers || scatters) {
        // Per inference (its slices are items [i0, i0 + chunks) of the run, in order): the last slice goes
        // on from when every slice arrived, or every slice from when the last slice left.
        for (int64_t i0 = 0; i0 < n; i0 += opt.chunks) {
          const int64_t last = std::min(n, i0 + opt.chunks) - 1;
          double ready = t[static_cast<size_t>(last)];
          if (gathers) {
            for (int64_t i = i0; i < last; ++i) ready = std::max(ready, t[static_cast<size_t>(i)]);
          }
          for (int64_t i = i0; i <= last; ++i) {
            Item& it = items[static_cast<size_t>(first + i)];
            if (gathers && i < last) it.done = t[static_cast<size_t>(i)];  // ends here (until the slices resume)
            on[static_cast<size_t>(i)] = scatters || i == last;
            t[static_cast<size_t>(i)] = ready;
          }
        }
      }
      // The halo: the producer's slices it reads whole have left it, and the one it reads a share of
      // has been in it for that share of its time alone.
      std::vector<double> enter = t;
      if (halo[su] > 0 && s > a) {
        const auto whole = static_cast<int64_t>(std::floor(halo[su]));
        const double part = halo[su] - static_cast<double>(whole);
        for (int64_t i = 0; i < n; ++i) {
          const Item& it = items[static_cast<size_t>(first + i)];
          const int64_t end = std::min(n, i + opt.chunks - it.chunk);  // past its inference's slices
          double& e = enter[static_cast<size_t>(i)];
          for (int64_t j = i + 1; j < std::min(end, i + 1 + whole); ++j) e = std::max(e, t[static_cast<size_t>(j)]);
          if (const int64_t p = i + whole + 1; part > 0 && p < end)
            e = std::max(e, began[static_cast<size_t>(p)] + lead_time[static_cast<size_t>(it.copy)][su - 1] +
                                part * rows_time(it.copy, su - 1));
        }
      }
      for (int64_t i = 0; i < n; ++i) {
        if (!on[static_cast<size_t>(i)]) continue;
        Item& it = items[static_cast<size_t>(first + i)];
        const auto c = static_cast<size_t>(it.copy);
        const bool first_here = sliced[su] != 0 ? it.chunk == 0 : last_slice(it);  // its inference's first item here
        const bool leads = s == a && first_here;
        double begin = std::max({enter[static_cast<size_t>(i)], free_stage[c][su], leads ? std::max(paced, paced_own[c]) : t0});
        const Admission& adm = admission[c][su];
        auto& entered_here = entries[c];
        if (adm.room > 0 && static_cast<int64_t>(entered_here.size()) >= adm.room)
          begin = std::max(begin, entered_here[entered_here.size() - static_cast<size_t>(adm.room)] + adm.span);
        entered_here.push_back(begin);
        if (leads) {
          paced = begin + pace.shared;
          paced_own[c] = begin + pace.own[c];
        }
        began[static_cast<size_t>(i)] = begin;
        if (s == a && it.start < 0) it.start = begin;
        if (it.inference == 0 && first_here) traced_begin[su] = begin;
        free_stage[c][su] = begin + service[c][su];
        const double done = begin + stage_time[c][su];
        stage_span[su] += done - enter[static_cast<size_t>(i)];
        t[static_cast<size_t>(i)] = done;
        entered[at_stage(it, s)] = std::min(entered[at_stage(it, s)], begin);
        left[at_stage(it, s)] = std::max(left[at_stage(it, s)], done);
      }
    }
    double end = t0;
    for (int64_t i = 0; i < n; ++i) {
      if (!on[static_cast<size_t>(i)]) continue;
      items[static_cast<size_t>(first + i)].done = t[static_cast<size_t>(i)];
      end = std::max(end, t[static_cast<size_t>(i)]);
    }
    return end;
  };
  makespan = 0;
  programming_ns = 0;
  if (!sequential_batches) {
    for (Item& it : items) it.release = 0;
    makespan = flow(0, n_items, 0, n_stages, 0.0);
  } else {
    // Phases: runs of stages between barriers; a batch goes through them one after another.
    std::vector<int32_t> cuts = {0};
    for (int32_t s = 1; s < n_stages; ++s) {
      if (barrier[static_cast<size_t>(s)]) cuts.push_back(s);
    }
    cuts.push_back(n_stages);
    double now = 0;
    for (int64_t first = 0; first < n_items; first += batch * opt.chunks) {
      const int64_t n = std::min(batch * opt.chunks, n_items - first);
      for (int64_t i = first; i < first + n; ++i) items[static_cast<size_t>(i)].release = now;
      for (size_t p = 0; p + 1 < cuts.size(); ++p) {
        const int32_t a = cuts[p], b = cuts[p + 1];
        if (prog.schedule.reloads() && barrier[static_cast<size_t>(a)]) {
          // The segment's weights: fetched, then written, before the batch enters it.
          const ProgramJob& job = program_templ.at(static_cast<size_t>(stage_segment[static_cast<size_t>(a)]));
          double t = 0;
          for (const auto& ids : job.groups) {
            if (ids.empty()) continue;
            t += group_time(ids, nullptr, occ);
            for (int32_t id : ids) ++tasks[static_cast<size_t>(id)].executions;
          }
          programming_ns += t;
          now += t;
        }
        now = flow(first, n, a, b, now);
      }
      makespan = now;
    }
  }
  // Inference 0's followed item (slice 0 where it streams, the last slice where it runs whole) began
  // each stage when the flow says: after its batch's programming, its halos and its slices gathering.
  for (GroupTrace& g : trace) {
    const double begin = traced_begin[static_cast<size_t>(g.stage)];
    g.release += begin;
    g.end += begin;
    for (int32_t id : templ[0][static_cast<size_t>(g.group)].tasks) trace_start[static_cast<size_t>(id)] = g.release;
  }
  // An inference cannot finish before each resource has done its work for it. Where stages share a resource
  // (a crossbar that two layers' blocks share, 2-D packing; a link), their own times leave that out: the
  // stages' slices would use it at once. The resource's work for the inference begins no sooner than the
  // first of those stages takes the inference in, and lasts its whole occupancy per inference; what came
  // after the last of them follows it. So each shared resource's window, from the first of its stages
  // taking the inference in to the last letting it go, is stretched to that occupancy where it is shorter,
  // and the stretch delays everything after the window, later windows included (taken in the order they
  // close; a window that closes inside a stretched one was delayed by it). The last item waits for the
  // total; on inference 0's path the wait is the last stage's.
  struct Span {
    int32_t first = -1, last = -1;  // the stages of a copy that use the resource
    double occupancy = 0;           // per inference
  };
  std::vector<std::vector<Span>> spans(static_cast<size_t>(copies));
  for (int32_t c = 0; c < copies; ++c) {
    const std::vector<double> occ_c = occupancy_per_inference(c, 0, n_stages);
    std::vector<Span> sp(static_cast<size_t>(n_res));
    std::vector<int32_t> stages_using(static_cast<size_t>(n_res), 0);
    for (int32_t s = 0; s < n_stages; ++s) {
      for (const auto& rl : stage_load[static_cast<size_t>(c)][static_cast<size_t>(s)]) {
        Span& x = sp[static_cast<size_t>(rl.first)];
        if (x.first < 0) x.first = s;
        x.last = s;
        ++stages_using[static_cast<size_t>(rl.first)];
      }
    }
    // A resource one stage uses alone needs no stretch: the stage passes the inference's items no faster
    // than its busiest resource serves them.
    for (int32_t r = 0; r < n_res; ++r) {
      if (stages_using[static_cast<size_t>(r)] < 2) continue;
      sp[static_cast<size_t>(r)].occupancy = occ_c[static_cast<size_t>(r)];
      spans[static_cast<size_t>(c)].push_back(sp[static_cast<size_t>(r)]);
    }
  }
  std::vector<int64_t> last_item(static_cast<size_t>(opt.images), -1);
  for (size_t i = 0; i < items.size(); ++i) {
    const auto k = static_cast<size_t>(items[i].inference);
    if (last_item[k] < 0 || items[i].done > items[static_cast<size_t>(last_item[k])].done) last_item[k] = static_cast<int64_t>(i);
  }
  struct Window {
    double in, out, occupancy;
  };
  std::vector<Window> windows;
  std::vector<std::pair<double, double>> stretches;  // (where, by how much), in the order the windows close
  for (size_t k = 0; k < last_item.size(); ++k) {
    if (last_item[k] < 0) continue;
    Item& last = items[static_cast<size_t>(last_item[k])];
    windows.clear();
    for (const Span& x : spans[static_cast<size_t>(last.copy)]) {
      double in = 1e300, out = -1;
      for (int32_t s = x.first; s <= x.last; ++s) {
        in = std::min(in, entered[at_stage(last, s)]);
        out = std::max(out, left[at_stage(last, s)]);
      }
      if (in < 1e300 && out >= in && x.occupancy > out - in) windows.push_back({in, out, x.occupancy});
    }
    if (windows.empty()) continue;
    std::sort(windows.begin(), windows.end(), [](const Window& a, const Window& b) { return a.out < b.out; });
    stretches.clear();
    double total = 0;
    for (const Window& w : windows) {
      double before_in = 0;
      for (const auto& [where, by] : stretches) before_in += where <= w.in ? by : 0.0;
      const double need = w.occupancy - ((w.out + total) - (w.in + before_in));
      if (need <= 0) continue;
      stretches.emplace_back(w.out, need);
      total += need;
    }
    if (total <= 0) continue;
    last.done += total;
    makespan = std::max(makespan, last.done);
    if (k == 0 && !trace.empty() && trace.back().end < last.done) {
      trace.push_back(
          GroupTrace{.group = trace.back().group, .stage = trace.back().stage, .release = last.done, .end = last.done});
    }
  }
  events = 0;
  wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace aimc::perf
