// The on-chip network model (src/noc): hop distances, the snake order, routes, and the one
// invariant that keeps placement and the performance simulator in agreement — hops() is the length
// of route() without the off-chip link, for every pair of endpoints.
#include <gtest/gtest.h>

#include <algorithm>

#include "chip/loader.h"
#include "noc/network.h"

namespace aimc::noc {
namespace {

using program::Endpoint;
using program::EndpointKind;

const chip::PresetLibrary& presets() {
  static const chip::PresetLibrary lib({std::string(AIMC_SOURCE_DIR) + "/presets"});
  return lib;
}
chip::ChipSpec preset(const std::string& name) { return chip::load_chip(name, presets()); }

TEST(Network, HopDistances) {
  const Network mesh(preset("hermes"));  // 8 x 8
  EXPECT_EQ(mesh.hops(0, 63), 14);
  EXPECT_EQ(mesh.hops(0, 8), 1);
  EXPECT_EQ(mesh.locality_order()[8], 15);  // the snake turns back on the second row
  const Network tree(preset("cluster-512"));
  EXPECT_EQ(tree.hops(0, 3), 2);
  EXPECT_EQ(tree.hops(0, 4), 4);
  EXPECT_EQ(tree.hops(0, 16), 6);
  EXPECT_EQ(tree.hops(0, 511), 8);
}

TEST(Network, TreeRoutes) {
  const Network noc(preset("cluster-512"));
  EXPECT_EQ(noc.route({EndpointKind::Core, 0}, {EndpointKind::Core, 1}).size(), 2u);
  EXPECT_EQ(noc.route({EndpointKind::Core, 0}, {EndpointKind::Core, 5}).size(), 4u);
  EXPECT_EQ(noc.route({EndpointKind::Core, 0}, {EndpointKind::Core, 511}).size(), 8u);
  // To the host: up every level, plus the off-chip memory link.
  EXPECT_EQ(noc.route({EndpointKind::Core, 7}, {EndpointKind::Host, 0}).size(), 5u);
}

// A route lists its links in the order the data crosses them (the simulator takes them hop by hop): from
// off chip the off-chip link comes first, to off chip last (until 2026-12-07 it came last both ways).
TEST(Network, RoutesCrossTheOffChipLinkInTheDataFlowsOrder) {
  for (const char* name : {"cluster-512", "verma-cimu", "hermes"}) {
    const Network noc(preset(name));
    const std::vector<int32_t> in = noc.route({EndpointKind::Host, 0}, {EndpointKind::Core, 5});
    const std::vector<int32_t> out = noc.route({EndpointKind::Core, 5}, {EndpointKind::Host, 0});
    ASSERT_GE(in.size(), 2u) << name;
    ASSERT_GE(out.size(), 2u) << name;
    const int32_t into_chip = noc.offchip_link() >= 0 ? noc.offchip_link() : noc.host_link_in();
    const int32_t off_chip = noc.offchip_link() >= 0 ? noc.offchip_link() : noc.host_link_out();
    EXPECT_EQ(in.front(), into_chip) << name;
    EXPECT_EQ(out.back(), off_chip) << name;
    EXPECT_EQ(std::count(in.begin(), in.end(), into_chip), 1) << name;
  }
}

// Every preset, and hermes with each other topology: for every ordered pair of endpoints (cores,
// chip-level units, the host), placement's distance is the simulator's route length.
TEST(Network, HopsAreRouteLengthsForEveryEndpointPair) {
  std::vector<chip::ChipSpec> chips;
  for (const auto& entry : presets().list()) chips.push_back(chip::load_chip(entry.name, presets()));
  for (chip::NocTopology t : {chip::NocTopology::Bus, chip::NocTopology::Crossbar}) {
    chip::ChipSpec c = preset("hermes");
    c.noc.topology = t;
    chips.push_back(c);
  }
  for (const chip::ChipSpec& c : chips) {
    const Network noc(c);
    std::vector<Endpoint> ends;
    for (int32_t i = 0; i < c.cores.count; ++i) ends.push_back({EndpointKind::Core, i});
    for (int32_t u = 0; u < static_cast<int32_t>(c.digital.size()); ++u) ends.push_back({EndpointKind::Unit, u});
    ends.push_back({EndpointKind::Host, 0});
    int64_t checked = 0;
    for (const Endpoint& a : ends) {
      for (const Endpoint& b : ends) {
        if (a.kind == EndpointKind::Core && b.kind == EndpointKind::Core && (a.index + b.index) % 7 != 0 && c.cores.count > 64) {
          continue;  // a 512-core chip: a seventh of the core pairs (every distance still occurs)
        }
        const std::vector<int32_t> path = noc.route(a, b);
        int64_t network = 0;
        for (int32_t l : path) {
          ASSERT_GE(l, 0);
          ASSERT_LT(l, static_cast<int32_t>(noc.links().size()));
          if (l != noc.offchip_link() && l != noc.host_link_in() && l != noc.host_link_out()) ++network;
        }
        ASSERT_EQ(noc.hops(a, b), network) << c.name << ": " << a.index << " -> " << b.index;
        if (a.kind == EndpointKind::Core && b.kind == EndpointKind::Core) {
          ASSERT_EQ(noc.hops(a.index, b.index), network);
        }
        ++checked;
      }
    }
    EXPECT_GT(checked, c.cores.count) << c.name;
  }
}

TEST(Network, LocalityOrderVisitsEveryCoreOnceAndStepsToNeighbours) {
  const Network mesh(preset("hermes"));
  std::vector<int32_t> order = mesh.locality_order();
  for (size_t i = 1; i < order.size(); ++i) EXPECT_EQ(mesh.hops(order[i - 1], order[i]), 1) << i;
  std::sort(order.begin(), order.end());
  for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(order[i], static_cast<int32_t>(i));
}

}  // namespace
}  // namespace aimc::noc
