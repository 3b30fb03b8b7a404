#include "sim/functional/conv_vectors.h"

#include <algorithm>
#include <cstring>

namespace aimc::functional {

namespace {
// The kernel taps [lo, hi) whose input coordinate origin + k·dilation lies in [0, size).
void valid_taps(int64_t origin, int64_t taps, int64_t dilation, int64_t size, int64_t& lo, int64_t& hi) {
  lo = 0;
  while (lo < taps && origin + lo * dilation < 0) ++lo;
  hi = taps;
  while (hi > lo && origin + (hi - 1) * dilation >= size) --hi;
}

// The window of one output position: its origin and the taps inside the input.
struct Window {
  int64_t y0 = 0, x0 = 0, ky_lo = 0, ky_hi = 0, kx_lo = 0, kx_hi = 0;
  bool wide = false;  // kw = 3, dilation 1 along x, no padding tap, a fourth input column in the row
};

Window window_of(const ConvGeometry& g, int64_t p) {
  Window w;
  const int64_t oy = p / g.ow, ox = p % g.ow;
  w.y0 = oy * g.sh - g.ph;
  w.x0 = ox * g.sw - g.pw;
  valid_taps(w.y0, g.kh, g.dh, g.h, w.ky_lo, w.ky_hi);
  valid_taps(w.x0, g.kw, g.dw, g.w, w.kx_lo, w.kx_hi);
  w.wide = g.kw == 3 && g.dw == 1 && w.ky_lo == 0 && w.ky_hi == g.kh && w.kx_lo == 0 && w.kx_hi == 3 && w.x0 + 4 <= g.w;
  return w;
}

// Channel c's kh·kw taps of one window into dst (branch-free inner copies: the padding taps are
// known per window). Wide windows copy each tap row as 16 bytes; the fourth float lands on a slot
// written later (the next tap row, or channel c + 1's first), except after the vector's last tap
// row, which is copied narrow.
void channel_taps(const ConvGeometry& g, const Window& w, const float* plane, bool last_channel, float* dst) {
  if (w.wide) {
    const float* base = plane + w.y0 * g.w + w.x0;
    for (int64_t ky = 0; ky < g.kh; ++ky, dst += 3) {
      const float* line = base + ky * g.dh * g.w;
      std::memcpy(dst, line, (last_channel && ky + 1 == g.kh ? 3 : 4) * sizeof(float));
    }
    return;
  }
  for (int64_t ky = 0; ky < g.kh; ++ky, dst += g.kw) {
    if (ky < w.ky_lo || ky >= w.ky_hi) {
      for (int64_t kx = 0; kx < g.kw; ++kx) dst[kx] = 0.0f;
      continue;
    }
    const float* line = plane + (w.y0 + ky * g.dh) * g.w;
    for (int64_t kx = 0; kx < w.kx_lo; ++kx) dst[kx] = 0.0f;
    for (int64_t kx = w.kx_lo; kx < w.kx_hi; ++kx) dst[kx] = line[w.x0 + kx * g.dw];
    for (int64_t kx = w.kx_hi; kx < g.kw; ++kx) dst[kx] = 0.0f;
  }
}
}  // namespace

void im2col_vector(const ConvGeometry& g, const float* x, int64_t p, float* row) {
  im2col_vectors(g, x, p, 1, 1, row, g.c * g.kh * g.kw);
}

// Blocks of kBlock windows, channel-major inside a block: the block's rows stay in L1 while every
// channel plane is read (the planes are 4 KB apart for 32 × 32 inputs: the same L1 sets).
void im2col_vectors(const ConvGeometry& g, const float* x, int64_t p0, int64_t step, int64_t n, float* out, int64_t ld) {
  constexpr int64_t kBlock = 16;
  const int64_t taps = g.kh * g.kw;
  Window windows[kBlock];
  for (int64_t i0 = 0; i0 < n; i0 += kBlock) {
    const int64_t m = std::min(kBlock, n - i0);
    for (int64_t i = 0; i < m; ++i) windows[i] = window_of(g, p0 + (i0 + i) * step);
    for (int64_t c = 0; c < g.c; ++c) {
      const float* plane = x + c * g.h * g.w;
      for (int64_t i = 0; i < m; ++i) channel_taps(g, windows[i], plane, c + 1 == g.c, out + (i0 + i) * ld + c * taps);
    }
  }
}

// In 16 × 16 blocks: a block's 16 source lines stay in L1 while its 16 destination runs are
// written (column by column over the whole item, a 256 × 512 item re-read its 512 KB from L2 for
// every column: 2.7 GB/s, against 78 GB/s for a plain copy of the same bytes).
__attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4"))) void vectors_to_planes(const float* y, int64_t n,
                                                                                                     int64_t cols, float* out,
                                                                                                     int64_t plane,
                                                                                                     int64_t step) {
  constexpr int64_t kBlock = 16;
  for (int64_t c0 = 0; c0 < cols; c0 += kBlock) {
    const int64_t nc = std::min(kBlock, cols - c0);
    for (int64_t i0 = 0; i0 < n; i0 += kBlock) {
      const int64_t ni = std::min(kBlock, n - i0);
      const float* __restrict src = y + i0 * cols + c0;
      if (nc == kBlock && ni == kBlock && step == 1) {
        float block[kBlock][kBlock];
        for (int64_t i = 0; i < kBlock; ++i) {
          for (int64_t c = 0; c < kBlock; ++c) block[c][i] = src[i * cols + c];
        }
        for (int64_t c = 0; c < kBlock; ++c) std::memcpy(out + (c0 + c) * plane + i0, block[c], sizeof(block[c]));
        continue;
      }
      for (int64_t c = 0; c < nc; ++c) {
        float* __restrict dst = out + (c0 + c) * plane + i0 * step;
        for (int64_t i = 0; i < ni; ++i) dst[i * step] = src[i * cols + c];
      }
    }
  }
}

}  // namespace aimc::functional
