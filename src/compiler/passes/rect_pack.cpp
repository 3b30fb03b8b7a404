#include "compiler/passes/rect_pack.h"

#include <algorithm>
#include <numeric>
#include <tuple>

namespace aimc::compiler {

namespace {

struct Rect {
  int64_t r = 0, c = 0, h = 0, w = 0;
};

bool contains(const Rect& a, const Rect& b) {
  return b.r >= a.r && b.c >= a.c && b.r + b.h <= a.r + a.h && b.c + b.w <= a.c + a.w;
}

bool intersects(const Rect& a, const Rect& b) { return a.c < b.c + b.w && b.c < a.c + a.w && a.r < b.r + b.h && b.r < a.r + a.h; }

// The maximal free rectangles of one bin (they may overlap each other).
struct FreeSpace {
  std::vector<Rect> free;

  // Takes `used` out of the free space: every free rectangle it cuts is replaced by its up to four
  // maximal pieces beside `used`; then rectangles inside another one are dropped.
  void take(const Rect& used) {
    std::vector<Rect> next;
    for (const Rect& f : free) {
      if (!intersects(f, used)) {
        next.push_back(f);
        continue;
      }
      if (used.c > f.c) next.push_back({f.r, f.c, f.h, used.c - f.c});
      if (used.c + used.w < f.c + f.w) next.push_back({f.r, used.c + used.w, f.h, f.c + f.w - used.c - used.w});
      if (used.r > f.r) next.push_back({f.r, f.c, used.r - f.r, f.w});
      if (used.r + used.h < f.r + f.h) next.push_back({used.r + used.h, f.c, f.r + f.h - used.r - used.h, f.w});
    }
    free.clear();
    for (size_t i = 0; i < next.size(); ++i) {
      bool inside = false;
      for (size_t j = 0; j < next.size() && !inside; ++j) {
        // Of two equal rectangles the first stays.
        inside = j != i && contains(next[j], next[i]) && (!contains(next[i], next[j]) || j < i);
      }
      if (!inside) free.push_back(next[i]);
    }
  }
};

std::vector<RectSpot> pack_in_order(const std::vector<RectSize>& sizes, const std::vector<size_t>& order, int64_t R, int64_t C,
                                    int32_t& bins_used) {
  std::vector<RectSpot> spots(sizes.size());
  std::vector<FreeSpace> bins;
  std::vector<int32_t> open;  // bins with free space left, in opening order
  for (size_t idx : order) {
    const int64_t h = sizes[idx].rows, w = sizes[idx].cols;
    // Best area fit: the free rectangle leaving the least area, then the least short side.
    std::tuple<int64_t, int64_t> best{-1, -1};
    int32_t best_bin = -1;
    size_t best_free = 0;
    for (int32_t b : open) {
      const auto& fr = bins[static_cast<size_t>(b)].free;
      for (size_t f = 0; f < fr.size(); ++f) {
        if (fr[f].h < h || fr[f].w < w) continue;
        const std::tuple<int64_t, int64_t> score{fr[f].h * fr[f].w - h * w, std::min(fr[f].h - h, fr[f].w - w)};
        if (best_bin < 0 || score < best) {
          best = score;
          best_bin = b;
          best_free = f;
        }
      }
    }
    if (best_bin < 0) {
      best_bin = static_cast<int32_t>(bins.size());
      bins.push_back(FreeSpace{{Rect{0, 0, R, C}}});
      open.push_back(best_bin);
      best_free = 0;
    }
    FreeSpace& bin = bins[static_cast<size_t>(best_bin)];
    const Rect used{bin.free[best_free].r, bin.free[best_free].c, h, w};
    bin.take(used);
    spots[idx] = RectSpot{best_bin, used.r, used.c};
    if (bin.free.empty()) open.erase(std::find(open.begin(), open.end(), best_bin));
  }
  bins_used = static_cast<int32_t>(bins.size());
  return spots;
}

}  // namespace

std::vector<RectSpot> pack_rects(const std::vector<RectSize>& sizes, int64_t R, int64_t C) {
  using Key = std::tuple<int64_t, int64_t>;
  const std::vector<Key (*)(const RectSize&)> keys = {
      [](const RectSize& s) {
        return Key{s.rows, s.cols};
      },  // height, then width
      [](const RectSize& s) {
        return Key{s.rows * s.cols, s.rows};
      },  // area, then height
      [](const RectSize& s) {
        return Key{s.cols, s.rows};
      },  // width, then height
  };
  std::vector<RectSpot> best;
  int32_t best_bins = -1;
  for (auto key : keys) {
    std::vector<size_t> order(sizes.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return key(sizes[a]) > key(sizes[b]); });
    int32_t bins = 0;
    std::vector<RectSpot> spots = pack_in_order(sizes, order, R, C, bins);
    if (best_bins < 0 || bins < best_bins) {
      best_bins = bins;
      best = std::move(spots);
    }
  }
  return best;
}

}  // namespace aimc::compiler
