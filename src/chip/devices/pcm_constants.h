// The constants of IBM's statistical PCM models, as implemented in aihwkit
// (src/aihwkit/inference/noise/pcm.py and hermes.py; chips.md §1.6), with the functions that
// evaluate their deterministic parts. Conductances are in µS, x = g / g_max is dimensionless.
//
// PCMLikeNoiseModel: Nandakumar et al., ICECS 2019; Joshi et al., Nat. Commun. 2020.
// HermesNoiseModel: fitted on the HERMES chip (Le Gallo et al., Nat. Electron. 2023), one set of
// constants per number of devices per polarity (1 or 2; 2 = Vasilopoulos et al., TED 2023 "MSF").
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace aimc::chip {

enum class PcmModel { PcmLike, Hermes };

// clamp(a·ln(x) + b, lo, hi)
struct LogLinear {
  double a = 0, b = 0, lo = 0, hi = 0;
};

// x < split ? below(x) : Σ above[i]·x^i
struct Piecewise {
  double split = 0;
  LogLinear below;
  std::vector<double> above;
};

// min(a / max(x^exponent, floor), max)
struct InversePower {
  double a = 0, exponent = 0, floor = 0, max = 0;
};

struct PcmConstants {
  std::string source;                                   // where the numbers come from
  std::vector<double> prog_sigma_coeff;                 // σ_prog (µS at the reference g_max) = Σ c_i·x^i
  double prog_g_max_reference_us = 0;                   // the g_max those coefficients were fitted at
  double drift_x_floor = 0;                             // x is clamped to at least this before ln (aihwkit _ZERO_CLIP)
  Piecewise drift_nu_mean;                              // μ_ν(x)
  Piecewise drift_nu_std;                               // σ_ν(x)
  std::variant<InversePower, Piecewise> read_noise_qs;  // Q_s(x), x = |g_prog| / g_max
};

// The constants of `model`; the HERMES model needs devices_per_polarity 1 or 2 (InternalError
// otherwise: the chip loader rejects other values first).
const PcmConstants& pcm_constants(PcmModel model, int64_t devices_per_polarity);

double evaluate(const LogLinear& f, double x);
double evaluate(const Piecewise& f, double x);
double evaluate(const InversePower& f, double x);
double polynomial(const std::vector<double>& coeff, double x);

// σ of the programming noise (µS) for target g_target_us on a device range of g_max_us:
// Σ c_i (g_T/g_max)^i · g_max / g_max_reference.
double prog_noise_sigma_us(const PcmConstants& c, double g_target_us, double g_max_us);
// μ_ν and σ_ν of the drift exponent for target g_target_us (x clamped to drift_x_floor).
double drift_nu_mean(const PcmConstants& c, double g_target_us, double g_max_us);
double drift_nu_std(const PcmConstants& c, double g_target_us, double g_max_us);
// Q_s of the accumulated 1/f read noise for programmed conductance g_prog_us.
double read_noise_qs(const PcmConstants& c, double g_prog_us, double g_max_us);

}  // namespace aimc::chip
