// Both simulators count the same array actions for the same Program (chip/mvm_actions.h): the
// functional tiles, each asked for the MVMs it computes in one inference, and the performance
// simulator running that inference — on every kind of cell, input encoding, read mode and
// converter the presets have.
#include <gtest/gtest.h>

#include <map>
#include <tuple>

#include "chip/loader.h"
#include "experiment/program_source.h"
#include "program/evaluations.h"
#include "sim/functional/tile.h"
#include "sim/perf/perf_sim.h"

namespace aimc {
namespace {

struct Counts {
  double evaluations = 0, drives = 0, conversions = 0;
};

// The functional side: every crossbar evaluation of the Program (its tiles that one MVM computes
// together, program/evaluations.h) as a functional Tile of the same rows and columns, programmed
// with arbitrary weights and asked for its actions over the vectors its replica computes in one
// inference.
Counts functional_counts(const program::Program& p, const chip::ChipSpec& chip, const std::string& mode) {
  Counts c;
  std::map<std::tuple<int32_t, int32_t, int32_t, int32_t>, std::vector<int32_t>> on_crossbar;
  for (const program::Tile& t : p.tiles) on_crossbar[{t.core, t.array, t.layer, t.replica}].push_back(t.id);
  for (const auto& [key, tiles] : on_crossbar) {
    const program::Layer& L = p.layers[static_cast<size_t>(std::get<2>(key))];
    const int64_t R = std::max<int64_t>(1, L.replicas), r = std::get<3>(key) % R;
    const int64_t vectors = r < L.vectors_per_inference ? (L.vectors_per_inference - r + R - 1) / R : 0;
    for (const program::Evaluation& ev : program::array_evaluations(p, tiles)) {
      int64_t cols = 0;  // the evaluation's weight columns (ev.cols counts physical ones)
      for (int32_t m : ev.members) cols += p.tiles[static_cast<size_t>(m)].cols();
      functional::Tile tile(
          chip.cores, functional::TileContext{.seed = 1, .read_mode = mode},
          functional::TileOptions{
              .input_bits = L.quant.input_bits, .weight_bits = L.quant.weight_bits, .adc_bits = L.quant.adc_bits});
      Tensor w(DType::f32, {ev.rows, cols});
      for (int64_t i = 0; i < w.numel(); ++i) w.data<float>()[i] = static_cast<float>((i * 7919) % 13) - 6.0f;
      tile.program(w);
      EXPECT_EQ(tile.actions(1).adc_conversions % ev.cols, 0);
      const functional::MvmActions a = tile.actions(vectors);
      c.evaluations += static_cast<double>(a.array_evaluations);
      c.drives += static_cast<double>(a.input_conversions);
      c.conversions += static_cast<double>(a.adc_conversions);
    }
  }
  return c;
}

void expect_same_counts(const std::string& chip_name, const std::string& model) {
  static const chip::PresetLibrary presets({std::string(AIMC_SOURCE_DIR) + "/presets"});
  const chip::ChipSpec chip = chip::load_chip(chip_name, presets);
  experiment::CompileSettings cs;
  cs.replicate = "none";
  const program::Program p =
      experiment::load_or_compile({.model = std::string(AIMC_SOURCE_DIR) + "/models/" + model}, chip, cs).program;
  for (const chip::ReadModeSpec& mode : chip.cores.read_modes) {
    perf::PerfOptions o;
    o.images = 1;
    o.read_mode = mode.name;
    const perf::PerfStats s = perf::simulate(chip, p, o);
    const Counts f = functional_counts(p, chip, mode.name);
    EXPECT_GT(f.evaluations, 0);
    EXPECT_DOUBLE_EQ(s.actions.array_evaluations, f.evaluations) << chip_name << " " << mode.name;
    EXPECT_DOUBLE_EQ(s.actions.dac_drives, f.drives) << chip_name << " " << mode.name;
    EXPECT_DOUBLE_EQ(s.actions.adc_conversions, f.conversions) << chip_name << " " << mode.name;
  }
}

TEST(ActionCounts, AnalogPcmPwmOneAndFourPhases) { expect_same_counts("hermes", "mnist_lenet.onnx"); }
TEST(ActionCounts, AnalogDacOnATree) { expect_same_counts("cluster-512", "mnist_lenet.onnx"); }
TEST(ActionCounts, ChargeDomainBitSerial) { expect_same_counts("verma-cimu", "cnn4b_cifar10.onnx"); }
TEST(ActionCounts, SramBinaryComparator) { expect_same_counts("zhang-bnn-sram", "bnn_mnist.onnx"); }

}  // namespace
}  // namespace aimc
