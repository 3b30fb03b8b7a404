// Discrete-event performance and energy simulation of a Program on a Chip.
//
// Resources (dense integer ids, STYLE P6): one MVM engine per crossbar (core × array), one per
// digital unit class on each core, one per chip-level unit, the host, and every network link
// (noc::Network). A resource serves its tasks first come, first served, and holds it for the task's
// occupancy; a stage issues its items' tasks on a crossbar, digital unit or the host one at a time (its
// later ones join the queue as the one before starts). A transfer takes the links of its route one
// after another as its head reaches them (virtual cut-through), holding each for bytes / the slowest
// link's bandwidth. Events are processed in time order.
//
// One inference (or each of its `chunks` slices, slices.h, where it streams in slices) walks the
// schedule's stages in order; a stage is a chain of task groups, each starting when the previous one has finished:
//   [transfers at its start] → MVMs on every crossbar of the stage's layer (vectors / replicas each,
//   at mvm_latency_ns(mode, input bits, active rows, active columns)) → the transfers after its MVMs
//   (partial sums, gates, operands read back) → each digital op (ops / (ops_per_cycle · count ·
//   clock) on each of its cores) → the transfers at its end (Transfer::stage/at).
// An LSTM stage repeats MVMs, own transfers and digital ops once per time step (h(t−1) → step t);
// replicas of the layer take turns (step t on replica t mod replicas). Each stage's buffers hold a
// bounded number of items' input (PerfOptions::stage_buffers): an item takes room in the next stage's
// as the transfers that send its output there begin, and waits, holding its own, while there is none.
// Schedules: pipelined — inferences stream, stages overlap across inputs; layer — a batch goes
// through one stage at a time (a barrier per stage), batches one after another; data-parallel —
// inference i runs on network copy i mod network_replicas. Reload segments: a batch runs segment
// by segment; before each, the segment's weights are fetched from the host (through the off-chip
// memory's link) and written (ceil(write ops / parallel_writes) · (t_write, or t_init + iterations ·
// (t_write + t_verify))). The work is split over perf_tasks.cpp, perf_run.cpp and perf_stats.cpp.
//
// PerfOptions::analytic times the same templates in closed form instead (perf_analytic.cpp): the same
// action counts and energy, throughput and latency within a few percent (not where one link that several
// stages share bounds the run: docs/perf-sim.md measures both), no event loop.
//
// Lifecycle (STYLE P2): construct (init: parameters) → setup() (resolve the Program into task
// templates) → run() → stats(). Action counts are priced only in stats() (STYLE P8).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "chip/chip_spec.h"
#include "program/program.h"
#include "sim/perf/actions.h"
#include "sim/perf/energy_table.h"
#include "sim/perf/steady_state.h"

