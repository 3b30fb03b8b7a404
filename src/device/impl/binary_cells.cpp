// The binary-cell technologies: one bit per cell, their arithmetic the crossbar's
// (sim/functional/crossbar/), so they carry parameters and traits but no device model.
#include "chip/devices/charge_domain.h"
#include "chip/devices/sram_binary.h"
#include "device/impl/device_impls.h"

namespace aimc::device {

chip::DeviceTechnology sram_binary_technology() {
  return chip::make_device_technology("sram-binary", "binary SRAM cells, current domain", chip::sram_binary_schema(),
                                      {.cell = chip::CellKind::BinaryCurrent});
}

chip::DeviceTechnology charge_domain_technology() {
  return chip::make_device_technology("charge-domain", "binary SRAM cells with charge-domain accumulation",
                                      chip::charge_domain_schema(), {.cell = chip::CellKind::BinaryCharge});
}

}  // namespace aimc::device
