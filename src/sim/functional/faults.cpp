#include "sim/functional/faults.h"

#include "core/rng.h"

namespace aimc::functional {

bool any_stuck(const chip::FaultSpec& faults) { return faults.stuck_on_fraction > 0 || faults.stuck_off_fraction > 0; }

std::vector<uint8_t> draw_stuck(const chip::FaultSpec& faults, int64_t count, uint64_t seed, uint32_t tile) {
  std::vector<uint8_t> out(static_cast<size_t>(count), kNotStuck);
  if (!any_stuck(faults)) return out;
  std::vector<float> u(static_cast<size_t>(count));
  Rng(seed, tile, RngPurpose::faults).fill_uniform(0, u);
  const double off = faults.stuck_off_fraction, on = off + faults.stuck_on_fraction;
  for (size_t i = 0; i < u.size(); ++i) out[i] = u[i] < off ? kStuckOff : (u[i] < on ? kStuckOn : kNotStuck);
  return out;
}

std::vector<uint8_t> draw_dead_columns(const chip::FaultSpec& faults, int64_t cols, uint64_t seed, uint32_t tile) {
  std::vector<uint8_t> out(static_cast<size_t>(cols), 0);
  if (faults.dead_column_fraction <= 0) return out;
  std::vector<float> u(static_cast<size_t>(cols));
  Rng(seed, tile, RngPurpose::faults).fill_uniform(uint64_t{1} << 62, u);
  for (size_t c = 0; c < u.size(); ++c) out[c] = u[c] < faults.dead_column_fraction ? 1 : 0;
  return out;
}

}  // namespace aimc::functional
