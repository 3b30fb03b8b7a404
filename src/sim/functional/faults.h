// Faults of one tile (cores.faults), drawn from purpose `faults` of the tile's stream so they are
// the same for every run with the same seed.
#pragma once

#include <cstdint>
#include <vector>

#include "chip/fault_spec.h"

namespace aimc::functional {

enum Stuck : uint8_t { kNotStuck = 0, kStuckOff = 1, kStuckOn = 2 };

// Whether any device can be stuck (a stuck fraction above 0); draw_stuck gives all kNotStuck otherwise.
bool any_stuck(const chip::FaultSpec& faults);
// Per device (or bit cell) i: kStuckOff when u_i < stuck_off_fraction, kStuckOn when
// u_i < stuck_off + stuck_on, else kNotStuck (u_i uniform number i).
std::vector<uint8_t> draw_stuck(const chip::FaultSpec& faults, int64_t count, uint64_t seed, uint32_t tile);
// Per column: 1 when dead (uniform numbers from index 2^62 on).
std::vector<uint8_t> draw_dead_columns(const chip::FaultSpec& faults, int64_t cols, uint64_t seed, uint32_t tile);

}  // namespace aimc::functional
