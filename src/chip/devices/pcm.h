// `technology: pcm` — phase-change memory with IBM's statistical model (programming noise,
// conductance-dependent drift, accumulated 1/f read noise). The model's fitted constants come from
// the model name and `cores.weights.devices_per_polarity` (devices/pcm_constants.h); the YAML holds
// the operating parameters.
#pragma once

#include <string>

#include "chip/device_registry.h"
#include "chip/devices/pcm_constants.h"

namespace aimc::chip {

struct PcmSpec {
  PcmModel model = PcmModel::PcmLike;
  double g_max_us = 0;          // conductance the largest |weight| maps to, per polarity
  double g_min_us = 0;          // conductance added to both polarities
  double t0_s = 0;              // first read after programming: drift reference time
  double t_read_s = 0;          // read duration in the 1/f noise formula
  double prog_noise_scale = 1;  // multiplies σ_prog (1 = as fitted)
  double read_noise_scale = 1;  // multiplies Q_s
  double drift_scale = 1;       // multiplies ν
};

const Schema<PcmSpec>& pcm_schema();
std::string to_string(PcmModel model);

// The largest g_max (µS) the HERMES model was characterised at: 10.35 per device (aihwkit asserts).
double hermes_g_max_limit_us(int64_t devices_per_polarity);

}  // namespace aimc::chip
