// The device and converter implementations by name (STYLE P1): `cores.device.technology` picks the
// device technology (chip::device_technologies(), defined in registry.cpp), `cores.input.kind` the
// input encoder, `cores.adc.kind` the converter.
//
// As in chip/device_registry.h, registration is an explicit list (registry.cpp, one line per
// implementation) rather than static self-registration, which a static libaimc.a would drop.
// Unknown names throw aimc::Error listing the valid ones; duplicate names are an InternalError.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "chip/core_spec.h"
#include "device/i_adc.h"
#include "device/i_device_model.h"
#include "device/i_input_encoder.h"

namespace aimc::device {

// The model of the core's analog device technology (its registry entry's model; an Error for
// binary cells, which have none).
std::unique_ptr<IDeviceModel> make_device_model(const chip::CoreSpec& core);
// The core's input encoder at `bits` of input precision (≤ cores.input.bits).
std::unique_ptr<IInputEncoder> make_input_encoder(const chip::InputEncoderSpec& input, int64_t bits);
// The core's column converter.
std::unique_ptr<IAdc> make_adc(const chip::AdcSpec& adc, AdcPolarity polarity);

std::vector<std::string> input_encoder_names();
std::vector<std::string> adc_names();

// Per-column converter variation of one tile: gain 1 + gain_rel_std·N, offset offset_lsb_std·N,
// drawn from purpose adc_variation of stream `tile` (gain of column c: index c; offset: cols + c).
AdcColumns draw_adc_columns(const chip::AdcSpec& adc, int64_t cols, uint64_t seed, uint32_t tile);

}  // namespace aimc::device
