// Internal state of the performance simulator, shared by its parts (not installed API):
//   perf_tasks.cpp  setup(): the Program → task templates per schedule, reload programming jobs;
//   perf_run.cpp    run(): the event loop (FCFS resources, cut-through transfers, barriers);
//   perf_stats.cpp  stats(): figures, per-layer/core/link statistics, pricing of the action counts.
#pragma once

#include <array>
#include <cmath>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "noc/network.h"
#include "sim/perf/perf_sim.h"

namespace aimc::perf::detail {

struct Task {
  std::vector<int32_t> res;  // resource ids held for `occ_ns`
  double occ_ns = 0;
  double lat_ns = 0;  // release-to-completion when uncontended (≥ occ_ns)
  int32_t core = -1;  // for per-core statistics
  int32_t stage = 0;
  bool transfer = false;       // res is a route: links taken hop by hop (virtual cut-through)
  std::vector<double> hop_ns;  // transfer: latency of each link
  double lead_ns = 0;          // transfer: a multicast branch starts where it leaves the routes before it
  double bytes = 0;            // transfer: the bytes each of its links carries per execution
  ActionCounts actions;        // per execution
  int64_t executions = 0;
};

struct Group {
  std::vector<int32_t> tasks;
  int32_t stage = 0;
  bool ahead = false;  // before the MVMs of a stage with digital ops ahead of them (Stage::digital_ops_before_mvms)
};

struct Item {
  int64_t inference = 0;
  int64_t chunk = 0;  // its slice of the inference
  int32_t copy = 0;
  bool gathered = false;     // its inference runs whole here: past a stage where its slices gather (slices.h)
  bool parked = false;       // a slice that ended where its inference gathered, until its slices resume
  int32_t halo_passed = -1;  // the stage whose halo (slices.h) it last waited for and passed
  double halo_timer = -1;    // when a pending halo timer fires for it (−1: none)
  int64_t batch = 0;
  int32_t group = 0;
  int32_t outstanding = 0;
  int32_t buffer = -1;  // the stage whose input buffer holds its input (PerfOptions::stage_buffers)
  int64_t held = 0;     // and how many slices' worth: 1, an inference (chunks) where it runs whole, 0 once merged
  double release = -1;  // when its inference was released to the chip (0 for a streamed load; a batch's launch)
  double start = -1, stage_start = 0, done = -1;
};

struct Event {
  double t;
  int64_t seq;
  int64_t owner;  // ≥ 0: item; < 0: programming job −owner−1
  int32_t task;
  int32_t hop;  // transfer: the head reaches link `hop`; −1: the task completes; −2: a halo timer of item
                // `owner` at stage `task`; −3: item `owner` found room in a stage's buffer and enters group `task`;
                // −4: the next task of stage line `task` joins its resource's queue (join_line)
  bool operator>(const Event& o) const { return t != o.t ? t > o.t : seq > o.seq; }
};

// A task group of inference 0 as it ran (its slice 0 where it streams, the slice that goes on where it runs whole
// stage): the critical-path trace.
struct GroupTrace {
  int32_t group = 0, stage = 0;
  double release = 0, end = 0;
  int32_t last_task = -1;  // the task that ended the group
};

struct ProgramJob {
  int64_t batch = 0;
  int32_t stage = 0;
  std::vector<std::vector<int32_t>> groups;  // fetches, then writes
  size_t group = 0;
  int32_t outstanding = 0;
  double start = 0;  // when the batch reached the segment: the writes hold the batch until done
};

inline double ceil_div_d(int64_t a, int64_t b) { return static_cast<double>((a + b - 1) / b); }

}  // namespace aimc::perf::detail

