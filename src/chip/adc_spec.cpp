#include "chip/adc_spec.h"

#include "chip/schema/schema.h"

namespace aimc::chip {

namespace {
const EnumCodec<AdcKind>& adc_kind_codec() {
  static const EnumCodec<AdcKind> c{{{"cco", AdcKind::Cco},
                                     {"sar", AdcKind::Sar},
                                     {"flash", AdcKind::Flash},
                                     {"comparator", AdcKind::Comparator},
                                     {"ideal", AdcKind::Ideal}}};
  return c;
}
}  // namespace

std::string to_string(AdcKind kind) { return adc_kind_codec().name_of(kind); }

const Schema<AdcSpec>& adc_schema() {
  static const Schema<AdcSpec> s =
      Schema<AdcSpec>("adc", "The converters that digitise the column outputs.")
          .required("kind", &AdcSpec::kind, adc_kind_codec(), "converter architecture")
          .required("bits", &AdcSpec::bits, IntCodec{1, 16}, "output resolution")
          .required("columns_per_adc", &AdcSpec::columns_per_adc, IntCodec{1, 65536},
                    "columns sharing one ADC (1 = one per column); must divide `cores.cols`")
          .optional("full_scale", &AdcSpec::full_scale, RealCodec{0, 1e9, true},
                    "input that maps to full scale, in units of the largest single-row product |w|max·|x|max "
                    "(aihwkit out_bound); required except for comparators")
          .optional("t_conversion_ns", &AdcSpec::t_conversion_ns, RealCodec{0, 1e9, true},
                    "time of one conversion (ns); required with bit-serial inputs")
          .optional("area_mm2", &AdcSpec::area_mm2, RealCodec{0, 1e4, true}, "area of one converter (mm²)")
          .optional("e_conversion_pj", &AdcSpec::e_conversion_pj, RealCodec{0, 1e9},
                    "energy of one conversion (pJ), when known apart from the read mode's energy")
          .required("gain_rel_std", &AdcSpec::gain_rel_std, RealCodec{0, 1},
                    "column-to-column gain σ remaining after calibration, relative")
          .required("offset_lsb_std", &AdcSpec::offset_lsb_std, RealCodec{0, 1e6},
                    "column-to-column offset σ remaining after calibration (LSB)")
          .defaulted("inl_lsb", &AdcSpec::inl_lsb, RealCodec{0, 1e3}, 0.0,
                     "peak integral nonlinearity (LSB) of a cubic bow, zero at mid-scale and full scale; 0 = linear")
          .defaulted("readout_bits", &AdcSpec::readout_bits, IntCodec{0, 16}, int64_t{0},
                     "comparator only: bits of the multi-level read-out (successive approximation against the "
                     "per-column reference, one array evaluation per step) of a layer without Sign; 0 = none")
          .defaulted("output_energy_share", &AdcSpec::output_energy_share, RealCodec{0, 1}, 0.0,
                     "share of a conversion's energy that scales with its output's magnitude relative to full scale "
                     "(a counting converter, CCO or ramp, that stops at its result); perf prices it from the column "
                     "outputs of a calibration run; not for comparators or bit-serial inputs; 0 = every conversion "
                     "costs the same")
          .rule("a comparator has 1 bit and no full_scale; other kinds need full_scale", [](const AdcSpec& a, const Site& site) {
            if (a.kind == AdcKind::Comparator) {
              if (a.output_energy_share != 0)
                site.fail_key("output_energy_share", "not for a comparator (it decides a sign); remove it");
              if (a.bits != 1) site.fail_key("bits", fmt::format("{} bits for a comparator; expected 1", a.bits));
              if (a.full_scale) site.fail_key("full_scale", "not used by a comparator (it decides a sign); remove it");
              if (a.inl_lsb != 0) site.fail_key("inl_lsb", "not used by a comparator; remove it");
              if (a.readout_bits == 1)
                site.fail_key("readout_bits", "1 bit is the comparator's own decision; expected 0 or 2..16");
            } else if (a.readout_bits != 0) {
              site.fail_key("readout_bits", "only for comparators; remove it");
            } else if (!a.full_scale) {
              site.fail_key("full_scale", "missing; expected a number in (0, 1e+09] for kind " + to_string(a.kind));
            }
          });
  return s;
}

}  // namespace aimc::chip