namespace aimc::perf {

struct PerfOptions {
  int64_t images = 16;                       // inferences streamed
  int64_t batch = 0;                         // inferences per batch (layer schedule, reloads); 0: all
  int64_t chunks = 0;                        // slices per inference that flow through the stages separately
                                             // (slices.h); 0: auto (choose_slices)
  std::string read_mode;                     // empty: the chip's first read mode
  std::optional<int64_t> verify_iterations;  // program-and-verify iterations (absent: max_iterations)
  std::optional<double> host_gops;           // overrides the chip's host.gops (Gop/s); 0: host ops take no time
  bool analytic = false;                     // time the run in closed form (perf_analytic.cpp), not event by event
  // Items (slices where the inference streams, else inferences) whose input each stage's buffers hold at
  // once, besides the producer's slices a halo reads whole (held beside the item it works on); an item that
  // finished a stage waits, holding its own room, until the next stage has room (backpressure). Absent:
  // kDefaultStageBuffers; 0: unbounded. Raised where a stage needs more to go on (a whole inference where
  // the slices gather or stream again, every slice its halo reads). The analytic model
  // admits items into each stage as a window (an item enters as the one `room` items before it lets its room
  // go, the span where an item holds it timed alone; perf_analytic.cpp). Pipelined
  // and data-parallel schedules only (a batched schedule holds its batch between stages).
  std::optional<int64_t> stage_buffers;
  // Called as the event simulation's items (inferences, or their slices) finish, with (done, total), about a
  // thousand times a run at most: a progress bar's. Not called by the analytic model, nor for the runs
  // beside the main one (auto's slicings, the single-inference latency).
  std::function<void(int64_t done, int64_t total)> on_progress;
};

// ASSUMPTION: double buffering — a stage holds the item it works on and receives the next one's input,
// as a systolic (streaming) pipeline does; Bruschi et al. 2023 pipeline the 512-cluster chip's layers "as
// a systolic dataflow" (chips.md 4.1). docs/perf-sim.md shows the figures unbounded.
inline constexpr int64_t kDefaultStageBuffers = 2;

struct LayerStats {
  int32_t stage = 0;
  std::string name;
  double macs_per_inference = 0;
  double mvms_per_inference = 0;  // array MVMs
  double service_ns = 0;          // per inference: the stage's busiest resource (its pipelined bound)
  double time_ns = 0;             // mean span of the stage per inference (first start → last end)
  // The most of its input the stage held at once (from its producer's sending to its own sending on), in
  // inferences (a slice: 1 / chunks), and those bytes on its cores.
  double buffer_peak = 0, buffer_peak_bytes = 0;
  std::vector<int32_t> cores;
  ActionCounts actions;    // per run
  EnergyBreakdown energy;  // per run
};

// One stage on the critical path of an inference alone on the chip: where its time went. Each of the
// stage's task groups ends when its last task does; that task's wait for its resource (held by
// another of the inference's own tasks) is `waiting`, its service is charged to its kind: analog (a
// crossbar's MVMs), digital (a core's or the chip's digital units), network (an on-chip transfer),
// memory (a transfer through the off-chip memory's link), host link (a transfer over the host link
// of a chip without an off-chip memory), host (ops placed on the host). `barrier_ns`: time between
// the traced task groups (slice 0's where the inference streams, the slice that goes on where it runs
// whole) with none of them running: a stage barrier, weight reprogramming, the inference's other
// slices gathering, the producer's rows a slice's halo reads, room in the next stage's buffers.
struct PathStep {
  int32_t stage = 0;
  std::string name;    // the stage's layers
  double time_ns = 0;  // release of its first group → end of its last
  double waiting_ns = 0, analog_ns = 0, digital_ns = 0, network_ns = 0, memory_ns = 0, host_link_ns = 0, host_ns = 0,
         barrier_ns = 0;
  std::string resource;  // the resource of the stage's longest critical task
};

struct CoreStats {
  int32_t core = 0;
  double crossbar_busy_ns = 0;  // summed over the core's arrays
  double digital_busy_ns = 0;   // summed over the core's digital units
  int32_t crossbars = 1;        // the core's arrays, and its digital units: what a busy fraction's mean is over
  int32_t digital_units = 1;
  double buffer_peak_bytes = 0;  // the most input of its stages its buffers held at once (event simulation)
  ActionCounts actions;
  EnergyBreakdown energy;
};

struct LinkStats {
  std::string name;
  double busy_ns = 0;
  double bytes = 0;
};

// Where the chip's peak goes on a workload (Bruschi et al. 2023 break its inefficiency into global
// mapping, local mapping and pipeline imbalance). The factors multiply to the run's TOPS exactly:
// peak_tops · global_mapping · local_mapping · pipeline · digital_macs = tops.
struct Efficiency {
  double peak_tops = 0;                // chip show's peak in the run's read mode, at input_bits / weight_bits
  int64_t input_bits = 0;              // the peak's: the analog layers' input precision with the most MACs
  std::optional<int64_t> weight_bits;  // the peak's weight precision at input_bits (absent: analog)
  double global_mapping = 0;           // crossbars the network uses (every network copy) / crossbars on the chip
  double local_mapping = 0;            // analog MACs per unit of those crossbars' MVM time / a full array's at the peak
  double pipeline = 0;                 // throughput / the crossbars' bound: imbalance, transfers, digital work, reloads, waits
  double digital_macs = 1;             // all MACs / the analog ones (convolutions placed on digital units)
};

struct PerfStats {
  std::string chip, model, schedule, read_mode;
  std::string simulator = "event";                          // "event" | "analytic" (PerfOptions::analytic)
  std::vector<int64_t> arrangement;                         // the chip's core grid (cores.arrangement), for floor plans
  int64_t images = 0, batch = 0, chunks = 1, segments = 1;  // chunks: the slices used (auto resolved)
  std::vector<int64_t> chunks_candidates;                   // auto: the slicings it chose among (choose_slices); else empty
  // The room each stage's buffers had (PerfOptions::stage_buffers; 0: unbounded, or a batched schedule).
  int64_t stage_buffers = 0;
  std::string slices_gather;  // the first stage (its layers) where the slices gather and the inference runs whole ("" : none)
  std::vector<std::string> slices_resume;  // the stages after it where the inference streams in slices again
  double makespan_ns = 0;
  double latency_ns = 0;  // one inference alone on the chip: its first task's start → its last task's end
  // Under the run's load: the mean over inferences of release → last task's end, where the load is released at
  // once (every image at 0 when the inferences stream; a batch when the one before it is done), so it counts the
  // queueing before the chip's first stage as well as between stages.
  double mean_latency_ns = 0;
  // First inference's chain of group maxima (no contention); with slices, the slices' tandem through
  // the stages' per-slice services and halos (sliced_chain_ns: pipeline fill + (slices − 1) · bottleneck
  // with one gather and no halo).
  double critical_path_ns = 0;
  std::vector<PathStep> critical_path;  // the inference alone, stage by stage (sums to latency_ns)
  // The steady state's throughput, timed as `throughput_basis` says (steady_state.h): a period of its
  // completions, else those after the warm-up, else the whole run; kept between the run's average and the
  // busiest resource's bound.
  double inferences_per_s = 0;
  ThroughputBasis throughput_basis = ThroughputBasis::Run;
  int64_t throughput_period = 0;   // inferences per repeat of the completions (Periodic), else 0
  int64_t throughput_warm_up = 1;  // the warm-up's inferences: a batch, a round over data-parallel copies, or 1
  // The crossbars' bound: the Program's MVMs spread evenly over the crossbars it uses, each doing MVMs
  // all the time (no waits, transfers or reprogramming): crossbars used / their summed MVM time per
  // inference (0 without MVMs). No schedule or balancing of these MVMs on these crossbars exceeds it.
  double array_bound_inferences_per_s = 0;
  double macs_per_inference = 0;
  double tops = 0;                       // 2 · MACs · inferences/s
  std::optional<Efficiency> efficiency;  // the peak's breakdown (absent without array MVMs)
  std::optional<double> area_mm2;        // the chip's area (chip/area.h), when known
  std::optional<double> tops_per_mm2;    // tops / area_mm2: the workload's density
  double energy_per_inference_j = 0;
  double dynamic_energy_per_inference_j = 0;
  // The same with every row drive priced in full, whatever input it carried (differs from the above
  // only where layers carry a measured input activity, Program quant.activity).
  double data_independent_energy_per_inference_j = 0;
  std::string activity_source;  // calibration data the activities were measured on ("" : none)
  double tops_per_w = 0;        // 2 · MACs / energy per inference (static included)
  double tops_per_w_dynamic = 0;
  double tops_per_w_mvm = 0;  // the MVMs' energy only (array, drivers, ADCs): what chip show's peak counts
  double programming_ns = 0;  // total weight (re)programming time (each segment's fetches and writes, simulated)
  int32_t bottleneck_stage = -1;
  std::string bottleneck;  // the bottleneck layer's name
  double bottleneck_service_ns = 0;
  std::string bottleneck_resource;  // the resource busiest per inference over all stages
  double bottleneck_resource_ns = 0;
  ActionCounts actions;
  EnergyBreakdown energy;  // whole run, static included
  // The ops placed on the host (chip.host, or PerfOptions::host_gops): per inference, the host's busy
  // time at its throughput, the share of one inference's latency its critical path spent there, and
  // the share of the energy.
  double host_gops = 0;
  double host_ops_per_inference = 0;
  double host_busy_ns_per_inference = 0;
  double host_latency_share = 0;
  double host_energy_share = 0;
  // The host link (a chip without an off-chip memory; noc/network.h): bytes per inference both
  // ways, the busier direction's busy time per inference, and the share of the energy.
  double host_link_bytes_per_inference = 0;
  double host_link_busy_ns_per_inference = 0;
  double host_link_energy_share = 0;
  std::vector<std::string> unpriced;
  std::vector<std::string> warnings;  // the simulation's: transfers it could not place, buffers overfilled or beyond memory
  std::vector<LayerStats> layers;
  std::vector<CoreStats> cores;
  std::vector<LinkStats> links;  // links that carried traffic
  double link_class_util = 0;    // busiest link's busy fraction
  int64_t events = 0;
  double wall_s = 0;
  double events_per_s = 0;
};

class PerfSimulator {
 public:
  PerfSimulator(const chip::ChipSpec& chip, const program::Program& program, PerfOptions options);
  ~PerfSimulator();
  PerfSimulator(const PerfSimulator&) = delete;
  PerfSimulator& operator=(const PerfSimulator&) = delete;
  void setup();
  void run();
  PerfStats stats() const;

