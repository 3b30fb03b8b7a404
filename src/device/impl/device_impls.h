// Factories of the implementations in impl/, listed in registry.cpp (one line each).
#pragma once

#include <memory>

#include "chip/adc_spec.h"
#include "chip/core_spec.h"
#include "chip/device_registry.h"
#include "chip/input_spec.h"
#include "device/i_adc.h"
#include "device/i_device_model.h"
#include "device/i_input_encoder.h"

namespace aimc::device {

// Device technologies: parameters, traits and, for analog cells, the device model.
chip::DeviceTechnology pcm_technology();
chip::DeviceTechnology rram_technology();
chip::DeviceTechnology ideal_technology();
chip::DeviceTechnology sram_binary_technology();
chip::DeviceTechnology charge_domain_technology();

std::unique_ptr<IInputEncoder> make_level_encoder(const chip::InputEncoderSpec& input, int64_t bits);
std::unique_ptr<IInputEncoder> make_bit_serial_encoder(const chip::InputEncoderSpec& input, int64_t bits);

std::unique_ptr<IAdc> make_linear_adc(const chip::AdcSpec& adc, AdcPolarity polarity);
std::unique_ptr<IAdc> make_comparator_adc(const chip::AdcSpec& adc, AdcPolarity polarity);

}  // namespace aimc::device
