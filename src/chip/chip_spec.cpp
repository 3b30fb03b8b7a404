#include "chip/chip_spec.h"

#include "chip/area.h"
#include "chip/schema/schema.h"

namespace aimc::chip {

namespace {
void check_noc_shape(const ChipSpec& c, const Site& site) {
  if (c.noc.topology == NocTopology::Mesh && c.cores.arrangement.size() != 2) {
    site.child("cores").fail_key("arrangement",
                                 fmt::format("{} is not a 2-D grid; a mesh needs [rows, cols]", list_text(c.cores.arrangement)));
  }
  if (c.noc.topology == NocTopology::Tree) {
    int64_t leaves = 1;
    for (const NocLevelSpec& l : c.noc.levels) leaves *= l.fanout;
    if (leaves != c.cores.count) {
      site.child("noc").fail_key(
          "levels",
          fmt::format("the fan-outs multiply to {} cores; expected a product equal to cores.count {}", leaves, c.cores.count));
    }
  }
}
}  // namespace

const Schema<ChipSpec>& chip_schema() {
  static const Schema<ChipSpec> s =
      Schema<ChipSpec>("chip",
                       "The top level of a chip file. `base:` (a preset name or a file path) may precede it "
                       "to derive the chip from another one, overriding only the keys given.")
          .required("name", &ChipSpec::name, StringCodec{}, "the chip's name (also in a file derived with base:)")
          .defaulted("description", &ChipSpec::description, StringCodec{.non_empty = false}, std::string(),
                     "one line about the chip and its source")
          .optional("technology_nm", &ChipSpec::technology_nm, IntCodec{1, 1000}, "CMOS technology node (nm)")
          .required("clock_mhz", &ChipSpec::clock_mhz, RealCodec{0, 1e5, true}, "main digital clock (MHz)")
          .optional("area_mm2", &ChipSpec::area_mm2, RealCodec{0, 1e5, true},
                    "die area (mm²); absent: the cores' area (given, or summed from their parts) and the chip-level parts' "
                    "(`aimc chip show` lists them)")
          .optional("static_power_mw", &ChipSpec::static_power_mw, RealCodec{0, 1e7}, "static power of the chip (mW)")
          .required("cores", &ChipSpec::cores, StructCodec<CoreSpec>{&core_schema()}, "the cores")
          .defaulted("digital", &ChipSpec::digital, NamedMapCodec<DigitalUnitSpec>{&digital_unit_schema()}, {},
                     "chip-level digital units, by name")
          .required("noc", &ChipSpec::noc, StructCodec<NocSpec>{&noc_schema()}, "the network between cores")
          .defaulted("memories", &ChipSpec::memories, NamedMapCodec<MemorySpec>{&memory_schema()}, {},
                     "chip-level and off-chip memories, by name")
          .defaulted("host", &ChipSpec::host, StructCodec<HostSpec>{&host_schema()}, HostSpec{},
                     "the host beside the chip: throughput and energy of the ops placed there, and its link")
          .rule("a mesh needs a 2-D `cores.arrangement`; a tree's fan-outs multiply to `cores.count`", check_noc_shape)
          .rule("areas: a part is no larger than the total it belongs to; off-chip memories take no die area", validate_area);
  return s;
}

const MemorySpec* offchip_memory(const ChipSpec& chip) {
  for (const MemorySpec& m : chip.memories) {
    if (m.off_chip) return &m;
  }
  return nullptr;
}

void validate_chip(const ChipSpec& chip) { chip_schema().validate(chip, Site::detached()); }

}  // namespace aimc::chip
