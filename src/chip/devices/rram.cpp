#include "chip/devices/rram.h"

namespace aimc::chip {

const Schema<RramSpec>& rram_schema() {
  static const Schema<RramSpec> s =
      Schema<RramSpec>("device (technology: rram)", "Resistive RAM with a generic Gaussian noise model.")
          .required("g_min_us", &RramSpec::g_min_us, RealCodec{0, 1e4}, "lowest programmable conductance (µS)")
          .required("g_max_us", &RramSpec::g_max_us, RealCodec{0, 1e4, true}, "highest programmable conductance (µS)")
          .optional("levels", &RramSpec::levels, IntCodec{2, 1 << 16},
                    "distinct programmable conductance levels (absent: continuous)")
          .required("prog_noise_rel_std", &RramSpec::prog_noise_rel_std, RealCodec{0, 1},
                    "σ of the programming error as a fraction of g_max")
          .required("read_noise_rel_std", &RramSpec::read_noise_rel_std, RealCodec{0, 1},
                    "σ of one read as a fraction of the conductance")
          .optional("drift_nu", &RramSpec::drift_nu, RealCodec{0, 1}, "drift exponent ν (absent: no drift)")
          .optional("t0_s", &RramSpec::t0_s, RealCodec{0, 1e9, true}, "drift reference time (s), with drift_nu")
          .rule("g_min_us < g_max_us",
                [](const RramSpec& r, const Site& site) {
                  if (r.g_min_us >= r.g_max_us) {
                    site.fail_key("g_min_us", fmt::format("{} is not below g_max_us {}; expected g_min_us < g_max_us",
                                                          format_real(r.g_min_us), format_real(r.g_max_us)));
                  }
                })
          .rule("drift_nu and t0_s come together", [](const RramSpec& r, const Site& site) {
            if (r.drift_nu.has_value() != r.t0_s.has_value()) {
              site.fail_key(r.drift_nu ? "t0_s" : "drift_nu", "missing; drift_nu and t0_s come together");
            }
          });
  return s;
}

}  // namespace aimc::chip