namespace aimc::perf {

using detail::Event;
using detail::Group;
using detail::GroupTrace;
using detail::Item;
using detail::ProgramJob;
using detail::Task;

struct PerfSimulator::Impl {
  chip::ChipSpec chip;
  program::Program prog;
  PerfOptions opt;
  const chip::ReadModeSpec* mode = nullptr;
  noc::Network noc;
  std::unique_ptr<EnergyTable> table;
  std::vector<std::string> unit_names;  // per-core and chip-level digital unit classes (the host follows)
  int32_t n_core_units = 0, n_chip_units = 0, host_class = 0;
  // Resources.
  int32_t r_dig = 0, r_chip = 0, r_host = 0, r_link = 0, n_res = 0;
  std::vector<double> free_at;
  // A resource serves first come, first served: a task takes it at max(release, its free time). A stage (of a
  // network copy) issues its items' tasks on a crossbar, digital unit or the host one at a time, in order: a
  // task whose stage's task before has not started yet waits behind it and joins the resource's queue as it
  // starts (a stage whose whole batch arrived at once would otherwise queue every item ahead of the later
  // stages that share the resource). One line per (resource, stage, copy) a task holds alone (line_of per
  // task, −1: a transfer, a programming write, a task on several resources).
  struct StageLine {
    double started = -1;                             // when the line's last task to join took the resource
    std::deque<std::pair<int64_t, int32_t>> behind;  // (owner, task) waiting for it to start
  };
  std::vector<int32_t> line_of;
  std::vector<StageLine> lines;
  // Templates.
  std::vector<Task> tasks;
  std::vector<std::vector<Group>> templ;          // per network copy
  std::vector<std::vector<int32_t>> stage_first;  // per copy: first group of each stage (size stages+1)
  std::vector<int32_t> stage_segment;             // per stage
  std::vector<bool> barrier;                      // per stage: the batch waits for each other here
  std::vector<ProgramJob> program_templ;          // per segment (reloads)
  int32_t copies = 1;
  bool data_parallel = false;
  // Data-parallel: the network copies each core's tiles serve (several on a core of several crossbars;
  // none: a core without tiles, which serves every copy).
  std::vector<std::vector<int32_t>> copies_of_core;
  int64_t batch = 1;
  bool sequential_batches = false;
  std::vector<int64_t> chunks_candidates;  // auto: the slicings choose_slices chose among (empty: chunks given)
  std::vector<char> sliced;                // per stage: it streams the inference in slices (slices.h), else runs it whole
  std::vector<char> resumes;               // per stage: a later stage streams in slices again
  std::vector<double> halo;                // per stage: the producer's slices past its own a slice reads (slices.h)
  bool any_halo = false;
  std::vector<std::vector<double>> stage_time;  // per copy and stage: one item's time through it alone
  // Per copy and stage: the part of stage_time before its MVMs where it has digital ops ahead of them (Group::ahead);
  // its output rows come out over the rest (the halo's timing).
  std::vector<std::vector<double>> ahead_time;
  // Per copy and stage: the part of stage_time before its first MVM or digital op that is not ahead of the MVMs
  // (its transfers in, its digital ops ahead): when alone, a slice's rows start coming out this long after it
  // entered the stage (the event simulation's halo clock starts there; the analytic model's adds it).
  std::vector<std::vector<double>> lead_time;
  // The time alone over which stage s's output rows come out for network copy c: after its ops ahead (the halo's timing).
  double rows_time(int32_t c, size_t s) const {
    return stage_time[static_cast<size_t>(c)][s] - ahead_time[static_cast<size_t>(c)][s];
  }
  // Stage input buffers (PerfOptions::stage_buffers), counted in slices (an inference whole: chunks).
  // An item takes room in stage s's buffer as it enters group buffer_at of s (the first of the stage
  // before's transfers at its end, which send it there; stage 0: its first group, the network's input
  // sent into room it holds) and gives back the room of the stage before; an inference's slices merge
  // where it runs whole and split where it streams again.
  std::vector<std::vector<int32_t>> buffer_at;  // per copy and stage
  int64_t buffers = 0;                          // the items' room per stage in this run (0: unbounded)
  std::vector<int64_t> buffer_room;             // per stage, in slices (INT64_MAX: unbounded)
  struct CoreBytes {
    int32_t core = 0, copy = -1;  // copy: the network copy whose inferences they are (data-parallel), else −1
    double bytes = 0;             // per inference of that copy
  };
  std::vector<std::vector<CoreBytes>> buffer_core_bytes;                          // per stage: the bytes its cores receive
  std::vector<double> core_buffered, core_buffered_peak;                          // per core: input bytes held (at most)
  std::vector<std::vector<int64_t>> buffered, buffered_peak;                      // per copy and stage
  std::vector<std::vector<std::deque<std::pair<int64_t, int32_t>>>> buffer_wait;  // per copy and stage: (item, group)
  int64_t overfilled = 0;  // times a full buffer was overfilled to break a deadlock (a warning)
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
  std::vector<int64_t> slices_in;  // per inference: its slices that reached the stage where they gather
  // Per inference and stage with a halo: which of its slices reached the stage, how many in a row
  // from slice 0, and those that wait for their halo.
  struct SliceArrivals {
    std::vector<char> in;
    int64_t prefix = 0;
    std::vector<int64_t> waiting;
    std::vector<double> began;  // as a producer: when each slice's first MVM or digital op at the stage started (−1: not yet)
  };
  std::vector<SliceArrivals> arrivals_at;
  int64_t traced = 0;               // the item whose groups are traced (inference 0's)
  int64_t finished = 0;             // items done (for PerfOptions::on_progress)
  std::vector<GroupTrace> trace;    // the traced item's groups, in order
  std::vector<double> trace_start;  // per task: when item 0's execution of it took its resource

