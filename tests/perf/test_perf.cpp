// Performance simulator: hand-computable cases, analytic bounds (STYLE P11) and the peak figures.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>

#include "chip/loader.h"
#include "chip/peak.h"
#include "compiler/pipeline.h"
#include "noc/network.h"
#include "onnx/importer.h"
#include "perf_test_util.h"
#include "sim/perf/perf_sim.h"
#include "test_errors.h"

namespace aimc::perf {
namespace {

TEST(PerfSim, OneLayerOnOneCore) {
  const auto chip = preset("hermes");
  Builder b;
  b.layer(256, 256, 100, 0);
  PerfOptions o;
  o.images = 1;
  const PerfStats s = simulate(chip, b.p, o);
  const auto& mode = chip.cores.read_modes.front();
  const double t = chip::mvm_latency_ns(chip, mode, 8);
  EXPECT_NEAR(s.latency_ns, 100 * t, 1e-6);
  EXPECT_NEAR(s.critical_path_ns, 100 * t, 1e-6);
  EXPECT_NEAR(s.dynamic_energy_per_inference_j, 100 * chip::core_mvm_energy_pj(chip.cores, mode, 8) * 1e-12, 1e-15);
  EXPECT_DOUBLE_EQ(s.macs_per_inference, 100.0 * 256 * 256);
  EXPECT_NEAR(s.actions.adc_conversions, 100.0 * 256 * mode.phases, 1e-6);
  EXPECT_EQ(s.bottleneck, "L0");
}

// Data-dependent energy: a measured input activity scales the row-drive share of the MVM energy
// (hermes: energy_split rows 0.5, cols 0.5 of a full-array MVM), nothing else.
TEST(PerfSim, RowDrivesArePricedByTheMeasuredInputActivity) {
  const auto chip = preset("hermes");  // PWM inputs: a drive costs its pulse length, mean |code| / max
  const auto& mode = chip.cores.read_modes.front();
  ASSERT_TRUE(mode.energy_split);
  Builder b;
  b.layer(128, 64, 100, 0);
  PerfOptions o;
  o.images = 1;
  const PerfStats full = simulate(chip, b.p, o);
  b.p.layers[0].quant.activity =
      program::InputActivity{.zero_fraction = 0.5, .mean_magnitude = 0.25, .ones_fraction = 0.9, .samples = 10};
  b.p.calibration = "test data";
  const PerfStats measured = simulate(chip, b.p, o);
  const double e = chip::core_mvm_energy_pj(chip.cores, mode, 8) * 1e-12;  // one full-array MVM
  const double rows = mode.energy_split->rows, cols = mode.energy_split->cols, fixed = 1 - rows - cols;
  EXPECT_NEAR(full.dynamic_energy_per_inference_j, 100 * e * (fixed + rows * 128 / 256 + cols * 64 / 256), 1e-15);
  EXPECT_NEAR(measured.dynamic_energy_per_inference_j, 100 * e * (fixed + rows * 0.25 * 128 / 256 + cols * 64 / 256), 1e-15);
  EXPECT_NEAR(measured.data_independent_energy_per_inference_j, full.energy_per_inference_j, 1e-18);
  EXPECT_EQ(measured.activity_source, "test data");
  EXPECT_EQ(full.activity_source, "");
  EXPECT_DOUBLE_EQ(measured.latency_ns, full.latency_ns);  // energy only: the pulse slots are fixed
  // A bit-serial chip counts the rows whose bit is 1 in each plane.
  const auto serial = preset("verma-cimu");
  const PerfStats s_full = simulate(
      serial,
      [&] {
        Builder c;
        c.layer(128, 64, 100, 0);
        return c.p;
      }(),
      o);
  const PerfStats s_meas = simulate(serial, b.p, o);
  EXPECT_NEAR(s_meas.actions.dac_drive_activity, 0.9 * s_full.actions.dac_drives, 1e-9 * s_full.actions.dac_drives);
}

// A bit-serial chip that skips all-zero bit-planes neither evaluates nor converts the share of planes
// measured empty: a quarter of them here, so its MVMs take 3/4 of the time and conversions, and the
// skipped planes' energy (per MVM and per conversion) is saved; drives are priced by the 1 bits as before.
// Every plane in full gives the data-independent estimate: that of the chip that does not skip.
TEST(PerfSim, SkippedZeroBitPlanesSaveTimeAndEnergy) {
  auto chip = preset("verma-cimu");
  Builder b;
  b.layer(1152, 64, 100, 0);
  b.p.layers[0].quant.activity = program::InputActivity{
      .zero_fraction = 0.5, .mean_magnitude = 0.25, .ones_fraction = 0.2, .empty_plane_fraction = 0.25, .samples = 10};
  b.p.calibration = "test data";
  PerfOptions o;
  o.images = 1;
  o.chunks = 1;
  const PerfStats plain = simulate(chip, b.p, o);
  chip.cores.input.skip_zero_planes = true;
  const PerfStats skip = simulate(chip, b.p, o);
  EXPECT_NEAR(skip.actions.adc_conversions, 0.75 * plain.actions.adc_conversions, 1e-9 * plain.actions.adc_conversions);
  EXPECT_NEAR(skip.actions.skipped_conversions, 0.25 * plain.actions.adc_conversions, 1e-9 * plain.actions.adc_conversions);
  EXPECT_NEAR(skip.actions.array_evaluations, 0.75 * plain.actions.array_evaluations, 1e-9 * plain.actions.array_evaluations);
  EXPECT_DOUBLE_EQ(skip.actions.dac_drive_activity, plain.actions.dac_drive_activity);
  EXPECT_NEAR(skip.layers[0].service_ns, 0.75 * plain.layers[0].service_ns, 1e-9 * plain.layers[0].service_ns);
  const auto& mode = chip.cores.read_modes.front();
  ASSERT_TRUE(mode.energy_split);
  const double e = chip::core_mvm_energy_pj(chip.cores, mode, 8) / static_cast<double>(chip.cores.arrays) * 1e-12;
  const double rows = mode.energy_split->rows, cols = mode.energy_split->cols, fixed = 1 - rows - cols;
  const double drives = 100 * e * rows * 0.2;  // every row, one drive per plane, priced by its 1 bits
  const auto mvm_j = [](const PerfStats& st) { return (st.energy.pj.at("crossbar") + st.energy.pj.at("adc")) * 1e-12; };
  EXPECT_NEAR(mvm_j(plain), 100 * e * (fixed + cols * 64 / 256) + drives, 1e-18);
  EXPECT_NEAR(mvm_j(skip), 0.75 * 100 * e * (fixed + cols * 64 / 256) + drives, 1e-18);
  EXPECT_NEAR(plain.dynamic_energy_per_inference_j - skip.dynamic_energy_per_inference_j, mvm_j(plain) - mvm_j(skip), 1e-18);
  EXPECT_NEAR(
      skip.data_independent_energy_per_inference_j - (skip.energy_per_inference_j - skip.dynamic_energy_per_inference_j),
      plain.data_independent_energy_per_inference_j - (plain.energy_per_inference_j - plain.dynamic_energy_per_inference_j),
      1e-18);
}

// A converter whose energy scales with its output (cores.adc.output_energy_share s) pays, per
// conversion, 1 − s of a full one plus s times the output's measured magnitude / full scale (a
// quarter here); the data-independent estimate pays every conversion in full. Time is unchanged.
TEST(PerfSim, ConversionEnergyFollowsTheMeasuredOutputs) {
  auto chip = preset("hermes");
  Builder b;
  b.layer(256, 128, 100, 0);
  b.p.layers[0].quant.activity = program::InputActivity{.mean_magnitude = 1, .mean_output_fraction = 0.25, .samples = 10};
  b.p.calibration = "test data";
  PerfOptions o;
  o.images = 1;
  o.chunks = 1;
  const PerfStats full = simulate(chip, b.p, o);
  EXPECT_NEAR(full.actions.adc_output_activity, 0.25 * full.actions.adc_conversions, 1e-9 * full.actions.adc_conversions);
  for (const double share : {0.5, 1.0}) {
    chip.cores.adc.output_energy_share = share;
    const PerfStats s = simulate(chip, b.p, o);
    const double adc = full.energy.pj.at("adc");
    EXPECT_GT(adc, 0);
    EXPECT_NEAR(s.energy.pj.at("adc"), adc * (1 - share + share * 0.25), 1e-9 * adc) << share;
    EXPECT_NEAR(s.energy.pj.at("crossbar"), full.energy.pj.at("crossbar"), 1e-9 * adc) << share;
    EXPECT_DOUBLE_EQ(s.data_independent_energy_per_inference_j, full.data_independent_energy_per_inference_j);
    EXPECT_DOUBLE_EQ(s.makespan_ns, full.makespan_ns);
  }
}

TEST(PerfSim, TwoStagePipelineBottleneck) {
  const auto chip = preset("hermes");
  Builder b;
  b.layer(128, 128, 100, 0);
  b.layer(128, 128, 300, 1);
  PerfOptions o;
  o.images = 20;
  const PerfStats s = simulate(chip, b.p, o);
  const double t = chip::mvm_latency_ns(chip, chip.cores.read_modes.front(), 8);
  EXPECT_NEAR(s.latency_ns, 400 * t, 1e-6);
  EXPECT_NEAR(s.inferences_per_s, 1e9 / (300 * t), 1e-6 * 1e9 / (300 * t));
  EXPECT_EQ(s.bottleneck_stage, 1);
  EXPECT_NEAR(s.bottleneck_service_ns, 300 * t, 1e-6);
  // The makespan: the first inference's first stage, then 20 bottleneck services.
  EXPECT_NEAR(s.makespan_ns, 100 * t + 20 * 300 * t, 1e-6);
  // The array bound: the 2 crossbars used over 400 MVM times per inference (the bottleneck's 300 bound
  // the run lower).
  EXPECT_NEAR(s.array_bound_inferences_per_s, 2e9 / (400 * t), 1e-9 * 2e9 / (400 * t));
  // One inference alone: stage by stage, all analog, summing to the latency.
  ASSERT_EQ(s.critical_path.size(), 2u);
  EXPECT_NEAR(s.critical_path[0].analog_ns, 100 * t, 1e-6);
  EXPECT_NEAR(s.critical_path[1].analog_ns, 300 * t, 1e-6);
  EXPECT_NEAR(s.critical_path[0].time_ns + s.critical_path[1].time_ns, s.latency_ns, 1e-6);
  EXPECT_EQ(s.critical_path[1].name, "L1");
  // Where the peak goes: 2 of 64 crossbars (global mapping), each MVM a quarter of the 256 × 256 array at
  // the same time (local mapping), 300 of the array bound's 200 MVM times per inference (pipeline).
  ASSERT_TRUE(s.efficiency);
  const auto& e = *s.efficiency;
  EXPECT_DOUBLE_EQ(e.peak_tops, chip::peak_point(chip, s.read_mode, 8, chip::peak_weight_bits(chip.cores.weights, 8)).tops);
  EXPECT_EQ(e.input_bits, 8);
  EXPECT_NEAR(e.global_mapping, 2.0 / 64, 1e-12);
  EXPECT_NEAR(e.local_mapping, 0.25, 1e-9);
  EXPECT_NEAR(e.pipeline, 200.0 / 300, 1e-9);
  EXPECT_DOUBLE_EQ(e.digital_macs, 1.0);
  EXPECT_NEAR(e.peak_tops * e.global_mapping * e.local_mapping * e.pipeline * e.digital_macs, s.tops, 1e-9 * s.tops);
}

TEST(PerfSim, LayerByLayerBatch) {
  const auto chip = preset("hermes");
  Builder b;
  b.layer(128, 128, 100, 0);
  b.layer(128, 128, 300, 1);
  b.p.schedule.kind = program::ScheduleKind::LayerByLayer;
  const double t = chip::mvm_latency_ns(chip, chip.cores.read_modes.front(), 8);
  for (bool analytic : {false, true}) {  // the event simulation and the analytic model are both exact here
    SCOPED_TRACE(analytic ? "analytic" : "event");
    PerfOptions o;
    o.images = 8;
    o.batch = 4;
    o.analytic = analytic;
    const PerfStats s = simulate(chip, b.p, o);
    // A batch: 4 × 100 on stage 0, then 4 × 300 on stage 1; batches one after another.
    EXPECT_NEAR(s.makespan_ns, 2 * (400 * t + 1200 * t), 1e-6);
    // Each stage's mean time per inference: the j-th of a batch waits for j before it, (j + 1) × its
    // service on average over j = 0..3; the wait at the barrier belongs to no stage.
    ASSERT_EQ(s.layers.size(), 2u);
    EXPECT_NEAR(s.layers[0].time_ns, 2.5 * 100 * t, 1e-6);
    EXPECT_NEAR(s.layers[1].time_ns, 2.5 * 300 * t, 1e-6);
    EXPECT_NEAR(s.inferences_per_s, 4 / (1600 * t * 1e-9), 1e-3);
  }
}

TEST(PerfSim, MeanLatencyUnderLoadCountsFromTheRelease) {
  // The load is released at once: a streamed one at 0, a batch when the one before it is done. Each
  // inference's latency under it runs from there, the queue before the first stage included, in both
  // simulators (the first stage is not the bottleneck here: inference j starts at j × 100 t but waits
  // for the second stage).
  const auto chip = preset("hermes");
  const double t = chip::mvm_latency_ns(chip, chip.cores.read_modes.front(), 8);
  for (bool layered : {false, true}) {
    Builder b;
    b.layer(128, 128, 100, 0);
    b.layer(128, 128, 300, 1);
    if (layered) b.p.schedule.kind = program::ScheduleKind::LayerByLayer;
    for (bool analytic : {false, true}) {
      SCOPED_TRACE(fmt::format("{} {}", layered ? "layer" : "pipelined", analytic ? "analytic" : "event"));
      PerfOptions o;
      o.images = 8;
      o.batch = layered ? 4 : 0;
      o.analytic = analytic;
      const PerfStats s = simulate(chip, b.p, o);
      // Pipelined: inference j ends at 100 t + (j + 1) · 300 t, j = 0..7. Layer by layer, per batch of 4
      // from its release: 400 t on stage 0, then (j + 1) · 300 t, j = 0..3.
      EXPECT_NEAR(s.mean_latency_ns, layered ? (400 + 2.5 * 300) * t : (100 + 4.5 * 300) * t, 1e-6);
    }
  }
}

TEST(PerfSim, TwoTransfersShareALink) {
  const auto chip = preset("hermes");  // mesh, link_bytes_per_cycle 8 at 1 GHz, 1-cycle hops
  Builder b;
  b.layer(16, 16, 1, 0);
  b.transfer(0, 1, 800, "L0_out");
  b.transfer(0, 1, 800, "L0_out");
  PerfOptions o;
  o.images = 1;
  const PerfStats s = simulate(chip, b.p, o);
  const double t = chip::mvm_latency_ns(chip, chip.cores.read_modes.front(), 8);
  const double bw = *chip.noc.link_bytes_per_cycle * chip.clock_mhz * 1e-3;  // bytes/ns
  const double hop = static_cast<double>(*chip.noc.hop_latency_cycles) * 1e3 / chip.clock_mhz;
  EXPECT_NEAR(s.latency_ns, t + 2 * 800 / bw + hop, 1e-6);
  EXPECT_NEAR(s.critical_path_ns, t + 800 / bw + hop, 1e-6);
  EXPECT_NEAR(s.actions.bit_hops.at(0), 2 * 800 * 8, 1e-6);
  ASSERT_FALSE(s.links.empty());
  EXPECT_NEAR(s.links.front().busy_ns, 2 * 800 / bw, 1e-6);
  // The critical path: the MVM (analog), then the second transfer, which waited one serialisation
  // for the first on their shared link (waiting) before its own hop and serialisation (network).
  ASSERT_EQ(s.critical_path.size(), 1u);
  const PathStep& p = s.critical_path.front();
  EXPECT_NEAR(p.time_ns, s.latency_ns, 1e-6);
  EXPECT_NEAR(p.analog_ns, t, 1e-6);
  EXPECT_NEAR(p.waiting_ns, 800 / bw, 1e-6);
  EXPECT_NEAR(p.network_ns, 800 / bw + hop, 1e-6);
  EXPECT_DOUBLE_EQ(p.digital_ns + p.memory_ns + p.host_ns + p.barrier_ns, 0.0);
  EXPECT_EQ(p.resource, "core0.array0");  // the longest critical task: t > 800 / bw + hop
  EXPECT_GT(t, 800 / bw + hop);
}

// hermes with a slower host link (2 GB/s, 100 ns, 3 pJ/bit).
chip::ChipSpec hermes_host_link() {
  return chip::parse_chip("base: hermes\nname: hermes-host\nhost: {link_gbps: 2, link_latency_ns: 100, link_e_bit_pj: 3}\n",
                          "host.yaml", presets(), source_path("presets"));
}

// One layer of `vectors` on core 0, its input from the host and its output to it.
Builder one_layer_from_and_to_the_host(int64_t vectors, int64_t in_bytes, int64_t out_bytes) {
  Builder b;
  b.layer(16, 16, vectors, 0);
  b.p.transfers.push_back(
      {{EndpointKind::Host, 0}, {EndpointKind::Core, 0}, static_cast<double>(in_bytes), "x", program::TransferKind::Input, 1});
  b.p.transfers.push_back({{EndpointKind::Core, 0},
                           {EndpointKind::Host, 0},
                           static_cast<double>(out_bytes),
                           "L0_out",
                           program::TransferKind::Output,
                           1});
  return b;
}

// A chip without an off-chip memory reaches its host over the host link, one link each way: an
// input in and an output out each pay the link's latency and serialisation (the mesh edge, 8 B/ns,
// is faster than the 2 GB/s link), and every byte is priced at the link's energy per bit.
TEST(PerfSim, InputsAndOutputsCrossTheHostLink) {
  const auto chip = hermes_host_link();
  const Builder b = one_layer_from_and_to_the_host(1, 8000, 800);
  PerfOptions o;
  o.images = 1;
  const PerfStats s = simulate(chip, b.p, o);
  const double t = chip::mvm_latency_ns(chip, chip.cores.read_modes.front(), 8);
  const double hop = static_cast<double>(*chip.noc.hop_latency_cycles) * 1e3 / chip.clock_mhz;  // core 0's edge link
  const double in = 100 + hop + 8000 / 2.0, out = hop + 100 + 800 / 2.0;
  EXPECT_NEAR(s.latency_ns, in + t + out, 1e-6);
  EXPECT_NEAR(s.energy.pj.at("offchip"), 8800 * 8 * 3.0, 1e-6);
  EXPECT_NEAR(s.host_link_bytes_per_inference, 8800, 1e-9);
  EXPECT_NEAR(s.host_link_busy_ns_per_inference, 8000 / 2.0, 1e-6);  // the busier way: in
  ASSERT_EQ(s.critical_path.size(), 1u);
  EXPECT_NEAR(s.critical_path.front().host_link_ns, in + out, 1e-6);
  EXPECT_DOUBLE_EQ(s.critical_path.front().network_ns + s.critical_path.front().memory_ns, 0.0);
}

// A stage that takes the host link twice per slice (its input at its start, a value read back after its MVMs),
// in 8 slices: every slice's input crosses the link before the first slice's read-back comes (the link's
// latency lies between), so the slices then leave one read-back apart, not the link's whole occupancy per
// slice apart. The critical path spaced them by that whole occupancy and lay above the latency (a random
// network with its activations on the host, `bench/stress_perf.py` seed 28 with unbounded stage buffers: 4.13
// against 4.00 µs); now it spaces them by one group's busiest resource, and the link's occupancy bounds the
// stage as a whole: from slice 0's input on, every slice's two transfers, then what follows the last.
TEST(PerfSim, TheCriticalPathStaysBelowTheLatencyWhenAStageTakesALinkTwice) {
  const auto chip = hermes_host_link();
  Builder b = one_layer_from_and_to_the_host(8, 1600, 64);  // 1 MVM per slice; 200 bytes (100 ns) in per slice
  b.p.transfers.push_back(
      {{EndpointKind::Host, 0}, {EndpointKind::Core, 0}, 1600.0, "L0:residual", program::TransferKind::Activation, 1});
  b.p.transfers[0].stage = b.p.transfers[1].stage = b.p.transfers[2].stage = 0;
  b.p.transfers[0].at = program::TransferAt::Start;
  b.p.transfers[1].at = program::TransferAt::End;
  b.p.transfers[2].at = program::TransferAt::AfterMvm;
  PerfOptions o;
  o.images = 1;
  o.chunks = 8;
  o.stage_buffers = 0;
  const PerfStats s = simulate(chip, b.p, o);
  const double hop = static_cast<double>(*chip.noc.hop_latency_cycles) * 1e3 / chip.clock_mhz;
  const double out = hop + 100 + 8 / 2.0;  // one slice's output to the host
  EXPECT_GE(s.latency_ns, s.critical_path_ns);
  EXPECT_NEAR(s.critical_path_ns, 8 * (100 + 100) + out, 1e-6);
}

// Stage buffers (backpressure): an item holds room in its stage's buffer from its input's sending until
// its own output goes on (here, one stage: until it is done). With room for one, the next inference starts
// only then; with room for two (the default) its input and MVMs overlap the one before's output, as
// without bound, since they are shorter than the MVMs.
TEST(PerfSim, AFullStageBufferHoldsTheNextInferenceBack) {
  const auto chip = hermes_host_link();
  const Builder b = one_layer_from_and_to_the_host(100, 800, 800);
  const double t = chip::mvm_latency_ns(chip, chip.cores.read_modes.front(), 8);
  const double hop = static_cast<double>(*chip.noc.hop_latency_cycles) * 1e3 / chip.clock_mhz;
  const double in = 100 + hop + 800 / 2.0, out = hop + 100 + 800 / 2.0, mvms = 100 * t;
  ASSERT_GT(mvms, in + out);
  const auto run = [&](std::optional<int64_t> room, bool analytic = false) {
    PerfOptions o;
    o.images = 4;
    o.stage_buffers = room;
    o.analytic = analytic;
    return simulate(chip, b.p, o);
  };
  const PerfStats one = run(1), two = run(std::nullopt), unbounded = run(0);
  EXPECT_NEAR(one.makespan_ns, 4 * (in + mvms + out), 1e-6);
  EXPECT_NEAR(two.makespan_ns, in + 4 * mvms + out, 1e-6);
  EXPECT_NEAR(unbounded.makespan_ns, in + 4 * mvms + out, 1e-6);
  EXPECT_EQ(one.stage_buffers, 1);
  EXPECT_EQ(two.stage_buffers, kDefaultStageBuffers);
  EXPECT_EQ(unbounded.stage_buffers, 0);
  for (const PerfStats* s : {&one, &two, &unbounded}) EXPECT_NEAR(s->latency_ns, in + mvms + out, 1e-6);
  // The most input the stage held: 1, 2 and all 4 inferences' 800 bytes.
  EXPECT_DOUBLE_EQ(one.layers.at(0).buffer_peak, 1.0);
  EXPECT_DOUBLE_EQ(two.layers.at(0).buffer_peak, 2.0);
  EXPECT_DOUBLE_EQ(unbounded.layers.at(0).buffer_peak, 4.0);
  EXPECT_DOUBLE_EQ(unbounded.layers.at(0).buffer_peak_bytes, 3200.0);
  // The analytic model holds each stage to room / the time an item holds its room (Little's law): exact
  // here, where that time is the whole inference's.
  const PerfStats a_one = run(1, true), a_two = run(std::nullopt, true), a_unbounded = run(0, true);
  EXPECT_NEAR(a_one.makespan_ns, 4 * (in + mvms + out), 1e-6);
  EXPECT_NEAR(a_two.makespan_ns, in + 4 * mvms + out, 1e-6);
  EXPECT_NEAR(a_unbounded.makespan_ns, in + 4 * mvms + out, 1e-6);
  EXPECT_EQ(a_two.stage_buffers, kDefaultStageBuffers);
}

// A burst through a stage whose room binds: its input comes over the host link, whose latency makes the
// time an item holds its room (input, MVM) longer than the stage's busiest resource needs per item. Of six
// inferences released together, two take the room at once and each later one enters as the one two before
// it leaves: the analytic model admits them as that window (until 2026-12-07 it spaced every entry by half
// the span, Little's law's rate, which holds for a steady flow but not for the burst's first two).
TEST(PerfSim, AStagesRoomAdmitsABurstAsAWindow) {
  const auto chip = hermes_host_link();
  Builder b = one_layer_from_and_to_the_host(1, 200, 16);
  b.layer(16, 16, 1, 1);
  b.p.transfers.back().value = "L1_out";
  b.transfer(0, 1, 16, "L0_out");
  b.p.transfers[1].from = {EndpointKind::Core, 1};
  const auto run = [&](bool analytic) {
    PerfOptions o;
    o.images = 6;
    o.chunks = 1;
    o.analytic = analytic;
    return simulate(chip, b.p, o);
  };
  const PerfStats e = run(false), a = run(true);
  const double t = chip::mvm_latency_ns(chip, chip.cores.read_modes.front(), 8);
  const double hop = static_cast<double>(*chip.noc.hop_latency_cycles) * 1e3 / chip.clock_mhz;
  const double span = 100 + hop + 200 / 2.0 + t;  // an item's input, then its MVM
  ASSERT_GT(span / 2, std::max(200 / 2.0, t));    // the room, not the link or the crossbar, binds
  EXPECT_NEAR(a.makespan_ns / e.makespan_ns, 1.0, 0.001);
  // Little's law's even spacing would start the sixth inference 2.5 spans in, not 2: a span/2 later.
  EXPECT_LT(a.makespan_ns, e.makespan_ns + span / 4);
}

// A stage issues its tasks on a resource one at a time, and the resource serves them first come, first served:
// L0 (100 MVMs) and L1 (10) share core 0's crossbar, L2 (100) follows on core 1, four inferences released at
// once into unbounded buffers. While L0's second MVM task waits, its third and fourth wait behind it, so L1's
// tasks queue between L0's as they come: core 0 runs L0(0), L0(1), L1(0), L0(2), L1(1), L0(3), L1(2), L1(3)
// (times 0, 100, 200, 210, 310, 320, 420, 430), and L2(3) ends at 530 + 100 MVM times. Served first come,
// first served with every task queued at once (until 2026-12-07), core 0 ran all four L0 first, and L2 ran
// after it: 810.
TEST(PerfSim, AStagesTasksQueueForAResourceOneAtATime) {
  const auto chip = preset("hermes");
  ASSERT_EQ(chip.cores.arrays, 1);
  Builder b;
  b.layer(64, 64, 100, 0);
  b.layer(64, 64, 10, 0);
  b.layer(64, 64, 100, 1);
  PerfOptions o;
  o.images = 4;
  o.chunks = 1;
  o.stage_buffers = 0;
  const double t = chip::mvm_latency_ns(chip, chip.cores.read_modes.front(), 8);
  EXPECT_NEAR(simulate(chip, b.p, o).makespan_ns, 630 * t, 1e-6);
}

// What the buffers held is checked against the cores' memories: stage 1's 1000-byte inputs pile up on
// core 1 without a bound (stage 0 serves three times faster), past its 2000-byte L1, and a warning says
// so; with room for one or two items they stay within it.
TEST(PerfSim, BuffersBeyondACoresMemoryAreAWarning) {
  const auto chip = chip::parse_chip("base: cluster-512\nname: small-l1\ncores: {memories: {l1: {size_bytes: 2000}}}\n",
                                     "small.yaml", presets(), source_path("presets"));
  Builder b;
  b.layer(128, 128, 100, 0);
  b.layer(128, 128, 300, 1);
  b.transfer(0, 1, 1000, "L0_out");
  const auto run = [&](int64_t room) {
    PerfOptions o;
    o.images = 8;
    o.stage_buffers = room;
    return simulate(chip, b.p, o);
  };
  const PerfStats unbounded = run(0), one = run(1), two = run(2);
  EXPECT_GT(unbounded.cores.at(1).buffer_peak_bytes, 2000);
  ASSERT_EQ(unbounded.warnings.size(), 1u);
  EXPECT_NE(unbounded.warnings[0].find("core 1 held up to"), std::string::npos) << unbounded.warnings[0];
  EXPECT_NE(unbounded.warnings[0].find("more than its memories' 2000"), std::string::npos) << unbounded.warnings[0];
  EXPECT_DOUBLE_EQ(one.cores.at(1).buffer_peak_bytes, 1000);
  EXPECT_DOUBLE_EQ(two.cores.at(1).buffer_peak_bytes, 2000);
  EXPECT_TRUE(one.warnings.empty() && two.warnings.empty());
  EXPECT_DOUBLE_EQ(two.inferences_per_s, unbounded.inferences_per_s);
}

// With an off-chip memory the host's data is staged there: no host link, the memory's link instead.
TEST(PerfSim, AChipWithOffChipMemoryHasNoHostLink) {
  const auto chip = preset("cluster-512");
  ASSERT_FALSE(chip.memories.empty());
  const noc::Network net(chip);
  EXPECT_GE(net.offchip_link(), 0);
  EXPECT_EQ(net.host_link_in(), -1);
  EXPECT_EQ(net.host_link_out(), -1);
  const noc::Network hermes(preset("hermes"));
  EXPECT_EQ(hermes.offchip_link(), -1);
  const auto in = hermes.route({EndpointKind::Host, 0}, {EndpointKind::Core, 9});
  const auto out = hermes.route({EndpointKind::Core, 9}, {EndpointKind::Host, 0});
  EXPECT_EQ(in.front(), hermes.host_link_in());
  EXPECT_EQ(out.back(), hermes.host_link_out());
  for (int32_t l : hermes.route({EndpointKind::Core, 0}, {EndpointKind::Core, 9})) {
    EXPECT_NE(l, hermes.host_link_in());
    EXPECT_NE(l, hermes.host_link_out());
  }
  // The preset's FPGA link (GB/s = B/ns).
  EXPECT_NEAR(hermes.links()[static_cast<size_t>(hermes.host_link_in())].bytes_per_ns, preset("hermes").host.link_gbps, 1e-12);
}

// A route holds each of its links while its slowest one passes the data, so a fast mesh link on the way to
// the 2 GB/s host link is busy as long as the host link; it still carried only the bytes sent (it reported
// its busy time × its own bandwidth, 4x the bytes at hermes's 8 GB/s mesh, until 2026-12-07).
TEST(PerfSim, LinksReportTheBytesTheyCarried) {
  const auto chip = hermes_host_link();
  Builder b = one_layer_from_and_to_the_host(1, 4000, 100);
  PerfOptions o;
  o.images = 3;
  const PerfStats s = simulate(chip, b.p, o);
  const noc::Network net(chip);
  const auto route = net.route({EndpointKind::Host, 0}, {EndpointKind::Core, 0});
  ASSERT_GE(route.size(), 2u);
  double host_busy = 0;
  for (const LinkStats& l : s.links) {
    if (l.name == "host.in") host_busy = l.busy_ns;
  }
  for (int32_t r : route) {
    const std::string& name = net.links()[static_cast<size_t>(r)].name;
    const auto it = std::find_if(s.links.begin(), s.links.end(), [&](const LinkStats& l) { return l.name == name; });
    ASSERT_NE(it, s.links.end()) << name;
    EXPECT_NEAR(it->bytes, 3 * 4000.0, 1e-6) << name;
    EXPECT_NEAR(it->busy_ns, host_busy, 1e-6) << name;  // held at the host link's pace
  }
  EXPECT_NEAR(host_busy, 3 * 4000.0 / 2.0, 1e-6);
}

// A multicast from core 0 to cores 1 and 2 of a mesh row: the second copy leaves the first at core 1
// (after its hop) and takes only the 1 → 2 link; each link carries the bytes once.
TEST(PerfSim, MulticastCrossesEachLinkOnce) {
  const auto chip = preset("hermes");
  const double t = chip::mvm_latency_ns(chip, chip.cores.read_modes.front(), 8);
  const double bw = *chip.noc.link_bytes_per_cycle * chip.clock_mhz * 1e-3;
  const double hop = static_cast<double>(*chip.noc.hop_latency_cycles) * 1e3 / chip.clock_mhz;
  PerfOptions o;
  o.images = 1;
  auto run = [&](bool multicast) {
    Builder b;
    b.layer(16, 16, 1, 0);
    b.transfer(0, 1, 800, "L0_out");
    b.transfer(0, 2, 800, "L0_out");
    if (multicast) b.p.transfers[0].multicast = b.p.transfers[1].multicast = 0;
    return simulate(chip, b.p, o);
  };
  const PerfStats apart = run(false), multi = run(true);
  // Apart: three link traversals, the second copy queues behind the first on 0 → 1.
  EXPECT_NEAR(apart.actions.bit_hops.at(0), 3 * 800 * 8, 1e-6);
  EXPECT_NEAR(apart.latency_ns, t + 2 * 800 / bw + 2 * hop, 1e-6);
  // Multicast: two link traversals; the branch starts at core 1 one hop in, with no queueing.
  EXPECT_NEAR(multi.actions.bit_hops.at(0), 2 * 800 * 8, 1e-6);
  EXPECT_NEAR(multi.latency_ns, t + 2 * hop + 800 / bw, 1e-6);
  EXPECT_NEAR(multi.actions.buffer_read_bytes, apart.actions.buffer_read_bytes - 800, 1e-6);  // read once
}

TEST(PerfSim, CutThroughOverTwoHops) {
  const auto chip = preset("hermes");  // 8 x 8 mesh: core 0 → core 2 is two hops east
  Builder b;
  b.layer(16, 16, 1, 0);
  b.transfer(0, 2, 800, "L0_out");
  PerfOptions o;
  o.images = 1;
  const PerfStats s = simulate(chip, b.p, o);
  const double t = chip::mvm_latency_ns(chip, chip.cores.read_modes.front(), 8);
  const double bw = *chip.noc.link_bytes_per_cycle * chip.clock_mhz * 1e-3;
  const double hop = static_cast<double>(*chip.noc.hop_latency_cycles) * 1e3 / chip.clock_mhz;
  EXPECT_NEAR(s.latency_ns, t + 2 * hop + 800 / bw, 1e-6);
  EXPECT_NEAR(s.actions.bit_hops.at(0), 2 * 800 * 8, 1e-6);
  EXPECT_EQ(s.links.size(), 2u);
}

TEST(PerfSim, DataParallelCopiesShareTheInputs) {
  const auto chip = preset("hermes");
  Builder b;
  b.layer(128, 128, 200, 0);
  b.p.layers[0].replicas = 2;
  program::Tile t = b.p.tiles[0];
  t.id = 1;
  t.replica = 1;
  t.core = t.reduce_core = 5;
  b.p.tiles.push_back(t);
  b.p.schedule.stages[0].cores = {0, 5};
  b.p.schedule.segments[0].tiles.push_back(1);
  b.p.schedule.kind = program::ScheduleKind::DataParallel;
  b.p.schedule.network_replicas = 2;
  PerfOptions o;
  o.images = 20;
  const PerfStats s = simulate(chip, b.p, o);
  const double t_mvm = chip::mvm_latency_ns(chip, chip.cores.read_modes.front(), 8);
  EXPECT_NEAR(s.latency_ns, 200 * t_mvm, 1e-6);        // one copy does the whole inference
  EXPECT_NEAR(s.makespan_ns, 10 * 200 * t_mvm, 1e-6);  // ten inferences on each copy
  EXPECT_NEAR(s.cores[0].crossbar_busy_ns, s.cores[5].crossbar_busy_ns, 1e-6);
  // The steady state: the completions repeat every round over the copies (both finish at once), 2 per 200
  // MVMs. (Timed from the first completion: 19 / 9 periods, 5.6 % above, held to the bound.)
  EXPECT_EQ(s.throughput_basis, ThroughputBasis::Periodic);
  EXPECT_EQ(s.throughput_period, 2);
  EXPECT_NEAR(s.inferences_per_s * 200 * t_mvm * 1e-9, 2.0, 1e-9);
  // Three images are fewer than two rounds: no steady state, the run's 3 over its 2 periods.
  o.images = 3;
  EXPECT_EQ(simulate(chip, b.p, o).throughput_basis, ThroughputBasis::Run);
  EXPECT_NEAR(simulate(chip, b.p, o).inferences_per_s * 2 * 200 * t_mvm * 1e-9, 3.0, 1e-9);
  // The closed form agrees: each copy paces the inferences it takes by its own crossbar, so the copies start
  // together (the chip's inferences were paced by the crossbars' occupancy averaged over the copies: the
  // second copy started half a period late, and two images took 1.5 periods).
  o.analytic = true;
  EXPECT_NEAR(simulate(chip, b.p, o).inferences_per_s * 2 * 200 * t_mvm * 1e-9, 3.0, 1e-9);
  o.images = 2;
  EXPECT_NEAR(simulate(chip, b.p, o).makespan_ns, 200 * t_mvm, 1e-6);
}

TEST(PerfSim, LstmStepsRunOneAfterAnother) {
  const auto chip = preset("hermes");  // chip-level GDPUs compute the gate math
  ASSERT_FALSE(chip.digital.empty());
  Builder b;
  b.layer(128, 128, 4, 0);
  b.p.layers[0].kind = program::LayerKind::Lstm;
  program::DigitalOp d;
  d.node = "L0";
  d.op = "lstm-cell";
  d.layer = 0;
  d.scope = program::Scope::Chip;
  d.unit = chip.digital[0].name;
  d.unit_index = 0;
  d.ops_per_inference = 4000;
  b.p.digital_ops.push_back(d);
  b.p.schedule.stages[0].digital_ops = {0};
  PerfOptions o;
  o.images = 1;
  const PerfStats s = simulate(chip, b.p, o);
  const double t = chip::mvm_latency_ns(chip, chip.cores.read_modes.front(), 8);
  const auto& u = chip.digital[0];
  const double op_ns = 1000.0 / (u.ops_per_cycle * static_cast<double>(u.count) * u.clock_mhz.value_or(chip.clock_mhz) * 1e-3);
  EXPECT_NEAR(s.latency_ns, 4 * (t + op_ns), 1e-6);  // step t+1's MVM waits for step t's h
  EXPECT_EQ(s.events, 8);                            // 4 × (one MVM task, one GDPU task)
  EXPECT_NEAR(s.actions.digital_ops.at(chip.cores.digital.size()), 4000, 1e-9);
}

// Two replicas of a recurrent layer take turns (step t on replica t mod 2): each step is still a
// whole MVM, so one sequence takes as long as on one replica.
TEST(PerfSim, ReplicatedLstmStepsTakeTurns) {
  const auto chip = preset("hermes");
  Builder b;
  b.layer(128, 128, 4, 0);
  b.p.layers[0].kind = program::LayerKind::Lstm;
  b.p.layers[0].replicas = 2;
  program::Tile t1 = b.p.tiles[0];
  t1.id = 1;
  t1.replica = 1;
  t1.core = t1.reduce_core = 1;
  b.p.tiles.push_back(t1);
  b.p.schedule.segments[0].tiles.push_back(1);
  PerfOptions o;
  o.images = 1;
  const PerfStats s = simulate(chip, b.p, o);
  const double t = chip::mvm_latency_ns(chip, chip.cores.read_modes.front(), 8);
  EXPECT_NEAR(s.latency_ns, 4 * t, 1e-6);
  EXPECT_NEAR(s.cores[0].crossbar_busy_ns, 2 * t, 1e-6);
  EXPECT_NEAR(s.cores[1].crossbar_busy_ns, 2 * t, 1e-6);
}

TEST(PerfSim, ReloadProgrammingTime) {
  const auto chip = preset("verma-cimu");  // direct write 5 ns, 256 cells per write, 1 head
  Builder b;
  b.layer(256, 64, 10, 0, 0, 4, 4);
  b.layer(256, 64, 10, 0, 1, 4, 4);
  PerfOptions o;
  o.images = 1;
  const PerfStats s = simulate(chip, b.p, o);
  const auto& pg = chip.cores.programming;
  const double cells = 256.0 * 64 * 4;
  const double write =
      std::ceil(cells / static_cast<double>(pg.cells_per_write) / static_cast<double>(pg.parallel_writes)) * pg.t_write_ns;
  const double bytes = cells / 8;  // bit cells
  const double bw = *chip.noc.link_bytes_per_cycle * chip.clock_mhz * 1e-3;
  const double hop = static_cast<double>(*chip.noc.hop_latency_cycles) * 1e3 / chip.clock_mhz;
  // The weight buffer's link, then core 0's west edge link (the slower one sets the rate).
  const auto& mem = chip.memories.front();
  const double mem_bw = mem.bw_bytes_per_cycle * chip.clock_mhz * 1e-3;
  const double mem_lat = static_cast<double>(mem.latency_cycles) * 1e3 / chip.clock_mhz;
  const double fetch = mem_lat + hop + bytes / std::min(bw, mem_bw);
  const double t = chip::mvm_latency_ns(chip, chip.cores.read_modes.front(), 4);
  EXPECT_NEAR(s.programming_ns, 2 * (fetch + write), 1e-6);
  EXPECT_NEAR(s.makespan_ns, 2 * (fetch + write) + 20 * t, 1e-6);
  EXPECT_NEAR(s.actions.write_operations, 2 * cells / static_cast<double>(pg.cells_per_write), 1e-9);
  EXPECT_NEAR(s.actions.cells_written, 2 * cells, 1e-9);
}

// Two cores reloaded together: their fetches share the weight buffer's link, the second waits one
// serialisation (the programming time is simulated, not a sum of uncontended tasks).
TEST(PerfSim, ReloadFetchesShareTheBufferLink) {
  const auto chip = preset("verma-cimu");
  Builder b;
  b.layer(256, 64, 10, 0, 0, 4, 4);
  b.layer(256, 64, 10, 4, 0, 4, 4);  // core 4: row 1 of the 4×4 mesh, its own west edge link
  b.layer(256, 64, 10, 0, 1, 4, 4);
  PerfOptions o;
  o.images = 1;
  const PerfStats s = simulate(chip, b.p, o);
  const auto& pg = chip.cores.programming;
  const double cells = 256.0 * 64 * 4;
  const double write = std::ceil(cells / static_cast<double>(pg.cells_per_write)) * pg.t_write_ns;
  const double serial = cells / 8 / (*chip.noc.link_bytes_per_cycle * chip.clock_mhz * 1e-3);  // the edge link is the slower
  const double hop = static_cast<double>(*chip.noc.hop_latency_cycles) * 1e3 / chip.clock_mhz;
  const double mem_lat = static_cast<double>(chip.memories.front().latency_cycles) * 1e3 / chip.clock_mhz;
  EXPECT_NEAR(s.programming_ns, (mem_lat + hop + 2 * serial + write) + (mem_lat + hop + serial + write), 1e-6);
}

// Every preset and read mode: a workload that keeps every crossbar busy reaches chip show's peak.
TEST(PerfSim, PeakOfEveryPreset) {
  for (const auto& entry : presets().list()) {
    const auto chip = chip::load_chip(entry.name, presets());
    for (const auto& mode : chip.cores.read_modes) {
      const int64_t bits = chip.cores.input.bits;
      const chip::PeakPoint peak = chip::peak_point(chip, mode.name, bits, chip::peak_weight_bits(chip.cores.weights, bits));
      PerfOptions o;
      o.images = 8;
      o.read_mode = mode.name;
      const PerfStats s = simulate(chip, peak_program(chip, bits, 16), o);
      EXPECT_NEAR(s.tops / peak.tops, 1.0, 0.02) << entry.name << " " << mode.name;
      EXPECT_NEAR(s.tops_per_w_mvm / peak.tops_per_w, 1.0, 0.02) << entry.name << " " << mode.name;
      EXPECT_LE(s.tops, peak.tops * (1 + 1e-9)) << entry.name;
      // The synthetic peak workload loses nothing: every crossbar, full arrays, no wait beyond the fill.
      ASSERT_TRUE(s.efficiency) << entry.name;
      EXPECT_NEAR(s.efficiency->peak_tops, peak.tops, 1e-9 * peak.tops) << entry.name << " " << mode.name;
      EXPECT_NEAR(s.efficiency->global_mapping, 1.0, 1e-12) << entry.name;
      EXPECT_NEAR(s.efficiency->local_mapping, 1.0, 1e-9) << entry.name << " " << mode.name;
      EXPECT_NEAR(s.efficiency->pipeline, 1.0, 0.02) << entry.name << " " << mode.name;
    }
  }
}

// LeNet normalises its input ((x − mean) / std) ahead of conv1: on verma-cimu its cores do it ahead of the MVMs
// and exchange the shares. A slice's rows come out of stage 0 after that, so the halo's wait and the critical
// path's chain time them from there: one inference's latency stays above the critical path at every slicing
// (before, the halo timed conv1's rows from the normalisation's start: 38.1 µs against a 38.7 µs bound).
TEST(PerfSim, OpsAheadOfTheMvmsKeepTheLatencyAboveTheCriticalPath) {
  Graph g = import_onnx(source_path("models/mnist_lenet.onnx"));
  const auto chip = preset("verma-cimu");
  const program::Program p = compiler::compile(g, chip, compiler::CompileOptions{});
  ASSERT_EQ(p.schedule.stages.front().digital_ops_before_mvms, 2);
  for (int64_t chunks : {1, 2, 4, 8}) {
    PerfOptions o;
    o.images = 6;
    o.batch = 3;
    o.chunks = chunks;
    const PerfStats s = simulate(chip, p, o);
    EXPECT_GE(s.latency_ns, s.critical_path_ns * (1 - 1e-9)) << chunks;
  }
}

// A real network on every preset: throughput never above the peak, latency never below the critical path.
TEST(PerfSim, BoundsOnACompiledNetwork) {
  Graph g = import_onnx(source_path("models/mnist_lenet.onnx"));
  for (const std::string name : {"hermes", "verma-cimu", "cluster-512"}) {
    const auto chip = preset(name);
    for (const std::string sched : {"pipelined", "layer", "data-parallel"}) {
      compiler::CompileOptions co;
      co.schedule = sched;
      const program::Program p = compiler::compile(g, chip, co);
      PerfOptions o;
      o.images = 6;
      o.batch = 3;
      const PerfStats s = simulate(chip, p, o);
      double best = 0;
      for (const auto& mode : chip.cores.read_modes) {
        for (int64_t bits = 1; bits <= chip.cores.input.bits; ++bits) {
          best = std::max(best, chip::peak_point(chip, mode.name, bits, chip::peak_weight_bits(chip.cores.weights, bits)).tops);
        }
      }
      EXPECT_LE(s.tops, best) << name << " " << sched;
      EXPECT_LE(s.inferences_per_s, s.array_bound_inferences_per_s * (1 + 1e-9)) << name << " " << sched;
      EXPECT_GE(s.latency_ns, s.critical_path_ns * (1 - 1e-9)) << name << " " << sched;
      EXPECT_GT(s.inferences_per_s, 0) << name;
      // The peak's breakdown multiplies to the run's TOPS, each share at most 1 where it must be.
      ASSERT_TRUE(s.efficiency) << name << " " << sched;
      const auto& e = *s.efficiency;
      EXPECT_NEAR(e.peak_tops * e.global_mapping * e.local_mapping * e.pipeline * e.digital_macs, s.tops, 1e-9 * s.tops)
          << name << " " << sched;
      EXPECT_GT(e.global_mapping, 0) << name;
      EXPECT_LE(e.global_mapping, 1.0) << name;
      EXPECT_LE(e.pipeline, 1.0 + 1e-9) << name << " " << sched;
      EXPECT_GE(e.digital_macs, 1.0) << name;
    }
  }
}

// The event simulation reports its progress as its items finish: in order, about a thousand times a run at
// most, ending at the total; the analytic model and the runs beside the main one (auto's slicings, the
// single-inference latency) do not call it.
TEST(PerfSim, ProgressCountsTheMainRunsItems) {
  const auto chip = preset("hermes");
  Builder b;
  b.layer(256, 256, 4, 0);
  b.layer(256, 64, 4, 1);
  b.transfer(0, 1, 256, "a");
  for (const int64_t chunks : {1, 4}) {
    PerfOptions o;
    o.images = 3000;
    o.chunks = chunks;
    std::vector<std::pair<int64_t, int64_t>> seen;
    o.on_progress = [&](int64_t done, int64_t total) { seen.emplace_back(done, total); };
    const PerfStats s = simulate(chip, b.p, o);
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.back(), std::make_pair(3000 * chunks, 3000 * chunks));
    EXPECT_LE(seen.size(), 1001U);
    for (size_t k = 1; k < seen.size(); ++k) EXPECT_GT(seen[k].first, seen[k - 1].first);
    o.on_progress = nullptr;
    EXPECT_EQ(simulate(chip, b.p, o).makespan_ns, s.makespan_ns);  // watching does not change the run
    o.analytic = true;
    o.on_progress = [&](int64_t, int64_t) { ADD_FAILURE() << "the analytic model reports no progress"; };
    simulate(chip, b.p, o);
  }
}

// A run beyond the items one simulation tracks is one line naming the option (2^24 items took 5 to 16 GB).
TEST(PerfSim, RunsBeyondTheTrackedItemsAreRefused) {
  const auto chip = preset("hermes");
  Builder b;
  b.layer(256, 256, 4, 0);
  PerfOptions o;
  o.images = kMaxSimulatedItems + 1;
  EXPECT_EQ(test::error_of([&] { simulate(chip, b.p, o); }),
            fmt::format("images: {}: more than the {} inferences one simulation tracks (its steady-state throughput is "
                        "timed after a few pipeline depths of them)",
                        kMaxSimulatedItems + 1, kMaxSimulatedItems));
  o.images = kMaxSimulatedItems / 4 + 1;
  o.chunks = 4;
  EXPECT_EQ(test::error_of([&] { simulate(chip, b.p, o); }),
            fmt::format("chunks: {} images x 4 slices is more than the {} items one simulation tracks; time fewer images "
                        "or slices",
                        kMaxSimulatedItems / 4 + 1, kMaxSimulatedItems));
}

}  // namespace
}  // namespace aimc::perf
