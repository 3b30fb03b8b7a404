#include "core/reductions.h"

#include <algorithm>
#include <cmath>

namespace aimc {

// 16 independent lanes so that the loops vectorise: a maximum of numbers is exact in any order, so
// these equal the serial loops (NaNs are skipped by both, as std::max skips them).
namespace {
constexpr int64_t kLanes = 16;
}  // namespace

__attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4"))) float max_abs(const float* x, int64_t n,
                                                                                            float init) {
  float lane[kLanes];
  std::fill_n(lane, kLanes, init);
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int64_t j = 0; j < kLanes; ++j) lane[j] = std::max(lane[j], std::fabs(x[i + j]));
  }
  for (; i < n; ++i) lane[0] = std::max(lane[0], std::fabs(x[i]));
  return *std::max_element(lane, lane + kLanes);
}

__attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4"))) void extend_hull(const float* x, int64_t n,
                                                                                               float& lo, float& hi) {
  float lane_lo[kLanes], lane_hi[kLanes];
  std::fill_n(lane_lo, kLanes, lo);
  std::fill_n(lane_hi, kLanes, hi);
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int64_t j = 0; j < kLanes; ++j) {
      lane_lo[j] = std::min(lane_lo[j], x[i + j]);
      lane_hi[j] = std::max(lane_hi[j], x[i + j]);
    }
  }
  for (; i < n; ++i) {
    lane_lo[0] = std::min(lane_lo[0], x[i]);
    lane_hi[0] = std::max(lane_hi[0], x[i]);
  }
  lo = *std::min_element(lane_lo, lane_lo + kLanes);
  hi = *std::max_element(lane_hi, lane_hi + kLanes);
}

int64_t first_non_finite(const float* x, int64_t n) {
  const float* bad = std::find_if(x, x + n, [](float e) { return !std::isfinite(e); });
  return bad == x + n ? -1 : bad - x;
}

}  // namespace aimc
