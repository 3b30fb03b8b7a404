// `technology: rram` — resistive RAM with a generic Gaussian model: relative programming and read
// noise and an optional power-law drift. No shipped preset uses it; the parameters are those any
// RRAM characterisation reports.
#pragma once

#include <cstdint>
#include <optional>

#include "chip/device_registry.h"

namespace aimc::chip {

struct RramSpec {
  double g_min_us = 0;             // lowest programmable conductance
  double g_max_us = 0;             // highest programmable conductance
  std::optional<int64_t> levels;   // distinct programmable levels (absent: continuous)
  double prog_noise_rel_std = 0;   // σ of programming error / g_max
  double read_noise_rel_std = 0;   // σ of one read / g (cycle-to-cycle)
  std::optional<double> drift_nu;  // drift exponent ν in g(t) = g(t0)·(t/t0)^-ν (absent: none)
  std::optional<double> t0_s;      // drift reference time, needed with drift_nu
};

const Schema<RramSpec>& rram_schema();

}  // namespace aimc::chip
