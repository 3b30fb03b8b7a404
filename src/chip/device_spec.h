// The memory-cell technology of a crossbar, chosen by name in the YAML (`cores.device.technology`)
// with that technology's own parameters (devices/*.h): pcm, rram, sram-binary, charge-domain, ideal.
#pragma once

#include <any>
#include <string>

#include "core/error.h"

namespace aimc::chip {

struct DeviceSpec {
  std::string technology;  // a name registered in DeviceRegistry ("pcm", ...)
  std::any params;         // that technology's parameter struct (PcmSpec, RramSpec, ...)

  template <class T>
  const T* get_if() const {
    return std::any_cast<T>(&params);
  }
  template <class T>
  const T& as() const {
    const T* p = get_if<T>();
    AIMC_ASSERT(p != nullptr, "device '" + technology + "' does not hold the requested parameter type");
    return *p;
  }
};

}  // namespace aimc::chip
