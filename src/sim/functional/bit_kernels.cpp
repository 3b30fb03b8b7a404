#include "sim/functional/bit_kernels.h"

#include <atomic>
#include <cstring>

#include "core/error.h"
#include "core/intrinsics.h"

namespace aimc::functional {

namespace {

std::atomic<bool> g_force_portable{false};

// ---- portable kernels --------------------------------------------------------------------------

__attribute__((target_clones("default", "popcnt", "arch=icelake-server"))) void and_popcount_portable(
    const uint64_t* x, const uint64_t* wt, int64_t words, int64_t ncols, uint32_t* counts) {
  std::memset(counts, 0, sizeof(uint32_t) * static_cast<size_t>(ncols));
  for (int64_t w = 0; w < words; ++w) {
    const uint64_t xw = x[w];
    if (xw == 0) continue;
    const uint64_t* col = wt + w * ncols;
    for (int64_t j = 0; j < ncols; ++j) counts[j] += static_cast<uint32_t>(__builtin_popcountll(xw & col[j]));
  }
}

void pack_code_planes_portable(const float* codes, int64_t rows, int64_t planes, uint64_t* out) {
  const int64_t words = words_for(rows);
  for (int64_t w = 0; w < words; ++w) {
    uint64_t plane[32] = {};
    const int64_t r1 = rows < 64 * (w + 1) ? rows : 64 * (w + 1);
    for (int64_t r = 64 * w; r < r1; ++r) {
      const auto code = static_cast<uint64_t>(static_cast<int64_t>(codes[r]));
      const int64_t bit = r - 64 * w;
      for (int64_t p = 0; p < planes; ++p) plane[p] |= ((code >> p) & 1u) << bit;
    }
    for (int64_t p = 0; p < planes; ++p) out[p * words + w] = plane[p];
  }
}

// ---- AVX-512 kernels ---------------------------------------------------------------------------

#if defined(__x86_64__)
AIMC_INTRINSICS_BEGIN
#define AIMC_AVX512_POPCNT __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vpopcntdq,popcnt")))

AIMC_AVX512_POPCNT inline __mmask8 tail_mask(int64_t remaining) {
  return remaining >= 8 ? static_cast<__mmask8>(0xFF) : (remaining > 0 ? static_cast<__mmask8>((1u << remaining) - 1) : 0);
}

// P planes × CV vectors of 8 columns of 64-bit accumulators in registers; every weight vector is
// loaded once per word and ANDed with the P broadcast plane words.
template <int P, int CV>
AIMC_AVX512_POPCNT void popcount_block(const uint64_t* x, const uint64_t* wt, int64_t words, int64_t ncols, uint32_t* counts) {
  for (int64_t j0 = 0; j0 < ncols; j0 += 8 * CV) {
    __mmask8 mask[CV];
    __m512i acc[P][CV];
    for (int v = 0; v < CV; ++v) {
      mask[v] = tail_mask(ncols - j0 - 8 * v);
      for (int p = 0; p < P; ++p) acc[p][v] = _mm512_setzero_si512();
    }
    for (int64_t w = 0; w < words; ++w) {
      __m512i xb[P];
      for (int p = 0; p < P; ++p) xb[p] = _mm512_set1_epi64(static_cast<long long>(x[p * words + w]));
      const uint64_t* row = wt + w * ncols + j0;
      for (int v = 0; v < CV; ++v) {
        const __m512i wv = _mm512_maskz_loadu_epi64(mask[v], row + 8 * v);
        for (int p = 0; p < P; ++p) acc[p][v] = _mm512_add_epi64(acc[p][v], _mm512_popcnt_epi64(_mm512_and_si512(wv, xb[p])));
      }
    }
    for (int p = 0; p < P; ++p) {
      for (int v = 0; v < CV; ++v) _mm512_mask_cvtepi64_storeu_epi32(counts + p * ncols + j0 + 8 * v, mask[v], acc[p][v]);
    }
  }
}

void and_popcount_planes_avx512(const uint64_t* x, int64_t planes, const uint64_t* wt, int64_t words, int64_t ncols,
                                uint32_t* counts) {
  for (int64_t p0 = 0; p0 < planes;) {
    const int64_t n = planes - p0 < 8 ? planes - p0 : 8;
    const uint64_t* xs = x + p0 * words;
    uint32_t* cs = counts + p0 * ncols;
    switch (n) {
      case 1:
        popcount_block<1, 4>(xs, wt, words, ncols, cs);
        break;
      case 2:
        popcount_block<2, 4>(xs, wt, words, ncols, cs);
        break;
      case 3:
        popcount_block<3, 4>(xs, wt, words, ncols, cs);
        break;
      case 4:
        popcount_block<4, 4>(xs, wt, words, ncols, cs);
        break;
      case 5:
        popcount_block<5, 2>(xs, wt, words, ncols, cs);
        break;
      case 6:
        popcount_block<6, 2>(xs, wt, words, ncols, cs);
        break;
      case 7:
        popcount_block<7, 2>(xs, wt, words, ncols, cs);
        break;
      default:
        popcount_block<8, 2>(xs, wt, words, ncols, cs);
        break;
    }
    p0 += n;
  }
}

// 16 codes per step: converted to int32 (exact: they are integers), each plane's bit tested into a
// 16-bit mask, four masks per 64-row word.
AIMC_AVX512_POPCNT void pack_code_planes_avx512(const float* codes, int64_t rows, int64_t planes, uint64_t* out) {
  const int64_t words = words_for(rows);
  for (int64_t w = 0; w < words; ++w) {
    __m512i v[4];
    for (int g = 0; g < 4; ++g) {
      const int64_t r0 = 64 * w + 16 * g;
      const int64_t left = rows - r0;
      const __mmask16 m = left >= 16 ? static_cast<__mmask16>(0xFFFF) : (left > 0 ? static_cast<__mmask16>((1u << left) - 1) : 0);
      v[g] = _mm512_cvttps_epi32(_mm512_maskz_loadu_ps(m, codes + (left > 0 ? r0 : 0)));
    }
    for (int64_t p = 0; p < planes; ++p) {
      const __m512i bit = _mm512_set1_epi32(static_cast<int>(1u << p));
      uint64_t word = 0;
      for (int g = 0; g < 4; ++g) word |= static_cast<uint64_t>(_mm512_test_epi32_mask(v[g], bit)) << (16 * g);
      out[p * words + w] = word;
    }
  }
}
AIMC_INTRINSICS_END
#endif

bool fast() {
#if defined(__x86_64__)
  return !g_force_portable.load(std::memory_order_relaxed) && cpu_has_avx512_vpopcntdq();
#else
  return false;
#endif
}

}  // namespace

void and_popcount(const uint64_t* x, const uint64_t* wt, int64_t words, int64_t ncols, uint32_t* counts) {
#if defined(__x86_64__)
  if (fast()) return and_popcount_planes_avx512(x, 1, wt, words, ncols, counts);
#endif
  and_popcount_portable(x, wt, words, ncols, counts);
}

void and_popcount_planes(const uint64_t* x, int64_t planes, const uint64_t* wt, int64_t words, int64_t ncols, uint32_t* counts) {
#if defined(__x86_64__)
  if (fast()) return and_popcount_planes_avx512(x, planes, wt, words, ncols, counts);
#endif
  for (int64_t p = 0; p < planes; ++p) and_popcount_portable(x + p * words, wt, words, ncols, counts + p * ncols);
}

void pack_code_planes(const float* codes, int64_t rows, int64_t planes, uint64_t* out) {
  AIMC_ASSERT(planes >= 1 && planes <= 32, "pack_code_planes: 1 to 32 planes");
#if defined(__x86_64__)
  if (fast()) return pack_code_planes_avx512(codes, rows, planes, out);
#endif
  pack_code_planes_portable(codes, rows, planes, out);
}

__attribute__((target_clones("default", "popcnt"))) uint32_t popcount_words(const uint64_t* x, int64_t words) {
  uint32_t n = 0;
  for (int64_t w = 0; w < words; ++w) n += static_cast<uint32_t>(__builtin_popcountll(x[w]));
  return n;
}

const char* bit_kernels_isa() { return fast() ? "avx512-vpopcntdq" : "portable"; }
void force_portable_bit_kernels(bool portable) { g_force_portable.store(portable); }

}  // namespace aimc::functional
