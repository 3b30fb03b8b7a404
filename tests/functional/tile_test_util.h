// Cores of each technology built in C++ and small references for the tile tests.
#pragma once

#include <vector>

#include "chip/core_spec.h"
#include "chip/devices/charge_domain.h"
#include "chip/devices/ideal.h"
#include "chip/devices/sram_binary.h"
#include "chip/loader.h"
#include "core/error.h"
#include "core/rng.h"
#include "core/tensor.h"
#include "sim/functional/fixed_gemm.h"

namespace aimc::functional::test {

inline chip::CoreSpec preset_core(const std::string& name) {
  static const chip::PresetLibrary library({std::string(AIMC_SOURCE_DIR) + "/presets"});
  return chip::load_chip(name, library).cores;
}

inline chip::CoreSpec ideal_core(int64_t rows, int64_t cols) {
  chip::CoreSpec core = preset_core("hermes");
  core.rows = rows;
  core.cols = cols;
  core.device = chip::DeviceSpec{.technology = "ideal", .params = chip::IdealDeviceSpec{}};
  for (auto& m : core.read_modes) m.out_noise_rel_std = 0;
  return core;
}

inline chip::CoreSpec charge_core(int64_t rows, double full_scale) {
  chip::CoreSpec core = preset_core("verma-cimu");
  core.rows = rows;
  core.adc.full_scale = full_scale;
  return core;
}

inline Tensor random_tensor(int64_t rows, int64_t cols, uint64_t seed, float scale = 1.0f) {
  Tensor t(DType::f32, {rows, cols});
  Rng(seed, 0, RngPurpose::test).fill_normal(0, t.span<float>());
  for (float& v : t.span<float>()) v *= scale;
  return t;
}

}  // namespace aimc::functional::test
