// A device technology added from outside aimc's sources: this file holds all of it (parameters,
// schema, traits, physics) and one device_technologies().add(...) line registers it. Compile, eval
// and perf then run on a chip that names it, with no other edit (ARCHITECTURE: "adding a device
// model touches one new file and its registration").
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>

#include "chip/core_spec.h"
#include "chip/device_registry.h"
#include "chip/loader.h"
#include "core/rng.h"
#include "data/dataset.h"
#include "device/i_device_model.h"
#include "experiment/evaluate.h"
#include "experiment/program_source.h"
#include "sim/perf/perf_sim.h"

namespace aimc {
namespace {

// ---- the toy technology: Gaussian programming error and a fixed power-law drift -------------------
struct ToySpec {
  double g_max_us = 0;
  double sigma_us = 0;  // programming error σ, independent of the target
  double nu = 0;        // drift exponent of every device
};

const chip::Schema<ToySpec>& toy_schema() {
  static const chip::Schema<ToySpec> s =
      chip::Schema<ToySpec>("device (technology: toy)", "A test technology.")
          .required("g_max_us", &ToySpec::g_max_us, chip::RealCodec{0, 1000, true}, "largest conductance (µS)")
          .defaulted("sigma_us", &ToySpec::sigma_us, chip::RealCodec{0, 1000}, 0.0, "programming error σ (µS)")
          .defaulted("nu", &ToySpec::nu, chip::RealCodec{0, 1}, 0.0, "drift exponent");
  return s;
}

std::atomic<int64_t> g_programmed{0};  // devices the toy model programmed: proves the model ran

class ToyDevice final : public device::IDeviceModel {
 public:
  explicit ToyDevice(const ToySpec& spec) : m_spec(spec) {}
  std::string_view name() const override { return "toy"; }
  double g_min_us() const override { return 0.0; }
  double g_max_us() const override { return m_spec.g_max_us; }
  double prog_sigma_us(double) const override { return m_spec.sigma_us; }
  void program(std::span<const float> g_target, const device::DeviceDraw& draw, uint32_t attempt,
               std::span<float> g_prog) const override {
    const Rng rng(draw.seed, draw.stream, RngPurpose::programming_noise);
    rng.fill_normal((uint64_t{attempt} << device::kDeviceIndexBits) + draw.first, g_prog);
    for (size_t i = 0; i < g_target.size(); ++i) {
      g_prog[i] = std::max(g_target[i] + static_cast<float>(m_spec.sigma_us) * g_prog[i], 0.0f);
    }
    g_programmed += static_cast<int64_t>(g_target.size());
  }
  void drift_exponents(std::span<const float>, const device::DeviceDraw&, std::span<float> nu) const override {
    std::fill(nu.begin(), nu.end(), static_cast<float>(m_spec.nu));
  }
  void read(std::span<const float> g_prog, std::span<const float> nu, double t_s, const device::DeviceDraw&, uint64_t,
            std::span<float> g_out) const override {
    for (size_t i = 0; i < g_prog.size(); ++i) g_out[i] = g_prog[i] * static_cast<float>(std::pow(std::max(t_s, 1.0), -nu[i]));
  }

 private:
  ToySpec m_spec;
};

chip::DeviceTechnology toy_technology() {
  chip::DeviceTechnology t =
      chip::make_device_technology("toy", "a test technology", toy_schema(), {.cell = chip::CellKind::AnalogPair});
  t.model = [](const chip::CoreSpec& core) { return std::make_unique<ToyDevice>(core.device.as<ToySpec>()); };
  return t;
}

// ---- using it ------------------------------------------------------------------------------------
class ToyTechnology : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (chip::device_technologies().find("toy") == nullptr)
      chip::device_technologies().add(toy_technology());  // the registration
  }

  static chip::ChipSpec toy_chip(double sigma_us, double nu) {
    static const chip::PresetLibrary presets({std::string(AIMC_SOURCE_DIR) + "/presets"});
    const std::string yaml = fmt::format(
        "base: hermes\nname: hermes-toy\n"
        "cores:\n"
        "  device: {{technology: toy, g_max_us: 20, sigma_us: {}, nu: {}}}\n"
        "  drift_compensation: {{scheme: none}}\n",
        sigma_us, nu);
    return chip::parse_chip(yaml, "toy.yaml", presets);
  }
};

TEST_F(ToyTechnology, LoadsFromYamlWithItsParametersAndTraits) {
  const chip::ChipSpec c = toy_chip(0, 0);
  EXPECT_EQ(c.cores.device.technology, "toy");
  EXPECT_EQ(c.cores.device.as<ToySpec>().g_max_us, 20);
  EXPECT_TRUE(chip::technology_of(c.cores).traits.differential());
}

TEST_F(ToyTechnology, CompilesEvaluatesAndSimulates) {
  const std::string model = std::string(AIMC_SOURCE_DIR) + "/models/mnist_lenet.onnx";
  const std::string spec = "mnist:" + std::string(AIMC_SOURCE_DIR) + "/data/mnist-test-1k";
  const Dataset data = load_dataset(spec, 128);
  experiment::EvalOptions eo;
  eo.drift_times = {1.0, 1e6};
  eo.repeats = 1;
  eo.seed = 3;

  const chip::ChipSpec exact = toy_chip(0, 0);
  const experiment::LoadedProgram loaded = experiment::load_or_compile({.model = model}, exact, {});
  const int64_t before = g_programmed;
  const experiment::EvalResult ideal = experiment::evaluate(loaded, exact, data, spec, eo);
  EXPECT_GT(g_programmed, before) << "the toy device model programmed the tiles";
  EXPECT_NEAR(ideal.chip[0].mean, ideal.digital, 0.03);
  EXPECT_NEAR(ideal.chip[1].mean, ideal.digital, 0.03);  // no drift

  // Its physics reach the figures: a large programming error costs accuracy; with drift and no
  // compensation, outputs shrink by (t)^-ν until the ADCs lose the signal.
  const experiment::EvalResult noisy = experiment::evaluate(loaded, toy_chip(8, 0), data, spec, eo);
  EXPECT_LT(noisy.chip[0].mean, ideal.chip[0].mean - 0.1);
  const experiment::EvalResult drifting = experiment::evaluate(loaded, toy_chip(0, 0.3), data, spec, eo);
  EXPECT_NEAR(drifting.chip[0].mean, ideal.chip[0].mean, 0.03);
  EXPECT_LT(drifting.chip[1].mean, ideal.chip[1].mean - 0.1);

  const perf::PerfStats p = perf::simulate(exact, loaded.program, perf::PerfOptions{});
  EXPECT_GT(p.inferences_per_s, 0);
  EXPECT_GT(p.energy_per_inference_j, 0);
}

}  // namespace
}  // namespace aimc
