#include "chip/devices/pcm.h"

namespace aimc::chip {

namespace {
const EnumCodec<PcmModel>& model_codec() {
  static const EnumCodec<PcmModel> c{{{"pcm-like", PcmModel::PcmLike}, {"hermes", PcmModel::Hermes}}};
  return c;
}
}  // namespace

std::string to_string(PcmModel model) { return model_codec().name_of(model); }

double hermes_g_max_limit_us(int64_t devices_per_polarity) { return 10.35 * static_cast<double>(devices_per_polarity); }

const Schema<PcmSpec>& pcm_schema() {
  static const Schema<PcmSpec> s =
      Schema<PcmSpec>("device (technology: pcm)",
                      "Phase-change memory with IBM's statistical model (aihwkit PCMLikeNoiseModel or "
                      "HermesNoiseModel). The fitted constants follow from `model` and "
                      "`cores.weights.devices_per_polarity`.")
          .required("model", &PcmSpec::model, model_codec(),
                    "`pcm-like` (Nandakumar 2019 / Joshi 2020) or `hermes` (fitted on the HERMES chip)")
          .required("g_max_us", &PcmSpec::g_max_us, RealCodec{0, 1000, true},
                    "conductance (µS) the largest |weight| of a tile maps to, per polarity")
          .required("g_min_us", &PcmSpec::g_min_us, RealCodec{0, 1000}, "conductance (µS) added to both polarities")
          .required("t0_s", &PcmSpec::t0_s, RealCodec{0, 1e9, true}, "drift reference time after programming (s)")
          .required("t_read_s", &PcmSpec::t_read_s, RealCodec{0, 1, true}, "read duration in the 1/f noise formula (s)")
          .defaulted("prog_noise_scale", &PcmSpec::prog_noise_scale, RealCodec{0, 100}, 1.0,
                     "multiplies the programming-noise σ (1 = as fitted)")
          .defaulted("read_noise_scale", &PcmSpec::read_noise_scale, RealCodec{0, 100}, 1.0,
                     "multiplies the read-noise Q_s (1 = as fitted)")
          .defaulted("drift_scale", &PcmSpec::drift_scale, RealCodec{0, 100}, 1.0,
                     "multiplies the drift exponent ν (1 = as fitted)")
          .rule("g_min_us < g_max_us", [](const PcmSpec& p, const Site& site) {
            if (p.g_min_us >= p.g_max_us) {
              site.fail_key("g_min_us", fmt::format("{} is not below g_max_us {}; expected g_min_us < g_max_us",
                                                    format_real(p.g_min_us), format_real(p.g_max_us)));
            }
          });
  return s;
}

}  // namespace aimc::chip
