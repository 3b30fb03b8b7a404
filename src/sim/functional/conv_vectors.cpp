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

// A window without padding taps, kw = KW and dilation 1 along x: fixed-size copies.
template <int64_t KW>
void interior(const ConvGeometry& g, const float* x, int64_t y0, int64_t x0, float* row) {
  for (int64_t c = 0; c < g.c; ++c) {
    const float* plane = x + c * g.h * g.w + x0;
    for (int64_t ky = 0; ky < g.kh; ++ky, row += KW) {
      const float* line = plane + (y0 + ky * g.dh) * g.w;
      for (int64_t kx = 0; kx < KW; ++kx) row[kx] = line[kx];
    }
  }
}

// kw = 3 with a fourth input column inside the row (x0 + 4 ≤ w): each tap row is one 16-byte copy
// whose fourth float lands on the next tap row's first slot, which the next copy overwrites; the
// last tap row is copied narrow, so nothing is written past the vector.
void interior3_wide(const ConvGeometry& g, const float* x, int64_t y0, int64_t x0, float* row) {
  float* const last = row + 3 * (g.c * g.kh - 1);
  for (int64_t c = 0; c < g.c; ++c) {
    const float* plane = x + c * g.h * g.w + y0 * g.w + x0;
    for (int64_t ky = 0; ky < g.kh; ++ky, row += 3) {
      const float* line = plane + ky * g.dh * g.w;
      if (row != last) {
        std::memcpy(row, line, 4 * sizeof(float));
      } else {
        std::memcpy(row, line, 3 * sizeof(float));
      }
    }
  }
}
}  // namespace

void im2col_vector(const ConvGeometry& g, const float* x, int64_t p, float* row) {
  const int64_t oy = p / g.ow, ox = p % g.ow;
  const int64_t y0 = oy * g.sh - g.ph, x0 = ox * g.sw - g.pw;
  int64_t ky_lo = 0, ky_hi = 0, kx_lo = 0, kx_hi = 0;
  valid_taps(y0, g.kh, g.dh, g.h, ky_lo, ky_hi);
  valid_taps(x0, g.kw, g.dw, g.w, kx_lo, kx_hi);
  if (ky_lo == 0 && ky_hi == g.kh && kx_lo == 0 && kx_hi == g.kw && g.dw == 1) {
    if (g.kw == 3 && x0 + 4 <= g.w) return interior3_wide(g, x, y0, x0, row);
    if (g.kw == 3) return interior<3>(g, x, y0, x0, row);
    if (g.kw == 1) return interior<1>(g, x, y0, x0, row);
  }
  // Branch-free inner copies: the padding taps are known per position, not tested per element.
  for (int64_t c = 0; c < g.c; ++c) {
    const float* plane = x + c * g.h * g.w;
    for (int64_t ky = 0; ky < g.kh; ++ky) {
      float* dst = row + (c * g.kh + ky) * g.kw;
      if (ky < ky_lo || ky >= ky_hi) {
        for (int64_t kx = 0; kx < g.kw; ++kx) dst[kx] = 0.0f;
        continue;
      }
      const float* line = plane + (y0 + ky * g.dh) * g.w;
      for (int64_t kx = 0; kx < kx_lo; ++kx) dst[kx] = 0.0f;
      for (int64_t kx = kx_lo; kx < kx_hi; ++kx) dst[kx] = line[x0 + kx * g.dw];
      for (int64_t kx = kx_hi; kx < g.kw; ++kx) dst[kx] = 0.0f;
    }
  }
}

__attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4"))) void vectors_to_planes(
    const float* y, int64_t n, int64_t cols, float* out, int64_t plane, int64_t step) {
  for (int64_t c = 0; c < cols; ++c) {
    const float* __restrict src = y + c;
    float* __restrict dst = out + c * plane;
    if (step == 1) {
      for (int64_t i = 0; i < n; ++i) dst[i] = src[i * cols];
    } else {
      for (int64_t i = 0; i < n; ++i) dst[i * step] = src[i * cols];
    }
  }
}

}  // namespace aimc::functional