  Impl(const chip::ChipSpec& c, const program::Program& p, PerfOptions o) : chip(c), prog(p), opt(std::move(o)), noc(c) {}

  int32_t xbar(int32_t core, int32_t array) const { return core * static_cast<int32_t>(chip.cores.arrays) + array; }
  double unit_ops_per_ns(const chip::DigitalUnitSpec& u) const;
  // A transfer task; `carried`: the links earlier members of its multicast group already take (the
  // branch takes only the others, after the shared prefix's latency), updated.
  int32_t add_transfer(const program::Transfer& t, double bytes, int32_t stage, std::vector<int32_t>* carried = nullptr);
  int32_t push(Task k);
  Task blank() const;
  // The Program → task templates, in named steps: resources and energy table; each transfer's stage
  // and phase; per network copy and stage its groups (transfers in, the MVMs and the layer's own
  // transfers and digital ops once per recurrent step, transfers out); segments and barriers.
  void setup();
  // Per stage, the transfers of each TransferAt: at its start; after its digital ops ahead of the MVMs (what they
  // made); after the MVMs; after the digital ops (at its end).
  using StageTransfers = std::vector<std::array<std::vector<int32_t>, 4>>;
  void setup_resources();
  void setup_stage_lines();  // line_of, lines
  StageTransfers transfers_by_stage();
  bool in_copy(const program::Endpoint& e, int32_t copy) const;  // data-parallel: the endpoint serves this copy
  // Transfer t's bytes per inference of network copy `copy`, over its bytes_per_inference (the average over
  // the chip's inferences): 1 outside data-parallel; data-parallel, `copies` for its own copy's (Transfer::copy)
  // and 0 for another's, 1 for one that serves every inference (copy −1: an op whose cores serve every copy).
  // A Program from before the field (no transfer names a copy): `copies` split evenly among the copies both its
  // ends serve.
  double copy_factor(const program::Transfer& t, int32_t copy) const;
  bool copies_unnamed = false;  // data-parallel, and no transfer names its copy (a Program from before the field)
  void build_copy(int32_t copy, const StageTransfers& xfers);
  // Items one inference is at stage s: its slices where it streams, 1 where it runs whole.
  int64_t items_per_inference_at(size_t s) const { return sliced[s] != 0 ? opt.chunks : 1; }
  // Per resource, its busy time for one inference on network copy `copy` in stages [first, end): every task
  // of the copy's template there, once per item the inference is at its stage.
  std::vector<double> occupancy_per_inference(int32_t copy, int32_t first, int32_t end) const;
  // The slices one item at stage s counts for: 1, or an inference's chunks where it runs whole.
  int64_t slices_per_item_at(size_t s) const { return opt.chunks / items_per_inference_at(s); }
  // The producer's slices stage s's halo reads whole: they wait in its buffers beside the slice that reads them.
  int64_t whole_halo_slices(size_t s) const {
    return sliced[s] != 0 && halo[s] > 0 ? static_cast<int64_t>(std::floor(halo[s])) : 0;
  }
  // `share`: the parts an inference's work at the stage is cut into, one per group (items × recurrent steps).
  void add_transfer_group(int32_t copy, size_t stage, const std::vector<int32_t>& ids, double share, std::vector<Group>& groups);
  Group mvm_group(int32_t copy, size_t stage, int64_t step, int64_t steps, double share);
  // The stage's digital ops [first, last) (Stage::digital_ops), one group each.
  void add_digital_groups(int32_t copy, size_t stage, size_t first, size_t last, double share, std::vector<Group>& groups);
  void setup_segments_and_barriers();
  void setup_stage_times();  // stage_time (and ahead_time): one item's time through each stage alone (Σ group_time)
  // Per segment: fetch each core's weights from the host, then write them (all of a core's arrays held).
  void build_programming();
  // Per resource, for group_time: its tasks' summed occupancy, the earliest any reaches it and the least time
  // any needs after holding it (n_res each, left as they were found).
  struct GroupScratch {
    explicit GroupScratch(int32_t n_res)
        : load(static_cast<size_t>(n_res), 0.0),
          reach(static_cast<size_t>(n_res), kNever),
          after(static_cast<size_t>(n_res), kNever),
          ahead_load(static_cast<size_t>(n_res), 0.0),
          ahead_reach(static_cast<size_t>(n_res), kNever) {}
    static constexpr double kNever = 1e300;
    std::vector<double> load, reach, after, ahead_load, ahead_reach;
  };
  // A list of tasks run together, alone on the chip: the longest of its longest task alone and, per
  // resource, the earliest a task reaches it, their summed occupancy, and the least time a task still needs
  // once it let the resource go (its route's later latencies: the tasks take a link one after another and
  // the last still crosses the rest); `longest` gets the longest task. `ahead`: tasks started at the same
  // instant just before them (served first where they reach a resource no later).
  double group_time(const std::vector<int32_t>& ids, int32_t* longest, GroupScratch& scratch,
                    const std::vector<int32_t>* ahead = nullptr) const;
  void start_tasks(const std::vector<int32_t>& ids, double now, int64_t owner, int32_t& outstanding);
  // Task `id` of `owner` takes its resources from `start` (they are free then) and completes after its latency.
  void begin_task(int32_t id, double start, int64_t owner);
  // The first task waiting behind stage line `q` joins its resource's queue at `now`.
  void join_line(int32_t q, double now);
  // A task of `owner` starts; `work`: an MVM or digital op (a slice's rows start coming out).
  void note_start(int64_t owner, double start, bool work);
  // A transfer's head reaches link `hop` of its route at `now`: it waits for the link, holds it for
  // the serialisation time, and moves on after the link's latency.
  void hop(const Event& e);
  int32_t stage_of_group(const Item& it, int32_t g) const;
  // The item is about to enter group `g`.
  void enter(int64_t i, int32_t g, double now, bool past_barrier = false);
  void finish_stage_if_end(Item& it, int32_t g, double now);
  int64_t items_in_batch(int64_t b) const;             // every slice of its inferences
  int64_t items_at_stage(int64_t b, int32_t s) const;  // those that pass stage s (one per inference where it runs whole)
  // At a stage that runs whole after one that streams: the slice goes on (true) once it is the
  // inference's last to arrive; the others end there, or wait (parked) for the slices to resume.
  bool gather_slices(int64_t i, int32_t s, double now);
  // At a stage that streams after one that ran whole: the item and the inference's parked slices
  // enter the stage, in slice order.
  void scatter_slices(int64_t i, int32_t s, double now);
  // At a stage with a halo the slice waits (halo_wait) until the producer has made the rows its window
  // reads: every slice it reads whole has reached the stage, and the one it reads a part of started
  // its MVMs or digital ops in the stage before that part of the stage's time alone ago (its rows
  // come out evenly). Each arrival and each timer (an Event with hop −2; one is set when a producer
  // slice starts) enters the slices it completes.
  void halo_wait(int64_t i, int32_t s, double now);
  void halo_release(int64_t inference, int32_t s, double now);
  SliceArrivals& slice_arrivals(int64_t inference, int32_t s) {
    return arrivals_at[static_cast<size_t>(inference) * prog.schedule.stages.size() + static_cast<size_t>(s)];
  }
  void setup_buffers(const StageTransfers& xfers);
  // The item takes room in stage s's buffer (false: full, or others wait before it) and gives back the room
  // it held in the stage before; give_buffer gives room back and lets the waiting items in, in order.
  // `front`: the item is the first of those waiting there; `force`: over the room (a deadlock broken).
  bool take_buffer(int64_t i, int32_t s, double now, bool front = false, bool force = false);
  void give_buffer(int32_t copy, int32_t s, int64_t units, double now);
  void hold_core_bytes(int32_t copy, int32_t s, int64_t units);  // units (< 0: given back) of stage s's input on its cores
  // No event left while items wait for room: a deadlock (a buffer too small for what its stage waits
  // for); the longest-waiting item at the latest stage goes in over the room. False: none waits.
  bool break_buffer_deadlock(double now);
  // A warning when a core held more of its stages' input at once than its memories hold.
  void warn_if_buffers_exceed_memory();
  void finish(Item& it, double now);
  void arrive(int64_t b, int32_t s, double now);
  void release_batch(int64_t b, int32_t s, double now);
  void job_advance(int64_t j, double now);
  void launch_batch(int64_t b, double now);
  // Run state cleared, every task's executions zeroed, the items (inference × chunk) laid out.
  void reset_run();
  void run();
  // The same figures in closed form (perf_analytic.cpp): no event loop.
  void run_analytic();
  std::string resource_name(int32_t r) const;
  std::string stage_name(int32_t s) const;  // its layers' names joined by '+', or "stage N"
  PerfStats stats() const;
  // Per resource, its busy time over the run: every task's executions × its occupancy of each resource it holds
  // (one product per task, so both simulators give the same sums, in no time).
  std::vector<double> busy_per_resource() const;
  std::vector<PathStep> critical_path() const;
};

}  // namespace aimc::perf
