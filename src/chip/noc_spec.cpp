#include "chip/noc_spec.h"

#include "chip/schema/schema.h"

namespace aimc::chip {

namespace {
const EnumCodec<NocTopology>& topology_codec() {
  static const EnumCodec<NocTopology> c{
      {{"mesh", NocTopology::Mesh}, {"tree", NocTopology::Tree}, {"bus", NocTopology::Bus}, {"crossbar", NocTopology::Crossbar}}};
  return c;
}

const Schema<NocLevelSpec>& level_schema() {
  static const Schema<NocLevelSpec> s =
      Schema<NocLevelSpec>("noc.levels[]", "One level of a tree network, from the cores upwards.")
          .required("fanout", &NocLevelSpec::fanout, IntCodec{1, 1000000}, "children per router at this level")
          .required("link_bytes_per_cycle", &NocLevelSpec::link_bytes_per_cycle, RealCodec{0, 1e6, true},
                    "bandwidth of one link (bytes per chip clock cycle)")
          .required("hop_latency_cycles", &NocLevelSpec::hop_latency_cycles, IntCodec{0, 1000000},
                    "latency of one router traversal (cycles)")
          .optional("e_bit_hop_pj", &NocLevelSpec::e_bit_hop_pj, RealCodec{0, 1e6}, "energy per bit per hop (pJ)");
  return s;
}
}  // namespace

std::string to_string(NocTopology topology) { return topology_codec().name_of(topology); }

const Schema<NocSpec>& noc_schema() {
  static const Schema<NocSpec> s =
      Schema<NocSpec>("noc", "The on-chip network between cores.")
          .required("topology", &NocSpec::topology, topology_codec(), "`mesh`, `tree`, `bus` or `crossbar`")
          .optional("link_bytes_per_cycle", &NocSpec::link_bytes_per_cycle, RealCodec{0, 1e6, true},
                    "mesh/bus/crossbar: bandwidth of one link (bytes per chip clock cycle)")
          .optional("hop_latency_cycles", &NocSpec::hop_latency_cycles, IntCodec{0, 1000000},
                    "mesh/bus/crossbar: latency of one hop (cycles)")
          .defaulted("multicast", &NocSpec::multicast, BoolCodec{}, false,
                     "the routers copy a transfer to several destinations where their routes part (a value needed by "
                     "several cores crosses each link once); false: one copy per destination")
          .optional("area_mm2", &NocSpec::area_mm2, RealCodec{0, 1e5, true}, "area of the whole network, routers and links (mm²)")
          .optional("e_bit_hop_pj", &NocSpec::e_bit_hop_pj, RealCodec{0, 1e6}, "mesh/bus/crossbar: energy per bit per hop (pJ)")
          .defaulted("levels", &NocSpec::levels, ListCodec<StructCodec<NocLevelSpec>>{.element = {&level_schema()}}, {},
                     "tree only: the levels from the cores upwards")
          .rule(
              "a tree has `levels` and no link keys; other topologies have `link_bytes_per_cycle` and "
              "`hop_latency_cycles` and no `levels`",
              [](const NocSpec& n, const Site& site) {
                if (n.topology == NocTopology::Tree) {
                  if (n.levels.empty()) site.fail_key("levels", "missing; a tree needs at least one level");
                  const auto not_for_tree = [&](const char* key) {
                    site.fail_key(key, "not used by a tree; give it per level under `levels`");
                  };
                  if (n.link_bytes_per_cycle) not_for_tree("link_bytes_per_cycle");
                  if (n.hop_latency_cycles) not_for_tree("hop_latency_cycles");
                  if (n.e_bit_hop_pj) not_for_tree("e_bit_hop_pj");
                } else {
                  if (!n.link_bytes_per_cycle) {
                    site.fail_key("link_bytes_per_cycle",
                                  "missing; expected a number in (0, 1e+06] for topology " + to_string(n.topology));
                  }
                  if (!n.hop_latency_cycles) {
                    site.fail_key("hop_latency_cycles",
                                  "missing; expected an integer in 0..1000000 for topology " + to_string(n.topology));
                  }
                  if (!n.levels.empty()) site.fail_key("levels", "only for topology tree");
                }
              });
  return s;
}

}  // namespace aimc::chip
