// Core specs of each technology built in C++ for the device tests.
#pragma once

#include "chip/core_spec.h"
#include "chip/devices/pcm.h"

namespace aimc::device::test {

inline chip::CoreSpec pcm_core(chip::PcmModel model, int64_t devices) {
  const bool hermes = model == chip::PcmModel::Hermes;
  chip::CoreSpec core;
  core.rows = 256;
  core.cols = 256;
  core.device = chip::DeviceSpec{.technology = "pcm",
                                 .params = chip::PcmSpec{.model = model,
                                                         .g_max_us = hermes ? 10.35 * static_cast<double>(devices) : 25.0,
                                                         .g_min_us = 0,
                                                         .t0_s = hermes ? (devices == 2 ? 300.0 : 200.0) : 20.0,
                                                         .t_read_s = hermes ? 512e-9 : 250e-9}};
  core.weights = chip::WeightEncodingSpec{.scheme = chip::WeightScheme::Differential, .devices_per_polarity = devices};
  return core;
}

}  // namespace aimc::device::test
