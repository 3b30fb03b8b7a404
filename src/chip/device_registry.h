// Device technologies by name (STYLE P1): each technology contributes its name, help, parameter
// schema and parameter struct; the YAML `cores.device.technology` picks one.
//
// Registration is an explicit list (device_registry.cpp) rather than static self-registration:
// the CLI links libaimc.a, from which a linker drops object files that nothing references, and a
// self-registering technology would silently vanish. Adding a technology is one file in devices/
// plus one line in that list.
#pragma once

#include <any>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "chip/device_spec.h"
#include "chip/schema/schema.h"

namespace aimc::chip {

struct DeviceTechnology {
  std::string name;
  std::string help;
  const SchemaDoc* doc = nullptr;
  std::function<std::any()> make;  // a value-initialised parameter struct
  // Reads the device map (except its `technology` key) into params.
  std::function<void(std::any& params, const Site& site, bool over_base)> read;
  std::function<void(const std::any& params, const Site& site)> validate;
  std::function<Json(const std::any& params)> to_json;
};

// A DeviceTechnology whose parameters are the struct T described by `schema`.
template <class T>
DeviceTechnology make_device_technology(std::string name, std::string help, const Schema<T>& schema) {
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
                          .to_json = [s](const std::any& params) { return s->to_json(*std::any_cast<T>(&params)); }};
}

class DeviceRegistry {
 public:
  // The technologies aimc ships with.
  static const DeviceRegistry& builtin();

  // Throws InternalError when the name is taken.
  void add(DeviceTechnology technology);
  const DeviceTechnology* find(std::string_view name) const;
  std::vector<std::string> names() const;
  const std::vector<DeviceTechnology>& all() const { return m_technologies; }

 private:
  std::vector<DeviceTechnology> m_technologies;
};

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
