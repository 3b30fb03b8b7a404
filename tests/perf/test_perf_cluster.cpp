// cluster-512's mapping features, hand-computed: the IMA job (streamed operands), the RISC-V cores'
// im2col, and residual tensors held on chip or sent through off-chip memory.
#include <gtest/gtest.h>

#include <map>

#include "chip/peak.h"
#include "compiler/pipeline.h"
#include "ir/graph.h"
#include "onnx/importer.h"
#include "perf_test_util.h"
#include "sim/perf/perf_sim.h"

namespace aimc::perf {
namespace {

// chips.md 4.1 (the authors' ima_v1_impl.cpp) at 1 GHz (1 ns per cycle): idle 2, stream-in
// ceil(h/4) + 2, compute ceil(130 ns / 1 ns) + 1, stream-out ceil(w/4) + 2 cycles.
TEST(PerfCluster, ImaJobCycles) {
  auto chip = preset("cluster-512");
  chip.clock_mhz = 1000;
  const auto& mode = chip.cores.read_modes.front();
  EXPECT_DOUBLE_EQ(chip::mvm_latency_ns(chip, mode, 8), 2 + (64 + 2) + (130 + 1) + (64 + 2));           // 265
  EXPECT_DOUBLE_EQ(chip::mvm_latency_ns(chip, mode, 8, 147, 64), 2 + (37 + 2) + (130 + 1) + (16 + 2));  // 190
  // A layer of 147 × 64 on one IMA: 10 jobs one after another.
  Builder b;
  b.layer(147, 64, 10, 0);
  PerfOptions o;
  o.images = 1;
  const PerfStats s = simulate(chip, b.p, o);
  EXPECT_NEAR(s.latency_ns, 10 * 190.0, 1e-6);
  // The peak: full 256 × 256 jobs of 265 cycles.
  const chip::PeakPoint peak = chip::peak_point(chip, mode.name, 8, 4);
  EXPECT_NEAR(peak.tops, 2.0 * 512 * 256 * 256 / 265.0 * 1e-3, 1e-9);
}

// Garofalo's IMA double-buffers its streams (job.overlap, 500 MHz): 10 jobs of 147 × 64 follow each
// other every 2 + max(37 + 2, 65 + 1, 16 + 2) = 68 cycles, and the last one streams out after its
// computation: 9 intervals + one job alone (2 + 39 + 66 + 18 = 125 cycles), at 2 ns per cycle.
TEST(PerfCluster, OverlappedImaJobs) {
  const auto chip = preset("garofalo-cluster");
  const auto& mode = chip.cores.read_modes.front();
  EXPECT_DOUBLE_EQ(chip::mvm_interval_ns(chip, mode, 8, 147, 64), 68 * 2.0);
  EXPECT_DOUBLE_EQ(chip::mvm_latency_ns(chip, mode, 8, 147, 64), 125 * 2.0);
  Builder b;
  b.layer(147, 64, 10, 0);
  PerfOptions o;
  o.images = 1;
  const PerfStats s = simulate(chip, b.p, o);
  EXPECT_NEAR(s.latency_ns, 10 * 68 * 2.0 + (125 - 68) * 2.0, 1e-6);
  // Two images back to back: the crossbar is busy one interval per job, so the second image ends ten
  // intervals after the first.
  o.images = 2;
  const PerfStats s2 = simulate(chip, b.p, o);
  EXPECT_NEAR(s2.makespan_ns - s.makespan_ns, 10 * 68 * 2.0, 1e-6);
}

program::Program compile_resnet20(const std::string& chip_name, const std::string& residuals) {
  Graph g = import_onnx(source_path("models/resnet20_cifar10.onnx"));
  compiler::CompileOptions co;
  co.pipeline =
      "fold-batchnorm,quantize{calibration=none},lower-to-crossbar,partition,pack,replicate{mode=none},place,"
      "assign-digital,route{residuals=" +
      residuals + "},schedule{kind=pipelined}";
  return compiler::compile(g, preset(chip_name), co);
}

double off_chip_bytes(const program::Program& p) {
  double b = 0;
  for (const auto& t : p.transfers) {
    if (t.from.kind == EndpointKind::Host || t.to.kind == EndpointKind::Host) b += t.bytes_per_inference;
  }
  return b;
}

// ResNet-20 (CIFAR-10) has 9 residual adds: 3 of 16×32×32, 3 of 32×16×16, 3 of 64×8×8 8-bit
// elements. Off chip, each held tensor is written to memory and read back: 2 × its bytes.
TEST(PerfCluster, ResidualsThroughOffChipMemory) {
  const program::Program on = compile_resnet20("cluster-512", "on-chip");
  const program::Program off = compile_resnet20("cluster-512", "off-chip");
  const int64_t held = 3 * 16 * 32 * 32 + 3 * 32 * 16 * 16 + 3 * 64 * 8 * 8;
  EXPECT_EQ(off_chip_bytes(off) - off_chip_bytes(on), 2 * held);
  // The simulator counts the same bytes off chip, and the round trips cost time on the memory link.
  PerfOptions o;
  o.images = 2;
  const PerfStats son = simulate(preset("cluster-512"), on, o), soff = simulate(preset("cluster-512"), off, o);
  EXPECT_NEAR(soff.actions.offchip_bytes - son.actions.offchip_bytes, 2.0 * 2 * static_cast<double>(held), 1e-6);
  EXPECT_GT(soff.latency_ns, son.latency_ns);
}

// The schedule pass gives every transfer its stage; a Program without (older) is matched by value
// name and simulates the same.
TEST(PerfCluster, TransferStagesFromTheProgram) {
  const program::Program p = compile_resnet20("cluster-512", "off-chip");
  for (const auto& t : p.transfers) EXPECT_GE(t.stage, 0) << t.value;
  program::Program old = program::program_from_json(program::to_json(p), "test");
  for (auto& t : old.transfers) t.stage = -1;
  PerfOptions o;
  o.images = 3;
  const PerfStats a = simulate(preset("cluster-512"), p, o), b = simulate(preset("cluster-512"), old, o);
  EXPECT_DOUBLE_EQ(a.makespan_ns, b.makespan_ns);
  EXPECT_EQ(a.events, b.events);
  EXPECT_TRUE(a.warnings.empty() && b.warnings.empty());  // no "transfers whose producer was not found" either way
}

// The RISC-V cores marshal every conv's input windows: one op per row of each input vector, on
// the cores holding the layer's tiles; HERMES (fixed-function LDPUs) has no such step.
TEST(PerfCluster, Im2colOnProgrammableCoresOnly) {
  const program::Program p = compile_resnet20("cluster-512", "on-chip");
  int64_t convs = 0;
  for (const auto& L : p.layers) {
    if (L.kind != program::LayerKind::Conv) continue;
    ++convs;
    int found = 0;
    for (const auto& d : p.digital_ops) {
      if (d.layer != L.id || d.op != "im2col") continue;
      ++found;
      EXPECT_EQ(d.ops_per_inference, L.vectors_per_inference * L.rows) << L.name;
      EXPECT_EQ(d.unit, "risc-v");
      EXPECT_EQ(d.cores, p.cores_of(L.id)) << L.name;
    }
    EXPECT_EQ(found, 1) << L.name;
  }
  EXPECT_EQ(convs, 19);  // ResNet-20 with identity (padded) shortcuts: 19 convs
  const program::Program h = compile_resnet20("hermes", "on-chip");
  for (const auto& d : h.digital_ops) EXPECT_NE(d.op, "im2col");
}

}  // namespace
}  // namespace aimc::perf
