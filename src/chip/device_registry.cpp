#include "chip/device_registry.h"

#include <algorithm>

#include "chip/core_spec.h"
#include "chip/devices/charge_domain.h"
#include "chip/devices/sram_binary.h"

namespace aimc::chip {

void DeviceRegistry::add(DeviceTechnology technology) {
  AIMC_ASSERT(find(technology.name) == nullptr, "device technology '" + technology.name + "' registered twice");
  AIMC_ASSERT(technology.traits.cell != CellKind::AnalogPair || technology.model,
              "analog device technology '" + technology.name + "' has no device model");
  // Binary cells' arithmetic is the crossbar's, which reads these parameter structs.
  AIMC_ASSERT(technology.traits.cell != CellKind::BinaryCurrent || technology.make().type() == typeid(SramBinarySpec),
              "binary current-domain technology '" + technology.name + "' must take SramBinarySpec parameters");
  AIMC_ASSERT(technology.traits.cell != CellKind::BinaryCharge || technology.make().type() == typeid(ChargeDomainSpec),
              "charge-domain technology '" + technology.name + "' must take ChargeDomainSpec parameters");
  m_technologies.push_back(std::move(technology));
}

const DeviceTechnology& DeviceRegistry::get(std::string_view name) const {
  const DeviceTechnology* t = find(name);
  if (t == nullptr) {
    throw Error(fmt::format("unknown technology '{}'; expected one of: {}", name, join_names(names())),
                ErrorContext{.field = "cores.device.technology"});
  }
  return *t;
}

const DeviceTechnology& technology_of(const CoreSpec& core) { return device_technologies().get(core.device.technology); }

const DeviceTechnology* DeviceRegistry::find(std::string_view name) const {
  auto it = std::find_if(m_technologies.begin(), m_technologies.end(), [&](const DeviceTechnology& t) { return t.name == name; });
  return it == m_technologies.end() ? nullptr : &*it;
}

std::vector<std::string> DeviceRegistry::names() const {
  std::vector<std::string> n;
  for (const DeviceTechnology& t : m_technologies) n.push_back(t.name);
  return n;
}

namespace {
const DeviceTechnology& lookup(const DeviceRegistry& registry, const std::string& name, const Site& site) {
  const DeviceTechnology* t = registry.find(name);
  if (t == nullptr) {
    site.fail(fmt::format("unknown technology '{}'{}; expected one of: {}", name, did_you_mean(name, registry.names()),
                          join_names(registry.names())));
  }
  return *t;
}
}  // namespace

std::string DeviceCodec::expected() const { return "a map with `technology` and its parameters"; }

void DeviceCodec::read(DeviceSpec& out, const Site& site, bool over_base) const {
  const YAML::Node& node = site.node();
  if (!node.IsDefined() || !node.IsMap()) site.fail(fmt::format("got {}; expected {}", describe_node(node), expected()));
  Site tech_site = site.child("technology");
  std::string name = out.technology;
  if (tech_site.node().IsDefined()) {
    name = scalar_text(tech_site, "one of: " + join_names(registry->names()));
  } else if (!over_base) {
    tech_site.fail("missing required key; expected one of: " + join_names(registry->names()));
  }
  const DeviceTechnology& tech = lookup(*registry, name, tech_site);
  const bool merge = over_base && name == out.technology;
  if (!merge) out.params = tech.make();
  out.technology = name;
  tech.read(out.params, site, merge);
}

void DeviceCodec::validate(const DeviceSpec& v, const Site& site) const {
  lookup(*registry, v.technology, site.child("technology")).validate(v.params, site);
}

Json DeviceCodec::to_json(const DeviceSpec& v) const {
  Json j = Json::object();
  j["technology"] = v.technology;
  const DeviceTechnology* t = registry->find(v.technology);
  if (t != nullptr) j.update(t->to_json(v.params));
  return j;
}

const SchemaDoc* DeviceCodec::nested() const {
  static const SchemaDoc doc = [this] {
    SchemaDoc d{.name = "device",
                .help =
                    "The memory-cell technology. `technology` names it; the other keys are that technology's "
                    "parameters, listed under `cores.device (technology: NAME)` below."};
    d.fields.push_back(FieldDoc{.key = "technology",
                                .presence = Presence::Required,
                                .expected = "one of: " + join_names(registry->names()),
                                .help = "which parameter set follows"});
    return d;
  }();
  return &doc;
}

}  // namespace aimc::chip
