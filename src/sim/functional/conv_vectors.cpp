#include "sim/functional/conv_vectors.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/intrinsics.h"

namespace aimc::functional {

namespace {
// Where im2col reads one sample's channels: channel c's row r at base + c·plane + r·stride; output
// position (oy, ox)'s window starts at row oy·sh − row0, column ox·sw.
template <class T>
struct Source {
  const T* base = nullptr;
  int64_t plane = 0, stride = 0, row0 = 0;
};

// Where the rows the windows of output rows [oy0, oy1] read lie once copied with the zero padding
// made explicit (padded column j holds input column j − pw), so no window needs a bounds check;
// each row is one element wider than the widest window (the 3 × 3 tap copies read a fourth element).
struct PaddedRows {
  int64_t y_lo = 0, rows = 0, stride = 0;
  int64_t elements(const ConvGeometry& g) const { return g.c * rows * stride; }
};
PaddedRows padded_rows_of(const ConvGeometry& g, int64_t oy0, int64_t oy1) {
  const int64_t y_lo = oy0 * g.sh - g.ph, y_hi = oy1 * g.sh - g.ph + (g.kh - 1) * g.dh + 1;
  const int64_t stride = std::max(g.pw + g.w, (g.ow - 1) * g.sw + (g.kw - 1) * g.dw + 1) + 1;
  return PaddedRows{y_lo, y_hi - y_lo, stride};
}

template <class T>
Source<T> copy_padded_rows(const ConvGeometry& g, const T* x, const PaddedRows& pr, T* buf) {
  for (int64_t c = 0; c < g.c; ++c) {
    for (int64_t r = 0; r < pr.rows; ++r) {
      T* dst = buf + (c * pr.rows + r) * pr.stride;
      const int64_t iy = pr.y_lo + r;
      if (iy < 0 || iy >= g.h) {
        std::fill_n(dst, pr.stride, T{0});
        continue;
      }
      std::fill_n(dst, g.pw, T{0});
      std::memcpy(dst + g.pw, x + (c * g.h + iy) * g.w, static_cast<size_t>(g.w) * sizeof(T));
      std::fill_n(dst + g.pw + g.w, pr.stride - g.pw - g.w, T{0});
    }
  }
  return Source<T>{buf, pr.rows * pr.stride, pr.stride, pr.y_lo + g.ph};
}

// One channel's 3 × 3 taps of m windows (their offsets in the channel's padded rows) into their
// vectors' rows ld apart: three copies of 4 elements (16 bytes of floats, 4 of 8-bit codes), the last
// of kLast (3 for the vector's last channel).
template <class T, size_t kLast>
[[gnu::always_inline]] inline void taps_3x3(const T* plane, const int64_t* offset, int64_t m, int64_t row_step, T* dst0,
                                            int64_t ld) {
  for (int64_t i = 0; i < m; ++i) {
    const T* src = plane + offset[i];
    T* dst = dst0 + i * ld;
    std::memcpy(dst, src, 4 * sizeof(T));
    std::memcpy(dst + 3, src + row_step, 4 * sizeof(T));
    std::memcpy(dst + 6, src + 2 * row_step, kLast * sizeof(T));
  }
}

// Where one channel's taps go: window i's at base + i·ld, or — a channel that segment boundaries cut
// (`cut`) — each tap at its own segment's place.
template <class T>
struct ChannelDest {
  T* base = nullptr;
  int64_t ld = 0;
  bool narrow = false;  // its last tap row ends its segment's row: copied narrow (no fourth element)
  bool cut = false;
  size_t segment = 0;  // the segment of its first tap
};

template <class T>
std::vector<ChannelDest<T>> channel_dests(const ConvGeometry& g, const RowSegmentsOf<T>& out) {
  const int64_t taps = g.kh * g.kw;
  std::vector<ChannelDest<T>> d(static_cast<size_t>(g.c));
  size_t s = 0;
  for (int64_t c = 0; c < g.c; ++c) {
    const int64_t r0 = c * taps, r1 = r0 + taps;
    while (out.begin[s + 1] <= r0) ++s;
    d[static_cast<size_t>(c)] = ChannelDest<T>{.base = out.base[s] + (r0 - out.begin[s]),
                                               .ld = out.ld[s],
                                               .narrow = r1 == out.begin[s + 1],
                                               .cut = r1 > out.begin[s + 1],
                                               .segment = s};
  }
  return d;
}

// Blocks of kBlock windows, channel-major inside a block: the block's rows stay in L1 while every
// channel is read. k3x3 (3 × 3 taps, dw = 1, padded rows): each tap row is copied as 16 bytes, the
// fourth element landing on a slot written later (the next tap row, or channel c + 1's first), except
// a segment's last tap row (the vector's last, with one segment), copied narrow; a channel cut by a
// segment boundary is copied tap by tap.
template <class T, bool k3x3>
void copy_windows(const ConvGeometry& g, const Source<T>& s, int64_t p0, int64_t step, int64_t n, const RowSegmentsOf<T>& out,
                  const std::vector<ChannelDest<T>>& dest) {
  constexpr int64_t kBlock = 16;
  const int64_t taps = g.kh * g.kw, row_step = g.dh * s.stride;
  int64_t offset[kBlock];
  for (int64_t i0 = 0; i0 < n; i0 += kBlock) {
    const int64_t m = std::min(kBlock, n - i0);
    for (int64_t i = 0; i < m; ++i) {
      const int64_t p = p0 + (i0 + i) * step, oy = p / g.ow, ox = p % g.ow;
      offset[i] = (oy * g.sh - s.row0) * s.stride + ox * g.sw;
    }
    for (int64_t c = 0; c < g.c; ++c) {
      const T* plane = s.base + c * s.plane;
      const ChannelDest<T>& d = dest[static_cast<size_t>(c)];
      if (!d.cut) {
        T* dst0 = d.base + i0 * d.ld;
        if constexpr (k3x3) {
          if (!d.narrow) {
            taps_3x3<T, 4>(plane, offset, m, row_step, dst0, d.ld);
          } else {
            taps_3x3<T, 3>(plane, offset, m, row_step, dst0, d.ld);
          }
        } else {
          for (int64_t i = 0; i < m; ++i) {
            const T* src = plane + offset[i];
            T* dst = dst0 + i * d.ld;
            for (int64_t ky = 0; ky < g.kh; ++ky) {
              for (int64_t kx = 0; kx < g.kw; ++kx) dst[ky * g.kw + kx] = src[ky * row_step + kx * g.dw];
            }
          }
        }
        continue;
      }
      // Cut by segment boundaries: tap by tap, each into its segment.
      for (int64_t t = 0, seg = static_cast<int64_t>(d.segment); t < taps; ++t) {
        const int64_t r = c * taps + t;
        while (out.begin[static_cast<size_t>(seg) + 1] <= r) ++seg;
        T* base = out.base[static_cast<size_t>(seg)] + (r - out.begin[static_cast<size_t>(seg)]);
        const int64_t ld = out.ld[static_cast<size_t>(seg)];
        const int64_t tap_offset = (t / g.kw) * row_step + (t % g.kw) * g.dw;
        for (int64_t i = 0; i < m; ++i) base[(i0 + i) * ld] = plane[offset[i] + tap_offset];
      }
    }
  }
}
}  // namespace

void im2col_vector(const ConvGeometry& g, const float* x, int64_t p, float* row) {
  im2col_vectors(g, x, p, 1, 1, row, g.c * g.kh * g.kw);
}

bool im2col_reads_padding(const ConvGeometry& g) {
  return !(g.ph == 0 && g.pw == 0 && (g.oh - 1) * g.sh + (g.kh - 1) * g.dh < g.h && (g.ow - 1) * g.sw + (g.kw - 1) * g.dw < g.w);
}

namespace {
// `padded`: s holds padded rows (each an element wider than the widest window), which the 3 × 3 copies need.
template <class T>
void copy_windows_from(const ConvGeometry& g, const Source<T>& s, bool padded, int64_t p0, int64_t step, int64_t n,
                       const RowSegmentsOf<T>& out) {
  const std::vector<ChannelDest<T>> dest = channel_dests(g, out);
  if (padded && g.kh == 3 && g.kw == 3 && g.dw == 1) {
    copy_windows<T, true>(g, s, p0, step, n, out, dest);
  } else {
    copy_windows<T, false>(g, s, p0, step, n, out, dest);
  }
}
RowSegments one_segment(const ConvGeometry& g, float* out, int64_t ld) {
  return RowSegments{{0, g.c * g.kh * g.kw}, {out}, {ld}};
}

// When every window lies inside the input it is read in place; otherwise the rows the run's windows
// read are first copied with their zeros (per run: about 1/9 of a 3 × 3 im2col's writes), so the
// copies have no bounds checks.
template <class T>
void gather_windows(const ConvGeometry& g, const T* x, int64_t p0, int64_t step, int64_t n, const RowSegmentsOf<T>& out) {
  if (n <= 0) return;
  if (!im2col_reads_padding(g)) {
    copy_windows_from(g, Source<T>{x, g.h * g.w, g.w, 0}, false, p0, step, n, out);
    return;
  }
  thread_local std::vector<T> buf;
  const PaddedRows pr = padded_rows_of(g, p0 / g.ow, (p0 + (n - 1) * step) / g.ow);
  if (buf.size() < static_cast<size_t>(pr.elements(g))) buf.resize(static_cast<size_t>(pr.elements(g)));
  copy_windows_from(g, copy_padded_rows(g, x, pr, buf.data()), true, p0, step, n, out);
}

template <class T>
void gather_padded_windows(const ConvGeometry& g, const T* padded, int64_t p0, int64_t step, int64_t n,
                           const RowSegmentsOf<T>& out) {
  if (n <= 0) return;
  const PaddedRows pr = padded_rows_of(g, 0, g.oh - 1);
  copy_windows_from(g, Source<T>{padded, pr.rows * pr.stride, pr.stride, pr.y_lo + g.ph}, true, p0, step, n, out);
}
}  // namespace

void im2col_vectors(const ConvGeometry& g, const float* x, int64_t p0, int64_t step, int64_t n, float* out, int64_t ld) {
  gather_windows(g, x, p0, step, n, one_segment(g, out, ld));
}

void im2col_vectors(const ConvGeometry& g, const float* x, int64_t p0, int64_t step, int64_t n, const RowSegments& out) {
  gather_windows(g, x, p0, step, n, out);
}

void im2col_vectors(const ConvGeometry& g, const uint8_t* x, int64_t p0, int64_t step, int64_t n,
                    const RowSegmentsOf<uint8_t>& out) {
  gather_windows(g, x, p0, step, n, out);
}

int64_t padded_sample_elements(const ConvGeometry& g) { return padded_rows_of(g, 0, g.oh - 1).elements(g); }

void pad_sample(const ConvGeometry& g, const float* x, float* out) {
  copy_padded_rows(g, x, padded_rows_of(g, 0, g.oh - 1), out);
}

void pad_sample(const ConvGeometry& g, const uint8_t* x, uint8_t* out) {
  copy_padded_rows(g, x, padded_rows_of(g, 0, g.oh - 1), out);
}

void im2col_vectors_padded(const ConvGeometry& g, const float* padded, int64_t p0, int64_t step, int64_t n, float* out,
                           int64_t ld) {
  gather_padded_windows(g, padded, p0, step, n, one_segment(g, out, ld));
}

void im2col_vectors_padded(const ConvGeometry& g, const float* padded, int64_t p0, int64_t step, int64_t n,
                           const RowSegments& out) {
  gather_padded_windows(g, padded, p0, step, n, out);
}

void im2col_vectors_padded(const ConvGeometry& g, const uint8_t* padded, int64_t p0, int64_t step, int64_t n,
                           const RowSegmentsOf<uint8_t>& out) {
  gather_padded_windows(g, padded, p0, step, n, out);
}

namespace {
// In 16 × 16 blocks: a block's 16 source lines stay in L1 while its 16 destination runs are
// written (column by column over the whole item, a 256 × 512 item re-read its 512 KB from L2 for
// every column: 2.7 GB/s, against 78 GB/s for a plain copy of the same bytes). With `skip_full`, the
// full blocks of a dense (step 1) scatter are left to the caller.
__attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4"))) void vectors_to_planes_blocks(
    const float* y, int64_t n, int64_t cols, float* out, int64_t plane, int64_t step, bool skip_full) {
  constexpr int64_t kBlock = 16;
  for (int64_t c0 = 0; c0 < cols; c0 += kBlock) {
    const int64_t nc = std::min(kBlock, cols - c0);
    for (int64_t i0 = 0; i0 < n; i0 += kBlock) {
      const int64_t ni = std::min(kBlock, n - i0);
      const float* __restrict src = y + i0 * cols + c0;
      if (nc == kBlock && ni == kBlock && step == 1) {
        if (skip_full) continue;
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

#if defined(__x86_64__)
AIMC_INTRINSICS_BEGIN
// The full 16 × 16 blocks of a dense scatter transposed in registers (unpack 32- and 64-bit pairs,
// then 128-bit lanes twice): 2.8x the blocked copy above on a 256 × 256 item.
__attribute__((target("avx512f"))) void full_blocks_avx512(const float* y, int64_t n, int64_t cols, float* out, int64_t plane) {
  for (int64_t c0 = 0; c0 + 16 <= cols; c0 += 16) {
    for (int64_t i0 = 0; i0 + 16 <= n; i0 += 16) {
      __m512 r[16], t[16];
      for (int k = 0; k < 16; ++k) r[k] = _mm512_loadu_ps(y + (i0 + k) * cols + c0);
      for (int k = 0; k < 8; ++k) {
        t[2 * k] = _mm512_unpacklo_ps(r[2 * k], r[2 * k + 1]);
        t[2 * k + 1] = _mm512_unpackhi_ps(r[2 * k], r[2 * k + 1]);
      }
      for (int k = 0; k < 4; ++k) {
        const __m512d a = _mm512_castps_pd(t[4 * k]), b = _mm512_castps_pd(t[4 * k + 1]);
        const __m512d c = _mm512_castps_pd(t[4 * k + 2]), d = _mm512_castps_pd(t[4 * k + 3]);
        r[4 * k] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
        r[4 * k + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
        r[4 * k + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
        r[4 * k + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
      }
      for (int k = 0; k < 4; ++k) {
        t[k] = _mm512_shuffle_f32x4(r[k], r[4 + k], 0x88);
        t[4 + k] = _mm512_shuffle_f32x4(r[k], r[4 + k], 0xDD);
        t[8 + k] = _mm512_shuffle_f32x4(r[8 + k], r[12 + k], 0x88);
        t[12 + k] = _mm512_shuffle_f32x4(r[8 + k], r[12 + k], 0xDD);
      }
      for (int k = 0; k < 8; ++k) {
        _mm512_storeu_ps(out + (c0 + k) * plane + i0, _mm512_shuffle_f32x4(t[k], t[8 + k], 0x88));
        _mm512_storeu_ps(out + (c0 + 8 + k) * plane + i0, _mm512_shuffle_f32x4(t[k], t[8 + k], 0xDD));
      }
    }
  }
}
AIMC_INTRINSICS_END
#endif
}  // namespace

void vectors_to_planes(const float* y, int64_t n, int64_t cols, float* out, int64_t plane, int64_t step) {
#if defined(__x86_64__)
  if (step == 1 && cpu_has_avx512()) {
    full_blocks_avx512(y, n, cols, out, plane);
    vectors_to_planes_blocks(y, n, cols, out, plane, step, true);
    return;
  }
#endif
  vectors_to_planes_blocks(y, n, cols, out, plane, step, false);
}

}  // namespace aimc::functional
