// Streaming an inference in slices (sim/perf/slices.h): how many `auto` picks, where the slices
// gather, the halo a windowed layer reads past its slice, and the event and closed-form timings of
// hand-computable chains.
#include <gtest/gtest.h>

#include "chip/peak.h"
#include "core/error.h"
#include "perf_test_util.h"
#include "sim/perf/perf_sim.h"
#include "sim/perf/slices.h"

namespace aimc::perf {
namespace {

// A conv layer with `rows` output rows (`rows` × `rows` positions) on `core`.
int32_t conv(Builder& b, int64_t rows, int32_t core, int32_t segment = 0) {
  const int32_t l = b.layer(128, 128, rows * rows, core, segment);
  b.p.layers[static_cast<size_t>(l)].kind = program::LayerKind::Conv;
  b.p.layers[static_cast<size_t>(l)].output_rows = rows;
  return l;
}

// One inference alone, event by event or in closed form, in `slices` slices (0: auto).
PerfOptions one_image(bool analytic, int64_t slices) {
  PerfOptions o;
  o.images = 1;
  o.analytic = analytic;
  o.chunks = slices;
  return o;
}

// The critical path's stages summed: the latency, when every wait is on the path.
double path_sum(const PerfStats& s) {
  double t = 0;
  for (const PathStep& p : s.critical_path) t += p.time_ns;
  return t;
}

TEST(Slices, AutoIsTheFewestOutputRowsBeforeTheClassifier) {
  Builder b;
  conv(b, 16, 0);
  conv(b, 8, 1);
  b.layer(128, 10, 1, 2);  // the classifier after a global pool: one input vector
  EXPECT_EQ(auto_slices(b.p), 8);
  EXPECT_EQ(gather_stage(b.p, 8), 2);
  EXPECT_EQ(gather_stage(b.p, 16), 1);  // 8 rows cannot be cut in 16
  EXPECT_EQ(gather_stage(b.p, 1), 3);   // whole inferences never gather
  EXPECT_EQ(auto_slice_candidates(b.p), (std::vector<int64_t>{1, 2, 4, 8}));
  PerfOptions o;
  o.chunks = 3;
  EXPECT_EQ(choose_slices(test::preset("hermes"), b.p, o), 3);  // given, not chosen
  o.chunks = -2;
  EXPECT_THROW(simulate(test::preset("hermes"), b.p, o), Error);
}

TEST(Slices, AutoTakesEveryConvThatStreams) {
  Builder b;
  conv(b, 32, 0);
  conv(b, 1, 1);  // a squeeze-and-excitation's 1x1 conv: one output row, gathers
  conv(b, 4, 2);  // after it the inference streams again: its 4 rows limit the slices
  EXPECT_EQ(auto_slices(b.p), 4);
  EXPECT_EQ(gather_stage(b.p, 4), 1);
  EXPECT_EQ(sliced_stages(b.p, 4), (std::vector<char>{1, 0, 1}));
  EXPECT_EQ(sliced_stages(b.p, 8), (std::vector<char>{1, 0, 0}));  // 4 rows cannot be cut in 8
  EXPECT_EQ(sliced_stages(b.p, 1), (std::vector<char>{0, 0, 0}));
  Builder big;
  conv(big, 100, 0);
  big.layer(128, 10, 1, 1);
  EXPECT_EQ(auto_slices(big.p), kMaxAutoSlices);
  EXPECT_EQ(auto_slice_candidates(big.p), (std::vector<int64_t>{1, 2, 4, 8, 16, 32}));
  Builder rows6;
  conv(rows6, 6, 0);
  EXPECT_EQ(auto_slice_candidates(rows6.p), (std::vector<int64_t>{1, 2, 4, 6}));
}

TEST(Slices, AutoIsOneWhereTheInferenceCannotStreamByRows) {
  {
    Builder b;  // no layer with more than one input vector
    b.layer(128, 10, 1, 0);
    b.layer(10, 10, 1, 1);
    EXPECT_EQ(auto_slices(b.p), 1);
    EXPECT_EQ(auto_slice_candidates(b.p), std::vector<int64_t>{1});
    conv(b, 8, 2);  // a conv after them streams
    EXPECT_EQ(auto_slices(b.p), 8);
    EXPECT_EQ(sliced_stages(b.p, 8), (std::vector<char>{0, 0, 1}));
  }
  {
    Builder b;  // tokens: a layer with several vectors that is not a conv
    conv(b, 8, 0);
    b.layer(128, 128, 16, 1);
    EXPECT_EQ(auto_slices(b.p), 1);
  }
  {
    Builder b;  // a recurrent layer
    conv(b, 8, 0);
    const int32_t l = b.layer(256, 64, 20, 1);
    b.p.layers[static_cast<size_t>(l)].kind = program::LayerKind::Lstm;
    EXPECT_EQ(auto_slices(b.p), 1);
  }
  {
    Builder b;  // output rows not recorded (a Program from before they were)
    conv(b, 8, 0);
    b.p.layers[0].output_rows = 0;
    EXPECT_EQ(auto_slices(b.p), 1);
  }
  {
    Builder b;  // layer by layer: every stage is a barrier for the batch
    conv(b, 8, 0);
    conv(b, 8, 1);
    b.p.schedule.kind = program::ScheduleKind::LayerByLayer;
    EXPECT_EQ(auto_slices(b.p), 1);
  }
  {
    Builder b;  // reload segments
    conv(b, 8, 0, 0);
    conv(b, 8, 0, 1);
    EXPECT_EQ(auto_slices(b.p), 1);
  }
}

// conv A (8 x 8 outputs) → conv B (8 x 8) → classifier C (1 vector), each alone on its core, no
// transfers: one MVM takes t. Whole: 64 t + 64 t + t. In 8 slices of 8 MVMs, B works on slice c as
// soon as A has made it, so B ends one slice after A (64 t + 8 t) and C, which needs every slice,
// then runs whole: 73 t.
Builder chain() {
  Builder b;
  conv(b, 8, 0);
  conv(b, 8, 1);
  b.layer(128, 128, 1, 2);
  return b;
}

TEST(Slices, AChainStreamsThenGathersForTheClassifier) {
  const auto chip = test::preset("hermes");
  const double t = chip::mvm_latency_ns(chip, chip.cores.read_modes.front(), 8);
  const Builder b = chain();
  for (const bool analytic : {false, true}) {
    SCOPED_TRACE(analytic ? "analytic" : "event");
    PerfOptions o = one_image(analytic, 1);
    const PerfStats whole = simulate(chip, b.p, o);
    EXPECT_NEAR(whole.latency_ns, 129 * t, 1e-6);
    EXPECT_EQ(whole.slices_gather, "");
    o.chunks = 0;  // auto: 8
    const PerfStats s = simulate(chip, b.p, o);
    EXPECT_EQ(s.chunks, 8);
    EXPECT_EQ(s.slices_gather, "L2");
    EXPECT_NEAR(s.latency_ns, 73 * t, 1e-6);
    EXPECT_NEAR(s.critical_path_ns, (8 + 8 + 1) * t + 7 * 8 * t, 1e-6);  // one slice's chain, 7 more behind A
    EXPECT_NEAR(path_sum(s), s.latency_ns, 1e-6);
    ASSERT_EQ(s.critical_path.size(), 3u);
    EXPECT_NEAR(s.critical_path[2].barrier_ns, 72 * t - 16 * t, 1e-6);  // C waited for slices 1..7
    EXPECT_NEAR(s.critical_path[2].analog_ns, t, 1e-6);                 // then ran its one MVM whole
    // The same work: every MVM once, the same energy.
    EXPECT_DOUBLE_EQ(s.actions.array_mvms(), whole.actions.array_mvms());
    EXPECT_NEAR(s.energy_per_inference_j, whole.energy_per_inference_j, 1e-12 * whole.energy_per_inference_j);
  }
}

// A 1-D conv of 32 output rows, one MVM each, fed from the host: HERMES's host link has 0.5 µs of latency.
// Each slice's input crosses it, and the stage's two buffer places hold a slice each from its sending on,
// so 32 slices arrive two per link latency, slower than its MVMs take them. Auto takes the slicing with
// which the closed form ends the run soonest: fewer slices than the finest, and the event simulation's
// run then ends well before the finest's.
TEST(Slices, AutoTakesTheSlicingThatEndsTheRunSoonest) {
  const auto chip = test::preset("hermes");
  Builder b;
  const int32_t l = b.layer(128, 128, 32, 0);
  auto& L = b.p.layers[static_cast<size_t>(l)];
  L.kind = program::LayerKind::Conv;
  L.output_rows = 32;
  L.input_value = "x";
  b.p.transfers.push_back({{EndpointKind::Host, 0}, {EndpointKind::Core, 0}, 32 * 128.0, "x", program::TransferKind::Input, 1});
  b.p.transfers.push_back(
      {{EndpointKind::Core, 0}, {EndpointKind::Host, 0}, 32 * 128.0, L.output_value, program::TransferKind::Output, 1});
  ASSERT_EQ(auto_slices(b.p), 32);
  PerfOptions o;
  o.images = 16;
  const int64_t k = choose_slices(chip, b.p, o);
  EXPECT_LT(k, 32);
  o.analytic = true;
  double soonest = 1e300;
  for (const int64_t c : auto_slice_candidates(b.p)) {
    o.chunks = c;
    soonest = std::min(soonest, simulate(chip, b.p, o).makespan_ns);
  }
  o.chunks = k;
  const PerfStats closed_k = simulate(chip, b.p, o);
  EXPECT_EQ(closed_k.makespan_ns, soonest);  // the closed form's fastest
  o.chunks = 0;                              // an analytic run with auto is the closed form's run of its pick
  const PerfStats closed_auto = simulate(chip, b.p, o);
  EXPECT_EQ(closed_auto.chunks, k);
  EXPECT_EQ(closed_auto.makespan_ns, closed_k.makespan_ns);
  EXPECT_EQ(closed_auto.latency_ns, closed_k.latency_ns);
  EXPECT_EQ(closed_auto.energy_per_inference_j, closed_k.energy_per_inference_j);
  o.analytic = false;
  const PerfStats chosen = simulate(chip, b.p, o);
  EXPECT_EQ(chosen.chunks, k);
  EXPECT_EQ(chosen.chunks_candidates, auto_slice_candidates(b.p));
  o.chunks = k;
  const PerfStats given = simulate(chip, b.p, o);  // the same run as the slicing given by hand
  EXPECT_EQ(given.makespan_ns, chosen.makespan_ns);
  EXPECT_EQ(given.latency_ns, chosen.latency_ns);
  EXPECT_EQ(given.inferences_per_s, chosen.inferences_per_s);
  o.chunks = 32;
  const PerfStats finest = simulate(chip, b.p, o);
  EXPECT_TRUE(finest.chunks_candidates.empty());
  EXPECT_LT(chosen.makespan_ns, 0.8 * finest.makespan_ns);
  // One image alone down a chain of convs without transfers: slices shorten its latency, so auto takes the finest.
  o.images = 1;
  o.chunks = 0;
  EXPECT_EQ(simulate(chip, chain().p, o).chunks, 8);
}

TEST(Slices, StagesThatShareACrossbarTakeItInTurn) {
  // The chain's two convs on one crossbar (2-D packing): their slices cannot run at once, so an inference takes
  // the crossbar's 128 MVMs before the classifier's one. The closed form's stages would overlap (73 MVM times,
  // as on two crossbars): it stretches the crossbar's window, from the first conv taking the inference in to
  // the second letting it go, to the crossbar's work, and the classifier still follows (a barrier on the path).
  const auto chip = test::preset("hermes");
  const double t = chip::mvm_latency_ns(chip, chip.cores.read_modes.front(), 8);
  Builder b;
  conv(b, 8, 0);
  conv(b, 8, 0);
  b.layer(128, 128, 1, 2);
  const PerfStats event = simulate(chip, b.p, one_image(false, 8));  // auto takes 1: slices gain nothing here
  const PerfStats closed = simulate(chip, b.p, one_image(true, 8));
  EXPECT_EQ(event.chunks, 8);
  EXPECT_NEAR(event.latency_ns, 129 * t, 1e-6);
  EXPECT_NEAR(closed.latency_ns, 129 * t, 1e-6);  // 128 before 2026-12-07: the crossbar's work, without the classifier
  EXPECT_NEAR(path_sum(closed), closed.latency_ns, 1e-6);
  EXPECT_GT(closed.critical_path.back().barrier_ns, 0);
  PerfOptions o;
  o.images = 16;
  for (const bool analytic : {false, true}) {
    o.analytic = analytic;
    EXPECT_NEAR(simulate(chip, b.p, o).inferences_per_s, 1e9 / (128 * t), 1e-6 * 1e9 / (128 * t)) << analytic;
  }
}

// A 3x3 conv's window (stride 1, pad 1 unless given) over `in` input rows.
program::RowWindow window3(int64_t in, int64_t stride = 1, int64_t pad = 1) {
  return program::RowWindow{.input_rows = in, .kernel = 3, .stride = stride, .pad = pad};
}

TEST(Slices, HaloIsTheShareOfTheNextSliceAWindowReads) {
  // 3x3 stride 1: a slice's last output row reads the producer's next row.
  EXPECT_DOUBLE_EQ(halo_slices(32, window3(32), 8), 0.25);  // 4 rows per slice: 1 of the next 4
  EXPECT_DOUBLE_EQ(halo_slices(32, window3(32), 32), 1.0);  // 1 row per slice: the whole next one
  EXPECT_DOUBLE_EQ(halo_slices(32, window3(32), 1), 0.0);   // whole inferences
  // 3x3 stride 2, pad 1 (32 → 16 rows): output row r reads input rows 2r-1 .. 2r+1, inside its slice.
  EXPECT_DOUBLE_EQ(halo_slices(16, window3(32, 2), 8), 0.0);
  // 1x1: nothing past its own rows.
  EXPECT_DOUBLE_EQ(halo_slices(32, program::RowWindow{.input_rows = 32, .kernel = 1, .stride = 1, .pad = 0}, 8), 0.0);
  // 7x7 stride 2, pad 3 (64 → 32 rows), 8 slices: slice k's last output row 4k+3 reads input rows up
  // to 8k+9, the first 2 of the next slice's 8.
  EXPECT_DOUBLE_EQ(halo_slices(32, program::RowWindow{.input_rows = 64, .kernel = 7, .stride = 2, .pad = 3}, 8), 0.25);
  // 5x5 stride 1, pad 2, 1 row per slice: two more slices, the second of them whole.
  EXPECT_DOUBLE_EQ(halo_slices(8, program::RowWindow{.input_rows = 8, .kernel = 5, .stride = 1, .pad = 2}, 8), 2.0);
  // Rows that do not divide: 10 rows in 4 slices (the producer's whole rows per slice: 0-1, 2-4, 5-6,
  // 7-9). Slice 0 ends inside output row 2, which reads row 3: 2 of slice 1's 3 rows; slice 2 ends in
  // row 7, which reads row 8: 2 of slice 3's 3; slice 1's last row 4 reads row 5: 1 of slice 2's 2.
  EXPECT_NEAR(halo_slices(10, window3(10), 4), 2.0 / 3.0, 1e-12);
}

TEST(Slices, StageHalosTakeLayersAndDigitalOpsBeforeTheGather) {
  Builder b;
  conv(b, 8, 0);
  conv(b, 8, 1);
  conv(b, 8, 2);
  b.layer(128, 10, 1, 3);                 // the classifier gathers
  b.p.layers[0].row_window = window3(8);  // stage 0's producer is the input: no halo
  b.p.layers[1].row_window = window3(8);
  program::DigitalOp pool;  // a 3x3 stride-1 max-pool in stage 2
  pool.id = 0;
  pool.output_rows = 8;
  pool.row_window = window3(8);
  b.p.digital_ops.push_back(pool);
  b.p.schedule.stages[2].digital_ops = {0};
  b.p.layers[3].row_window = window3(8);  // (not a conv with rows: never read)
  EXPECT_EQ(stage_halos(b.p, 8), (std::vector<double>{0, 1, 1, 0}));
  EXPECT_EQ(stage_halos(b.p, 4), (std::vector<double>{0, 0.5, 0.5, 0}));
  EXPECT_EQ(stage_halos(b.p, 1), (std::vector<double>{0, 0, 0, 0}));
}

TEST(Slices, ChainedHalosInClosedForm) {
  // Two stages of latency = service = 10 in 2 slices.
  const std::vector<double> lat{10, 10}, svc{10, 10};
  const std::vector<char> both{1, 1};
  EXPECT_DOUBLE_EQ(sliced_chain_ns(lat, svc, {0, 0}, both, 2), 30);    // 10 + 10 + 1 x 10
  EXPECT_DOUBLE_EQ(sliced_chain_ns(lat, svc, {0, 1}, both, 2), 40);    // slice 0 waits for slice 1 to leave stage 0 (20)
  EXPECT_DOUBLE_EQ(sliced_chain_ns(lat, svc, {0, 0.5}, both, 2), 35);  // ... for half of slice 1's time there (10 + 5)
  EXPECT_DOUBLE_EQ(sliced_chain_ns(lat, svc, {0, 1}, {1, 0}, 2), 30);  // gathered at stage 1: whole there
  // No halo: one slice's chain plus the slowest stage's service for the others.
  EXPECT_DOUBLE_EQ(sliced_chain_ns({4, 9, 3}, {4, 9, 3}, {0, 0, 0}, {1, 1, 1}, 5), 16 + 4 * 9);
  // Sliced, whole, sliced again: the slices leave stage 0 at 10 and 20, stage 1 takes the inference
  // whole until 30, then both slices start stage 2 (no halo across the whole stage): 40, 50.
  EXPECT_DOUBLE_EQ(sliced_chain_ns({10, 10, 10}, {10, 10, 10}, {0, 0, 1}, {1, 0, 1}, 2), 50);
  // Stage 0's least busy resource is free for slice 1 at 6 (replicas with uneven shares): slice 1 begins
  // there at 6, so half its rows are out at 11 and slice 0 enters stage 1 then (21); slice 1 follows at
  // 21, once stage 1 served slice 0: 31. (With the busiest resource's 10 as the begin: 35, above what the
  // simulation gives.)
  EXPECT_DOUBLE_EQ(sliced_chain_ns(lat, svc, {0, 0.5}, both, 2, {6, 10}), 31);
  EXPECT_DOUBLE_EQ(sliced_chain_ns(lat, svc, {0, 0.5}, both, 2, {10, 10}), 35);
  // A stage's span bounds its last slice from slice 0's input: 4 slices 2 apart leave by 10 + 3 x 2 = 16, or by
  // 30 where a resource the stage uses in two groups needs that from the first slice's input on (here 0; 5 when
  // it comes from a stage before of latency 5).
  EXPECT_DOUBLE_EQ(sliced_chain_ns({10}, {2}, {0}, {1}, 4), 16);
  EXPECT_DOUBLE_EQ(sliced_chain_ns({10}, {2}, {0}, {1}, 4, {}, {30}), 30);
  EXPECT_DOUBLE_EQ(sliced_chain_ns({5, 10}, {1, 2}, {0, 0}, {1, 1}, 4, {}, {0, 30}), 35);
}

// A (16 x 16) → B (16 x 16, a 3x3 stride-1 window on A's rows) → a classifier, each alone on its core.
Builder two_row_halo_chain() {
  Builder b;
  conv(b, 16, 0);
  conv(b, 16, 1);
  b.layer(128, 128, 1, 2);
  b.p.layers[1].row_window = window3(16);
  return b;
}

// chain() with B reading A's rows through a 3x3 stride-1 window. In 8 slices of one row each, B's
// slice k also needs A's slice k + 1: B starts a slice after A (16 t) and ends at 80 t; C: 81 t. A
// with 16 rows of 16 (slices of 2 rows, 32 t): B's slice k needs half of A's slice k + 1, so it
// starts 16 t after A's slice k ends; B's slices then run back to back from 48 t, the last ending at
// 304 t (without the halo 288 t); C: 305 t.
TEST(Slices, AHaloDelaysEachSliceUntilItsProducerMadeTheRowsItReads) {
  const auto chip = test::preset("hermes");
  const double t = chip::mvm_latency_ns(chip, chip.cores.read_modes.front(), 8);
  Builder one_row = chain();
  one_row.p.layers[1].row_window = window3(8);
  const Builder two_rows = two_row_halo_chain();
  for (const bool analytic : {false, true}) {
    SCOPED_TRACE(analytic ? "analytic" : "event");
    PerfOptions o = one_image(analytic, 8);
    const PerfStats a = simulate(chip, one_row.p, o);
    EXPECT_NEAR(a.latency_ns, 81 * t, 1e-6);
    EXPECT_NEAR(a.critical_path_ns, 81 * t, 1e-6);
    const PerfStats b = simulate(chip, two_rows.p, o);
    EXPECT_NEAR(b.latency_ns, 305 * t, 1e-6);
    EXPECT_NEAR(b.critical_path_ns, 305 * t, 1e-6);
    EXPECT_NEAR(path_sum(b), b.latency_ns, 1e-6);
    EXPECT_NEAR(b.critical_path[1].barrier_ns, 16 * t, 1e-6);  // B's slice 0 waited for A's next rows
    // Throughput and work are the bottleneck's either way.
    o.images = 32;
    const PerfStats many = simulate(chip, two_rows.p, o);
    EXPECT_NEAR(many.inferences_per_s, 1e9 / (256 * t), 1e-6 * 1e9 / (256 * t));
    o.chunks = 1;
    EXPECT_DOUBLE_EQ(simulate(chip, two_rows.p, o).actions.array_mvms(), many.actions.array_mvms());
  }
}

// The chain's conv B reads a quarter of A's next slice (2 slices of 4 rows, a 3x3 window), and A's input comes
// from the host over HERMES's FPGA link (0.5 µs of latency): A's slice 1 starts its MVMs when its input is there
// and A's crossbar has done slice 0's, and B's slice 0 waits a quarter of A's time alone after that. The
// closed form counts from the same instant (before 2026-12-07 it counted from A's slice 1 entering, before its
// input had crossed the link, and B did not wait).
TEST(Slices, AHaloCountsFromTheProducersFirstWorkNotItsInputsArrival) {
  const auto chip = test::preset("hermes");
  const double t = chip::mvm_latency_ns(chip, chip.cores.read_modes.front(), 8);
  Builder b = chain();
  b.p.layers[1].row_window = window3(8);
  b.p.layers[0].input_value = "x";
  b.p.transfers.push_back({{EndpointKind::Host, 0}, {EndpointKind::Core, 0}, 64 * 128.0, "x", program::TransferKind::Input, 1});
  double latency[2] = {0, 0};
  for (const bool analytic : {false, true}) {
    SCOPED_TRACE(analytic ? "analytic" : "event");
    const PerfStats s = simulate(chip, b.p, one_image(analytic, 2));
    ASSERT_EQ(s.critical_path.size(), 3u);
    const double a = s.critical_path[0].time_ns;  // A's time alone per slice: its input over the link, 32 MVMs
    EXPECT_GT(a, 32 * t + 500);
    // A's slice 1 starts its MVMs as slice 0 leaves A (the crossbar's), and B's slice 0 waits a quarter of a.
    EXPECT_NEAR(s.critical_path[1].barrier_ns, a / 4, 1e-6);
    latency[analytic ? 1 : 0] = s.latency_ns;
  }
  EXPECT_NEAR(latency[1], latency[0], 1e-6);
}

// A squeeze-and-excitation between two streaming parts: conv A (8 x 8) → SE S (1 vector) → conv B
// (8 x 8) → conv B2 (8 x 8) → classifier C, each alone on its core. In 8 slices: A ends at 64 t, S
// takes the inference whole until 65 t, B streams again from there (ends 129 t), B2 one slice behind
// it (137 t), C: 138 t. Were the inference whole from S on: 194 t, as with whole-inference tasks.
Builder squeeze_and_excitation_chain() {
  Builder b;
  conv(b, 8, 0);
  conv(b, 1, 1);
  conv(b, 8, 2);
  conv(b, 8, 3);
  b.layer(128, 128, 1, 4);
  return b;
}

TEST(Slices, AfterASqueezeAndExcitationTheSlicesResume) {
  const auto chip = test::preset("hermes");
  const double t = chip::mvm_latency_ns(chip, chip.cores.read_modes.front(), 8);
  const Builder b = squeeze_and_excitation_chain();
  for (const bool analytic : {false, true}) {
    SCOPED_TRACE(analytic ? "analytic" : "event");
    PerfOptions o = one_image(analytic, 1);
    const PerfStats whole = simulate(chip, b.p, o);
    EXPECT_NEAR(whole.latency_ns, 194 * t, 1e-6);
    o.chunks = 0;  // auto: 8
    const PerfStats s = simulate(chip, b.p, o);
    EXPECT_EQ(s.chunks, 8);
    EXPECT_EQ(s.slices_gather, "L1");
    EXPECT_EQ(s.slices_resume, (std::vector<std::string>{"L2"}));
    EXPECT_NEAR(s.latency_ns, 138 * t, 1e-6);
    EXPECT_NEAR(s.critical_path_ns, 138 * t, 1e-6);
    EXPECT_NEAR(path_sum(s), s.latency_ns, 1e-6);
    EXPECT_DOUBLE_EQ(s.actions.array_mvms(), whole.actions.array_mvms());
    // Many images: the bottleneck's 64 t per image either way.
    o.images = 32;
    const PerfStats many = simulate(chip, b.p, o);
    EXPECT_NEAR(many.inferences_per_s, 1e9 / (64 * t), 1e-6 * 1e9 / (64 * t));
    o.chunks = 1;
    EXPECT_DOUBLE_EQ(simulate(chip, b.p, o).actions.array_mvms(), many.actions.array_mvms());
    // A batch barrier where the slices resume (layer by layer): every slice meets there.
    Builder layer = b;
    layer.p.schedule.kind = program::ScheduleKind::LayerByLayer;
    o.chunks = 8;
    o.images = 4;
    o.batch = 2;
    const PerfStats lb = simulate(chip, layer.p, o);
    o.chunks = 1;
    EXPECT_DOUBLE_EQ(lb.actions.array_mvms(), simulate(chip, layer.p, o).actions.array_mvms());
  }
}

// Room for one item in each stage's buffer (raised where a stage needs more: the producer's slices its
// halo reads, a whole inference where the slices gather or stream again): every slice still goes on, no
// buffer is filled past its room, and these chains (one core per stage, no transfers) keep their
// bottleneck's throughput.
TEST(Slices, StageBuffersOfOneItemStillLetEverySliceGoOn) {
  const auto chip = test::preset("hermes");
  const double t = chip::mvm_latency_ns(chip, chip.cores.read_modes.front(), 8);
  const Builder halo = two_row_halo_chain(), se = squeeze_and_excitation_chain();
  for (const auto& [p, bottleneck] : {std::pair{&halo.p, 256.0}, std::pair{&se.p, 64.0}}) {
    PerfOptions o;
    o.images = 8;
    o.stage_buffers = 1;
    const PerfStats s = simulate(chip, *p, o);
    EXPECT_EQ(s.stage_buffers, 1);
    EXPECT_TRUE(s.warnings.empty()) << s.warnings.front();
    EXPECT_NEAR(s.inferences_per_s, 1e9 / (bottleneck * t), 1e-6 * 1e9 / (bottleneck * t));
    o.stage_buffers = 0;
    EXPECT_DOUBLE_EQ(simulate(chip, *p, o).actions.array_mvms(), s.actions.array_mvms());
  }
}

// chain() with B reading A's next row (a 3x3 window, 8 slices of one row: a halo of one slice) sent
// over the mesh, each slice's rows taking about half of B's 8 t per slice. B works on slice k with
// slice k + 1 beside it; double buffering (the default) receives slice k + 2 meanwhile, so the sending
// hides behind B's MVMs and the run keeps the bottleneck's 64 t per image, as unbounded. With room for
// the slice and its halo alone (one item), slice k + 2 is sent only once B is done with slice k, and B
// waits for it before it can start slice k + 1.
TEST(Slices, DoubleBufferingReceivesTheNextSliceBesideAHalo) {
  const auto chip = test::preset("hermes");
  const double t = chip::mvm_latency_ns(chip, chip.cores.read_modes.front(), 8);
  Builder b = chain();
  b.p.layers[1].row_window = window3(8);
  const double link_bytes_per_ns = static_cast<double>(*chip.noc.link_bytes_per_cycle) * chip.clock_mhz * 1e-3;
  b.transfer(0, 1, static_cast<int64_t>(8 * 4 * t * link_bytes_per_ns), "L0_out");
  for (const bool analytic : {false, true}) {
    SCOPED_TRACE(analytic ? "analytic" : "event");
    PerfOptions o;
    o.images = 32;
    o.chunks = 8;
    o.analytic = analytic;
    const double bound = 1e9 / (64 * t);
    const PerfStats two = simulate(chip, b.p, o);
    EXPECT_EQ(two.stage_buffers, kDefaultStageBuffers);
    EXPECT_NEAR(two.inferences_per_s, bound, 1e-3 * bound);
    if (!analytic) {
      EXPECT_DOUBLE_EQ(two.layers.at(1).buffer_peak, 3.0 / 8);  // the slice, its halo, the next
    }
    o.stage_buffers = 1;
    const PerfStats one = simulate(chip, b.p, o);
    EXPECT_LT(one.inferences_per_s, 0.8 * bound);
    if (!analytic) {
      EXPECT_DOUBLE_EQ(one.layers.at(1).buffer_peak, 2.0 / 8);
    }
  }
  // Where the halo reads a share of the next slice (two rows a slice: half of it), that slice is the one
  // arriving: double buffering holds two slices, as one item of room does.
  Builder share = two_row_halo_chain();
  share.transfer(0, 1, static_cast<int64_t>(8 * 4 * t * link_bytes_per_ns), "L0_out");
  PerfOptions o;
  o.images = 32;
  o.chunks = 8;
  EXPECT_DOUBLE_EQ(simulate(chip, share.p, o).layers.at(1).buffer_peak, 2.0 / 8);
  o.stage_buffers = 1;
  EXPECT_DOUBLE_EQ(simulate(chip, share.p, o).layers.at(1).buffer_peak, 2.0 / 8);
}

// `p` run with whole-inference tasks and in `slices` slices, event by event or in closed form.
struct WholeAndSliced {
  PerfStats whole, sliced;
};
WholeAndSliced run_both(const chip::ChipSpec& chip, const program::Program& p, int64_t images, int64_t batch, int64_t slices,
                        bool analytic) {
  PerfOptions o;
  o.images = images;
  o.batch = batch;
  o.analytic = analytic;
  o.chunks = 1;
  WholeAndSliced r{simulate(chip, p, o), {}};
  o.chunks = slices;
  r.sliced = simulate(chip, p, o);
  return r;
}

TEST(Slices, WhenTheFirstStageGathersTheInferenceRunsWhole) {
  const auto chip = test::preset("hermes");
  Builder b;
  b.layer(128, 128, 2, 0);  // 2 vectors: cannot be cut in 4
  conv(b, 8, 1);
  for (const bool analytic : {false, true}) {
    const auto [whole, s] = run_both(chip, b.p, 2, 0, 4, analytic);
    EXPECT_EQ(s.slices_gather, "L0");
    EXPECT_NEAR(s.latency_ns, whole.latency_ns, 1e-6) << analytic;
    EXPECT_NEAR(s.makespan_ns, whole.makespan_ns, 1e-6) << analytic;
  }
}

TEST(Slices, ThroughputIsTheBottlenecksEitherWay) {
  const auto chip = test::preset("hermes");
  const double t = chip::mvm_latency_ns(chip, chip.cores.read_modes.front(), 8);
  const Builder b = chain();
  PerfOptions o;
  o.images = 64;
  for (const int64_t k : {1, 8}) {
    o.chunks = k;
    const PerfStats s = simulate(chip, b.p, o);
    EXPECT_NEAR(s.inferences_per_s, 1e9 / (64 * t), 1e-6 * 1e9 / (64 * t)) << k;
    EXPECT_NEAR(s.layers[2].service_ns, t, 1e-9) << k;  // the classifier's one MVM per inference
    EXPECT_NEAR(s.layers[0].service_ns, 64 * t, 1e-9) << k;
  }
}

TEST(Slices, GatherMeetsBatchBarriersAndReloads) {
  // Layer by layer: every stage is a barrier for the batch; the slices still gather at C.
  {
    const auto chip = test::preset("hermes");
    Builder b = chain();
    b.p.schedule.kind = program::ScheduleKind::LayerByLayer;
    const auto [whole, s] = run_both(chip, b.p, 8, 4, 8, false);
    EXPECT_DOUBLE_EQ(s.actions.array_mvms(), whole.actions.array_mvms());
    EXPECT_NEAR(s.makespan_ns, whole.makespan_ns, 1e-6);  // a stage at a time: slicing changes no stage's work
  }
  // Reload segments: C in a segment of its own, whose barrier is also where the slices gather.
  {
    const auto chip = test::preset("verma-cimu");
    Builder b;
    conv(b, 8, 0, 0);
    b.layer(128, 128, 1, 0, 1);
    for (const bool analytic : {false, true}) {
      const auto [whole, s] = run_both(chip, b.p, 4, 2, 4, analytic);
      EXPECT_EQ(s.slices_gather, "L1");
      EXPECT_DOUBLE_EQ(s.actions.array_mvms(), whole.actions.array_mvms()) << analytic;
      EXPECT_DOUBLE_EQ(s.actions.write_operations, whole.actions.write_operations) << analytic;
      EXPECT_GT(s.makespan_ns, 0) << analytic;
    }
  }
}

}  // namespace
}  // namespace aimc::perf
