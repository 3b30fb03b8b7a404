// Device technologies as registered kinds (STYLE P1, ARCHITECTURE "a kind is a registry entry with
// traits"): each technology contributes its name, help, parameter schema and struct, its traits and
// — for analog cells — its physics (a device::IDeviceModel). The YAML `cores.device.technology`
// picks one; code asks the entry's traits what the cells do and never compares the name.
//
// The table is declared here and filled in device/registry.cpp, where each technology's physics
// lives: the chip module describes what a technology is, the device module supplies them (the
// YAML loader reaches the table only through device_technologies(), a link-time edge, no include).
// Registration is an explicit list rather than static self-registration: the CLI links libaimc.a,
// from which a linker drops object files nothing references, and a self-registering technology
// would silently vanish. Adding a technology is one file (parameters, schema, traits, model) plus
// one line in that list — or, from a program or test, one device_technologies().add(...) call
// before the first chip is loaded (tests/device/test_toy_technology.cpp).
#pragma once

#include <any>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "chip/device_spec.h"
#include "chip/schema/schema.h"

namespace aimc::device {
class IDeviceModel;
}

namespace aimc::chip {

struct CoreSpec;

// How a technology's cells hold a weight and compute, which decides the crossbar arithmetic and the
// digital path around it.
enum class CellKind {
  // Analog conductances in differential pairs (w ∝ G+ − G−), read in the current domain: signed
  // weights, programming error, drift and read noise from the technology's IDeviceModel; ADC codes
  // summed digitally in fixed point.
  AnalogPair,
  // One bit per cell on a current-domain bit line (binary or bit-sliced weights); bit-true on input
  // codes, with the technology's own current mismatch.
  BinaryCurrent,
  // One bit per cell, products accumulated as charge on capacitors (binary or bit-sliced weights):
  // bit-true on input codes, unsigned converter levels.
  BinaryCharge,
};

struct DeviceTraits {
  CellKind cell = CellKind::AnalogPair;

  // Binary cells compute on exact input codes (bit-true, converters required).
  bool bit_true() const { return cell != CellKind::AnalogPair; }
  // Differential pairs store signed weights directly; binary cells need `weights.scheme` binary or
  // bit-sliced (two's complement over columns).
  bool differential() const { return cell == CellKind::AnalogPair; }
};

using DeviceModelFactory = std::function<std::unique_ptr<device::IDeviceModel>(const CoreSpec& core)>;

struct DeviceTechnology {
  std::string name;
  std::string help;
  const SchemaDoc* doc = nullptr;
  std::function<std::any()> make;  // a value-initialised parameter struct
  // Reads the device map (except its `technology` key) into params.
  std::function<void(std::any& params, const Site& site, bool over_base)> read;
  std::function<void(const std::any& params, const Site& site)> validate;
  std::function<Json(const std::any& params)> to_json;
  DeviceTraits traits;
  // Checks that need the rest of the core (e.g. a fitted model's valid weight encodings); optional.
  std::function<void(const std::any& params, const CoreSpec& core, const Site& core_site)> check_core;
  // The physics of one device; required for AnalogPair cells, absent for binary cells (whose
  // arithmetic is the crossbar's).
  DeviceModelFactory model;
};

// A DeviceTechnology whose parameters are the struct T described by `schema`.
template <class T>
DeviceTechnology make_device_technology(std::string name, std::string help, const Schema<T>& schema, DeviceTraits traits) {
  const Schema<T>* s = &schema;
  return DeviceTechnology{.name = std::move(name),
                          .help = std::move(help),
                          .doc = &schema.doc(),
                          .make = [] { return std::any(T{}); },
                          .read = [s](std::any& params, const Site& site,
                                      bool over_base) { s->read(*std::any_cast<T>(&params), site, over_base, {"technology"}); },
                          .validate =
                              [s](const std::any& params, const Site& site) {
                                const T* p = std::any_cast<T>(&params);
                                if (p == nullptr) site.fail("device parameters do not match the technology");
                                s->validate(*p, site);
                              },
                          .to_json = [s](const std::any& params) { return s->to_json(*std::any_cast<T>(&params)); },
                          .traits = traits};
}

class DeviceRegistry {
 public:
  // Throws InternalError when the name is taken, or when an AnalogPair technology has no model.
  void add(DeviceTechnology technology);
  const DeviceTechnology* find(std::string_view name) const;
  // The technology named `name`; throws Error (field cores.device.technology) listing the known ones.
  const DeviceTechnology& get(std::string_view name) const;
  std::vector<std::string> names() const;
  const std::vector<DeviceTechnology>& all() const { return m_technologies; }

 private:
  std::vector<DeviceTechnology> m_technologies;
};

// The technologies of this process: aimc's own (defined in device/registry.cpp) plus any a program
// added. Add before loading chips; the table is not locked against concurrent additions.
DeviceRegistry& device_technologies();
// The entry of a core's technology (a loaded chip's technology is always registered).
const DeviceTechnology& technology_of(const CoreSpec& core);

// The codec of `cores.device`: `technology` plus that technology's keys. Over a base with the same
// technology the parameters merge; a different technology starts from nothing.
struct DeviceCodec {
  using value_type = DeviceSpec;
  const DeviceRegistry* registry = nullptr;

  std::string expected() const;
  void read(DeviceSpec& out, const Site& site, bool over_base) const;
  void validate(const DeviceSpec& v, const Site& site) const;
  Json to_json(const DeviceSpec& v) const;
  const SchemaDoc* nested() const;
  std::string nested_suffix() const { return ""; }
};

}  // namespace aimc::chip