 private:
  struct Impl;
  Impl* m;
};

// One call: setup, run, stats.
PerfStats simulate(const chip::ChipSpec& chip, const program::Program& program, const PerfOptions& options);

// The slices `chunks` = 0 (auto) streams each inference in: of auto_slice_candidates (slices.h: 1, 2, 4, … up to
// the finest whole-row slicing), the one with which the analytic model (PerfOptions::analytic) finishes the
// run's images soonest, then the one with the shortest latency, then the fewest. Finer slices shorten a
// pipeline's fill, but each slice pays its transfers' latency and takes a place in the stage buffers: a small
// 1-D network on HERMES, whose FPGA link has 0.5 µs of latency, ran 7× slower in its 32 slices than whole
// (docs/perf-sim.md). `options.chunks` when it is not 0.
int64_t choose_slices(const chip::ChipSpec& chip, const program::Program& program, const PerfOptions& options);

// Upper bound of images × chunks, the items one simulation tracks: each holds a few hundred bytes to a kilobyte
// in either simulator (LeNet on hermes: 0.3 KB per item; ResNet-20 in 8 slices: 0.55 KB), so the bound keeps a
// run within a few GB (2^24 items were 5 to 16 GB: std::bad_alloc or the kernel's OOM killer), and the event
// simulation's time within minutes (its steady state needs far fewer images).
inline constexpr int64_t kMaxSimulatedItems = int64_t{1} << 22;
// Throws Error naming the option when a value no run can mean is given (images < 1, a negative batch, chunks
// beyond kMaxSlices, a NaN or negative host throughput, ...): the one check every front door (CLI, Python,
// sweeps) reaches, before any compile and again when the simulator is set up.
void check_options(const PerfOptions& options);

// A synthetic Program that keeps every crossbar of the chip busy: one full-size layer with one
// replica per crossbar and `mvms_per_crossbar` vectors each, at `input_bits` and the chip's peak
// weight precision; no digital ops, no transfers.
program::Program peak_program(const chip::ChipSpec& chip, int64_t input_bits, int64_t mvms_per_crossbar);

}  // namespace aimc::perf
