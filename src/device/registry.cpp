#include "device/registry.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <functional>
#include <string_view>

#include "core/error.h"
#include "core/rng.h"
#include "device/impl/device_impls.h"

namespace aimc::device {

namespace {

// A name → factory table; duplicate names are a bug.
template <class F>
class Registry {
 public:
  Registry(std::string what, std::vector<std::pair<std::string, F>> entries) : m_what(std::move(what)) {
    for (auto& [name, make] : entries) {
      for (const auto& e : m_entries) AIMC_ASSERT(e.first != name, "duplicate " + m_what + " '" + name + "'");
      m_entries.emplace_back(std::move(name), std::move(make));
    }
  }
  const F& get(std::string_view name, const std::string& field) const {
    for (const auto& e : m_entries) {
      if (e.first == name) return e.second;
    }
    throw Error(fmt::format("no {} model '{}'; expected one of: {}", m_what, name, fmt::join(names(), ", ")),
                ErrorContext{.field = field});
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : m_entries) out.push_back(e.first);
    return out;
  }

 private:
  std::string m_what;
  std::vector<std::pair<std::string, F>> m_entries;
};

using EncoderFactory = std::function<std::unique_ptr<IInputEncoder>(const chip::InputEncoderSpec&, int64_t)>;
using AdcFactory = std::function<std::unique_ptr<IAdc>(const chip::AdcSpec&, AdcPolarity)>;

const Registry<EncoderFactory>& encoders() {
  static const Registry<EncoderFactory> r(
      "input encoder", {{"pwm", make_level_encoder}, {"dac", make_level_encoder}, {"bit-serial", make_bit_serial_encoder}});
  return r;
}

const Registry<AdcFactory>& adcs() {
  static const Registry<AdcFactory> r("ADC", {{"cco", make_linear_adc},
                                              {"sar", make_linear_adc},
                                              {"flash", make_linear_adc},
                                              {"ideal", make_linear_adc},
                                              {"comparator", make_comparator_adc}});
  return r;
}

}  // namespace

std::unique_ptr<IDeviceModel> make_device_model(const chip::CoreSpec& core) {
  const chip::DeviceTechnology& t = chip::technology_of(core);
  if (!t.model) {
    throw Error(fmt::format("{} cells have no analog device model (binary cells compute in the crossbar)", t.name),
                ErrorContext{.field = "cores.device.technology"});
  }
  return t.model(core);
}

std::unique_ptr<IInputEncoder> make_input_encoder(const chip::InputEncoderSpec& input, int64_t bits) {
  if (bits < 1 || bits > input.bits) {
    throw Error(fmt::format("{}-bit inputs requested; the encoder supports 1..{}", bits, input.bits),
                ErrorContext{.field = "cores.input.bits"});
  }
  return encoders().get(chip::to_string(input.kind), "cores.input.kind")(input, bits);
}

std::unique_ptr<IAdc> make_adc(const chip::AdcSpec& adc, AdcPolarity polarity) {
  return adcs().get(chip::to_string(adc.kind), "cores.adc.kind")(adc, polarity);
}

std::vector<std::string> input_encoder_names() { return encoders().names(); }
std::vector<std::string> adc_names() { return adcs().names(); }

AdcColumns draw_adc_columns(const chip::AdcSpec& adc, int64_t cols, uint64_t seed, uint32_t tile) {
  AdcColumns out{std::vector<float>(static_cast<size_t>(cols), 1.0f), std::vector<float>(static_cast<size_t>(cols), 0.0f)};
  const Rng rng(seed, tile, RngPurpose::adc_variation);
  if (adc.gain_rel_std > 0) {
    rng.fill_normal(0, out.gain);
    for (float& g : out.gain) g = 1.0f + static_cast<float>(adc.gain_rel_std) * g;
  }
  if (adc.offset_lsb_std > 0) {
    rng.fill_normal(static_cast<uint64_t>(cols), out.offset);
    for (float& o : out.offset) o *= static_cast<float>(adc.offset_lsb_std);
  }
  return out;
}

}  // namespace aimc::device

namespace aimc::chip {

// The technology table chip/device_registry.h declares: aimc's own technologies, one line each.
DeviceRegistry& device_technologies() {
  static DeviceRegistry registry = [] {
    DeviceRegistry r;
    r.add(device::pcm_technology());
    r.add(device::rram_technology());
    r.add(device::sram_binary_technology());
    r.add(device::charge_domain_technology());
    r.add(device::ideal_technology());
    return r;
  }();
  return registry;
}

}  // namespace aimc::chip
