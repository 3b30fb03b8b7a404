// im2col of 8-bit codes through a channel-grouped, padded copy of each sample (conv_vectors.h):
// a window's 9 taps of 16 channels are three runs of 48 bytes there, and three byte permutes per
// 64 output bytes put them in the layer matrix's (c, ky, kx) row order.
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "core/error.h"
#include "core/intrinsics.h"
#include "sim/functional/conv_vectors.h"

namespace aimc::functional {

namespace {
constexpr int64_t kHwcGroup = 16;                  // channels per group
constexpr int64_t kHwcGroupBytes = kHwcGroup * 9;  // a group's 3 × 3 taps in a vector: 144 bytes
constexpr int64_t kHwcSlack = 64;                  // bytes after the last group, for whole-register loads

struct Hwc16 {
  int64_t hp = 0, wp = 0;  // padded rows and columns (every window inside)
  int64_t pixel(int64_t g, int64_t r, int64_t q) const { return ((g * hp + r) * wp + q) * kHwcGroup; }
};
Hwc16 hwc16_layout(const ConvGeometry& g) {
  return Hwc16{std::max((g.oh - 1) * g.sh + 3, g.ph + g.h), std::max((g.ow - 1) * g.sw + 3, g.pw + g.w)};
}

#if defined(__x86_64__)
AIMC_INTRINSICS_BEGIN
#define AIMC_VBMI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi")))

// 16 × 16 bytes transposed: in[c] holds channel c's 16 pixels, out[p] pixel p's 16 channels.
AIMC_VBMI inline void transpose16x16(const __m128i* in, __m128i* out) {
  __m128i a[16], b[16];
  for (int k = 0; k < 8; ++k) {
    a[2 * k] = _mm_unpacklo_epi8(in[2 * k], in[2 * k + 1]);
    a[2 * k + 1] = _mm_unpackhi_epi8(in[2 * k], in[2 * k + 1]);
  }
  for (int k = 0; k < 4; ++k) {
    b[4 * k] = _mm_unpacklo_epi16(a[4 * k], a[4 * k + 2]);
    b[4 * k + 1] = _mm_unpackhi_epi16(a[4 * k], a[4 * k + 2]);
    b[4 * k + 2] = _mm_unpacklo_epi16(a[4 * k + 1], a[4 * k + 3]);
    b[4 * k + 3] = _mm_unpackhi_epi16(a[4 * k + 1], a[4 * k + 3]);
  }
  for (int k = 0; k < 2; ++k) {
    for (int j = 0; j < 4; ++j) {
      a[8 * k + 2 * j] = _mm_unpacklo_epi32(b[8 * k + j], b[8 * k + 4 + j]);
      a[8 * k + 2 * j + 1] = _mm_unpackhi_epi32(b[8 * k + j], b[8 * k + 4 + j]);
    }
  }
  for (int j = 0; j < 8; ++j) {
    out[2 * j] = _mm_unpacklo_epi64(a[j], a[8 + j]);
    out[2 * j + 1] = _mm_unpackhi_epi64(a[j], a[8 + j]);
  }
}

AIMC_VBMI void pad_sample_hwc16_avx512(const ConvGeometry& g, const uint8_t* x, uint8_t* out) {
  const Hwc16 L = hwc16_layout(g);
  const int64_t groups = g.c / kHwcGroup;
  for (int64_t gr = 0; gr < groups; ++gr) {
    for (int64_t r = 0; r < L.hp; ++r) {
      uint8_t* row = out + L.pixel(gr, r, 0);
      const int64_t y = r - g.ph;
      if (y < 0 || y >= g.h) {
        std::memset(row, 0, static_cast<size_t>(L.wp * kHwcGroup));
        continue;
      }
      std::memset(row, 0, static_cast<size_t>(g.pw * kHwcGroup));
      std::memset(row + (g.pw + g.w) * kHwcGroup, 0, static_cast<size_t>((L.wp - g.pw - g.w) * kHwcGroup));
      const uint8_t* src = x + (gr * kHwcGroup * g.h + y) * g.w;  // channel gr·16's row y
      for (int64_t x0 = 0; x0 < g.w; x0 += kHwcGroup) {
        const int64_t m = std::min(kHwcGroup, g.w - x0);
        const auto mask = static_cast<__mmask16>((1u << m) - 1);
        __m128i in[kHwcGroup], px[kHwcGroup];
        for (int64_t c = 0; c < kHwcGroup; ++c) in[c] = _mm_maskz_loadu_epi8(mask, src + c * g.h * g.w + x0);
        transpose16x16(in, px);
        for (int64_t p = 0; p < m; ++p) _mm_storeu_si128(reinterpret_cast<__m128i*>(row + (g.pw + x0 + p) * kHwcGroup), px[p]);
      }
    }
  }
  std::memset(out + groups * L.hp * L.wp * kHwcGroup, 0, kHwcSlack);
}

// The permutes' indices for output bytes j = 64·o + l of a group (o = 0, 1, 2): byte j is tap
// t = j mod 9 (ky = t / 3, kx = t mod 3) of channel j / 9, byte kx·16 + c of row ky's 48. Rows 0 and 1
// form the two-table permute's 128 bytes (row 1 at 64); row 2's bytes come from a masked permute.
struct TapPermutes {
  alignas(64) uint8_t rows01[3][64] = {};
  alignas(64) uint8_t row2[3][64] = {};
  __mmask64 from_row2[3] = {};
};
TapPermutes tap_permutes() {
  TapPermutes t;
  for (int64_t j = 0; j < kHwcGroupBytes; ++j) {
    const int64_t o = j / 64, l = j % 64, c = j / 9, tap = j % 9, ky = tap / 3, kx = tap % 3;
    const auto byte = static_cast<uint8_t>(kx * kHwcGroup + c);
    if (ky == 2) {
      t.row2[o][l] = byte;
      t.from_row2[o] |= __mmask64{1} << l;
    } else {
      t.rows01[o][l] = static_cast<uint8_t>(byte + 64 * ky);
    }
  }
  return t;
}

AIMC_VBMI void im2col_hwc16_avx512(const ConvGeometry& g, const uint8_t* padded, int64_t p0, int64_t step, int64_t n,
                                   const RowSegmentsOf<uint8_t>& out) {
  static const TapPermutes perm = tap_permutes();
  const Hwc16 L = hwc16_layout(g);
  const int64_t groups = g.c / kHwcGroup;
  const int64_t row_stride = L.wp * kHwcGroup;
  const __mmask64 row_bytes = (__mmask64{1} << (3 * kHwcGroup)) - 1;
  __m512i i01[3], i2[3];
  for (int o = 0; o < 3; ++o) {
    i01[o] = _mm512_load_si512(perm.rows01[o]);
    i2[o] = _mm512_load_si512(perm.row2[o]);
  }
  // Where each group's 144 bytes go: into the segments they span (a group cut by a tile boundary
  // spans two), each piece a masked store of the three registers at the group's would-be address in
  // that segment (masked-off bytes are neither written nor touched).
  struct Piece {
    uintptr_t at = 0;  // where the group's byte 0 would lie in the segment's vector 0
    int64_t ld = 0;
    __mmask64 mask[3] = {};
  };
  struct GroupDest {
    int64_t pieces = 0;
    Piece piece[3];
  };
  GroupDest dest[64];  // groups ≤ 64 (im2col_hwc16_applies)
  for (int64_t gr = 0, s = 0; gr < groups; ++gr) {
    const int64_t r0 = gr * kHwcGroupBytes, r1 = r0 + kHwcGroupBytes;
    while (out.begin[static_cast<size_t>(s) + 1] <= r0) ++s;
    GroupDest& d = dest[gr];
    for (int64_t t = s; t + 1 < static_cast<int64_t>(out.begin.size()) && out.begin[static_cast<size_t>(t)] < r1; ++t) {
      const int64_t b0 = std::max(r0, out.begin[static_cast<size_t>(t)]),
                    b1 = std::min(r1, out.begin[static_cast<size_t>(t) + 1]);
      Piece& p = d.piece[d.pieces++];
      p.at = reinterpret_cast<uintptr_t>(out.base[static_cast<size_t>(t)]) + static_cast<uintptr_t>(r0) -
             static_cast<uintptr_t>(out.begin[static_cast<size_t>(t)]);
      p.ld = out.ld[static_cast<size_t>(t)];
      for (int64_t j = b0 - r0; j < b1 - r0; ++j) p.mask[j / 64] |= __mmask64{1} << (j % 64);
    }
  }
  for (int64_t i = 0; i < n; ++i) {
    const int64_t p = p0 + i * step, oy = p / g.ow, ox = p % g.ow;
    const uint8_t* window = padded + L.pixel(0, oy * g.sh, ox * g.sw);
    for (int64_t gr = 0; gr < groups; ++gr) {
      const uint8_t* src = window + gr * L.hp * row_stride;
      const __m512i row0 = _mm512_maskz_loadu_epi8(row_bytes, src);
      const __m512i row1 = _mm512_maskz_loadu_epi8(row_bytes, src + row_stride);
      const __m512i row2 = _mm512_maskz_loadu_epi8(row_bytes, src + 2 * row_stride);
      __m512i v[3];
      for (int o = 0; o < 3; ++o) {
        v[o] = _mm512_mask_permutexvar_epi8(_mm512_permutex2var_epi8(row0, i01[o], row1), perm.from_row2[o], i2[o], row2);
      }
      const GroupDest& d = dest[gr];
      if (d.pieces == 1) {  // the whole group in one segment: plain stores
        auto* dst = reinterpret_cast<uint8_t*>(d.piece[0].at + static_cast<uintptr_t>(i * d.piece[0].ld));
        _mm512_storeu_si512(dst, v[0]);
        _mm512_storeu_si512(dst + 64, v[1]);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 128), _mm512_castsi512_si128(v[2]));
        continue;
      }
      for (int64_t k = 0; k < d.pieces; ++k) {
        const Piece& pc = d.piece[k];
        const uintptr_t at = pc.at + static_cast<uintptr_t>(i * pc.ld);
        for (int o = 0; o < 3; ++o) {
          if (pc.mask[o] != 0)
            _mm512_mask_storeu_epi8(reinterpret_cast<void*>(at + 64 * static_cast<uintptr_t>(o)), pc.mask[o], v[o]);
        }
      }
    }
  }
}
#undef AIMC_VBMI
AIMC_INTRINSICS_END
#endif
}  // namespace

