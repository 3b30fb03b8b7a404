#include "chip/core_spec.h"

#include "chip/device_registry.h"
#include "chip/schema/schema.h"

namespace aimc::chip {

namespace {
void check_arrangement(const CoreSpec& c, const Site& site) {
  int64_t product = 1;
  for (int64_t d : c.arrangement) product *= d;
  if (product != c.count) {
    site.fail_key("arrangement", fmt::format("{} places {} cores; expected a product equal to count {}", list_text(c.arrangement),
                                             product, c.count));
  }
}

void check_adc_sharing(const CoreSpec& c, const Site& site) {
  if (c.cols % c.adc.columns_per_adc != 0) {
    site.child("adc").fail_key(
        "columns_per_adc", fmt::format("{} does not divide cols {}; expected a divisor of cols", c.adc.columns_per_adc, c.cols));
  }
}

void check_weights(const CoreSpec& c, const Site& site) {
  if (c.weights.scheme == WeightScheme::BitSliced && c.weights.bits && *c.weights.bits > c.cols) {
    site.child("weights").fail_key(
        "bits", fmt::format("{}-bit weights need {} columns; the crossbar has {}", *c.weights.bits, *c.weights.bits, c.cols));
  }
  const std::string& tech = c.device.technology;
  const bool differential = technology_of(c).traits.differential();
  if (!differential && c.weights.scheme == WeightScheme::Differential) {
    site.child("weights").fail_key(
        "scheme", "differential needs analog cells; " + tech + " cells store one bit, expected binary or bit-sliced");
  }
  if (differential && c.weights.scheme != WeightScheme::Differential) {
    site.child("weights").fail_key("scheme", to_string(c.weights.scheme) + " is for binary cells; " + tech +
                                                 " weights are stored as differential pairs, expected differential");
  }
}

void check_technology(const CoreSpec& c, const Site& site) {
  const DeviceTechnology& t = technology_of(c);
  if (t.check_core) t.check_core(c.device.params, c, site);
}

void check_read_modes(const CoreSpec& c, const Site& site) {
  const bool serial = c.input.kind == InputKind::BitSerial;
  const Site modes = site.child("read_modes");
  if (serial && c.adc.output_energy_share != 0) {
    site.child("adc").fail_key("output_energy_share",
                               "only for pwm or dac inputs (a bit-serial conversion digitises one bit-plane's level)");
  }
  if (serial && !c.adc.t_conversion_ns) {
    site.child("adc").fail_key("t_conversion_ns", "missing; bit-serial inputs take their time per bit-plane from it");
  }
  const bool analog = technology_of(c).traits.differential();
  for (const ReadModeSpec& m : c.read_modes) {
    const Site at = modes.child(m.name);
    if (analog && m.phases != 1 && m.phases != 4) {
      at.fail_key("phases", fmt::format("{} phases; an analog read mode has 1 (signed inputs in one step) or 4 (one per "
                                        "sign quadrant of input and weight)",
                                        m.phases));
    }
    if (serial) {
      if (m.t_mvm_ns || m.t_mvm_cycles) {
        at.fail_key(m.t_mvm_ns ? "t_mvm_ns" : "t_mvm_cycles",
                    "not used with bit-serial inputs (t = phases · bits · columns_per_adc · adc.t_conversion_ns)");
      }
      if (m.e_mvm_pj) at.fail_key("e_mvm_pj", "not used with bit-serial inputs; give e_bit_phase_pj");
      if (!m.e_bit_phase_pj) at.fail_key("e_bit_phase_pj", "missing; expected a number in (0, 1e+12] for bit-serial inputs");
      if (m.job) at.fail_key("job", "only for pwm/dac inputs (a bit-serial MVM's time comes from its conversions)");
    } else {
      if (!m.t_mvm_ns && !m.t_mvm_cycles)
        at.fail_key("t_mvm_ns", "missing; give t_mvm_ns or t_mvm_cycles for " + to_string(c.input.kind) + " inputs");
      if (m.e_bit_phase_pj) at.fail_key("e_bit_phase_pj", "only for bit-serial inputs; give e_mvm_pj");
      if (!m.e_mvm_pj)
        at.fail_key("e_mvm_pj", "missing; expected a number in (0, 1e+12] for " + to_string(c.input.kind) + " inputs");
    }
    if (m.energy_split && c.adc.e_conversion_pj) {
      at.fail_key("energy_split", "give energy_split or adc.e_conversion_pj, not both (both split out the ADCs' share)");
    }
    if (c.input.kind == InputKind::Pwm && m.t_mvm_ns) {
      const double pulse = static_cast<double>(m.phases) * pwm_pulse_ns(c.input, c.input.bits);
      if (*m.t_mvm_ns < pulse) {
        at.fail_key("t_mvm_ns", fmt::format("{} ns is shorter than the {} ns of PWM pulses it must contain "
                                            "(phases · levels · t_lsb_ns)",
                                            format_real(*m.t_mvm_ns), format_real(pulse)));
      }
    }
  }
}
}  // namespace

const Schema<CoreSpec>& core_schema() {
  static const Schema<CoreSpec> s =
      Schema<CoreSpec>("cores", "The chip's cores, all identical: count, arrangement and one core's contents.")
          .required("count", &CoreSpec::count, IntCodec{1, 1 << 20}, "identical cores on the chip")
          .required("arrangement", &CoreSpec::arrangement,
                    ListCodec<IntCodec>{.element = {1, 1 << 20}, .min_size = 1, .max_size = 4},
                    "physical grid of cores, e.g. [8, 8]; the product must equal count")
          .required("rows", &CoreSpec::rows, IntCodec{1, 65536}, "crossbar rows (inputs of one MVM)")
          .required("cols", &CoreSpec::cols, IntCodec{1, 65536},
                    "crossbar columns of cells (a unit cell per weight, or a bit cell per weight bit)")
          .defaulted("arrays", &CoreSpec::arrays, IntCodec{1, 1024}, int64_t{1},
                     "crossbars per core computing concurrently (a read mode's e_mvm_pj or e_bit_phase_pj is for all of them)")
          .optional("area_mm2", &CoreSpec::area_mm2, RealCodec{0, 1e4, true},
                    "area of one core with its converters and local digital units (mm²)")
          .optional("array_area_mm2", &CoreSpec::array_area_mm2, RealCodec{0, 1e4, true},
                    "area of one crossbar with its row drivers (mm²); a part of the core's area")
          .optional("static_power_mw", &CoreSpec::static_power_mw, RealCodec{0, 1e7}, "static power of one core (mW)")
          .required("device", &CoreSpec::device, DeviceCodec{&device_technologies()}, "the cell technology")
          .required("weights", &CoreSpec::weights, StructCodec<WeightEncodingSpec>{&weights_schema()}, "weight encoding")
          .required("input", &CoreSpec::input, StructCodec<InputEncoderSpec>{&input_schema()}, "input encoding")
          .required("adc", &CoreSpec::adc, StructCodec<AdcSpec>{&adc_schema()}, "column converters")
          .required("read_modes", &CoreSpec::read_modes, NamedMapCodec<ReadModeSpec>{&read_mode_schema(), 1},
                    "the MVM modes, by name")
          .defaulted("digital", &CoreSpec::digital, NamedMapCodec<DigitalUnitSpec>{&digital_unit_schema()}, {},
                     "per-core digital units, by name")
          .defaulted("memories", &CoreSpec::memories, NamedMapCodec<MemorySpec>{&memory_schema()}, {},
                     "per-core memories and buffers, by name")
          .required("programming", &CoreSpec::programming, StructCodec<ProgrammingSpec>{&programming_schema()},
                    "weight programming")
          .defaulted("faults", &CoreSpec::faults, StructCodec<FaultSpec>{&fault_schema()}, FaultSpec{},
                     "stuck devices and dead columns, drawn per tile (default: none)")
          .defaulted("drift_compensation", &CoreSpec::drift_compensation,
                     StructCodec<DriftCompensationSpec>{&drift_compensation_schema()}, DriftCompensationSpec{},
                     "the read-out's compensation of conductance drift (default: none)")
          .rule("the product of `arrangement` equals `count`", check_arrangement)
          .rule("`adc.columns_per_adc` divides `cols`", check_adc_sharing)
          .rule(
              "analog technologies (pcm, rram, ideal) store differential weights; binary cells (sram-binary, "
              "charge-domain) binary or bit-sliced ones; bit-sliced `bits` fit in `cols`",
              check_weights)
          .rule(
              "the technology's own checks against the core: the hermes PCM model needs "
              "`weights.devices_per_polarity` 1 or 2 and `g_max_us` ≤ 10.35 per device",
              check_technology)
          .rule(
              "analog cells (pcm, rram, ideal): a read mode has 1 phase or 4; "
              "bit-serial inputs: read modes give `e_bit_phase_pj` and no latency, and `adc.t_conversion_ns` is "
              "given; pwm/dac inputs: read modes give `t_mvm_ns` or `t_mvm_cycles` and `e_mvm_pj`; a PWM mode's "
              "`t_mvm_ns` holds its pulses; a `job` only with pwm/dac inputs; not both `energy_split` and `adc.e_conversion_pj`; "
              "`adc.output_energy_share` only with pwm/dac inputs",
              check_read_modes);
  return s;
}

int64_t core_weight_capacity(const CoreSpec& core, int64_t weight_bits) {
  return core.rows * core.arrays * (core.cols / columns_per_weight(core.weights, weight_bits));
}

}  // namespace aimc::chip