bool im2col_hwc16_applies(const ConvGeometry& g) {
#if defined(__x86_64__)
  return cpu_has_avx512_vbmi() && g.c % kHwcGroup == 0 && g.c / kHwcGroup <= 64 && g.kh == 3 && g.kw == 3 && g.dh == 1 &&
         g.dw == 1;
#else
  (void)g;
  return false;
#endif
}

int64_t hwc16_sample_elements(const ConvGeometry& g) {
  const Hwc16 L = hwc16_layout(g);
  return g.c * L.hp * L.wp + kHwcSlack;
}

void pad_sample_hwc16(const ConvGeometry& g, const uint8_t* x, uint8_t* out) {
  AIMC_ASSERT(im2col_hwc16_applies(g), "pad_sample_hwc16 on a geometry or CPU it does not apply to");
#if defined(__x86_64__)
  pad_sample_hwc16_avx512(g, x, out);
#endif
}

void im2col_vectors_hwc16(const ConvGeometry& g, const uint8_t* padded, int64_t p0, int64_t step, int64_t n,
                          const RowSegmentsOf<uint8_t>& out) {
  AIMC_ASSERT(im2col_hwc16_applies(g), "im2col_vectors_hwc16 on a geometry or CPU it does not apply to");
#if defined(__x86_64__)
  im2col_hwc16_avx512(g, padded, p0, step, n, out);
#endif
}

}  // namespace aimc::functional
