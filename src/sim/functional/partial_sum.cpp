#include "sim/functional/partial_sum.h"

#include "core/error.h"
#include "core/intrinsics.h"

namespace aimc::functional {

namespace {
// The definition, element by element (vectorised by target clones, no library rounding call):
// std::nearbyint's ties-to-even rounding of x = partial / lsb as (x + 1.5·2^52) − 1.5·2^52, exact for
// |x| < 2^51, so x is first clamped to ±2^33 (beyond ±2·hi, where the result saturates anyway).
__attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4"))) void accumulate_by_division(
    int32_t* __restrict a, const float* __restrict p, size_t n, float lsb, double hi) {
  constexpr double kRange = 8589934592.0;        // 2^33
  constexpr double kMagic = 6755399441055744.0;  // 1.5 · 2^52
  const double step = lsb;
  for (size_t i = 0; i < n; ++i) {
    double x = static_cast<double>(p[i]) / step;
    x = x < -kRange ? -kRange : (x > kRange ? kRange : x);
    double q = (x + kMagic) - kMagic;
    q = q < -2.0 * hi ? -2.0 * hi : (q > 2.0 * hi ? 2.0 * hi : q);
    const double sum = static_cast<double>(a[i]) + q;
    a[i] = static_cast<int32_t>(sum < -hi ? -hi : (sum > hi ? hi : sum));
  }
}

#if defined(__x86_64__)
AIMC_INTRINSICS_BEGIN
#define AIMC_AVX512 __attribute__((target("avx512f,avx512dq,avx512vl")))
constexpr int kNearest = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;

// Lanes off the fast path (below): e near a half-integer or huge. Unordered compares, so NaN is too.
[[gnu::always_inline]] AIMC_AVX512 inline __mmask8 off_path(__m512d e, __m512d r) {
  const __mmask8 near_tie = _mm512_cmp_pd_mask(_mm512_abs_pd(_mm512_sub_pd(e, r)), _mm512_set1_pd(0.5 - 0x1p-24), _CMP_NLE_UQ);
  return near_tie | _mm512_cmp_pd_mask(_mm512_abs_pd(e), _mm512_set1_pd(0x1p26), _CMP_NLT_UQ);
}

// acc[0..8) = saturate(acc + clamp(r, ±2·hi), ±hi) for integer-valued r.
[[gnu::always_inline]] AIMC_AVX512 inline void add8(int32_t* at, __m512d r, double hi) {
  const __m512d q = _mm512_min_pd(_mm512_max_pd(r, _mm512_set1_pd(-2.0 * hi)), _mm512_set1_pd(2.0 * hi));
  const __m512d s = _mm512_add_pd(_mm512_cvtepi32_pd(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(at))), q);
  const __m512d sat = _mm512_min_pd(_mm512_max_pd(s, _mm512_set1_pd(-hi)), _mm512_set1_pd(hi));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(at), _mm512_cvtpd_epi32(sat));
}

// The same results, 16 at a time, multiplying by 1/lsb instead of dividing (the division took most
// of the loop: 2.6x as fast in place). e = p·(1/lsb) is within |x|·2^−51.9 of the exact x = p/lsb;
// where e lies at least 2^−24 from every half-integer and |e| < 2^26, that error (< 2^−25.9) and
// the division's rounding of x (≤ 2^−27) cannot cross a half-integer, so both round to the same
// integer. Anything else (a value near a tie, exact ties included, a huge one, inf or NaN) sends its
// 16 to the division.
AIMC_AVX512 void accumulate_avx512(int32_t* __restrict a, const float* __restrict p, size_t n, float lsb, double hi) {
  const __m512d inv = _mm512_set1_pd(1.0 / static_cast<double>(lsb));
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_loadu_ps(p + i);
    const __m512d e0 = _mm512_mul_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(v)), inv);
    const __m512d e1 = _mm512_mul_pd(_mm512_cvtps_pd(_mm512_extractf32x8_ps(v, 1)), inv);
    const __m512d r0 = _mm512_roundscale_pd(e0, kNearest), r1 = _mm512_roundscale_pd(e1, kNearest);
    if ((off_path(e0, r0) | off_path(e1, r1)) != 0) {
      accumulate_by_division(a + i, p + i, 16, lsb, hi);
      continue;
    }
    add8(a + i, r0, hi);
    add8(a + i + 8, r1, hi);
  }
  if (i < n) accumulate_by_division(a + i, p + i, n - i, lsb, hi);
}
AIMC_INTRINSICS_END
#endif
}  // namespace

void accumulate_partial_sums(std::span<int32_t> acc, std::span<const float> partial, float lsb, int64_t width_bits) {
  AIMC_ASSERT(acc.size() == partial.size() && lsb > 0 && width_bits >= 2 && width_bits <= 32,
              "accumulate_partial_sums: bad arguments");
  const auto hi = static_cast<double>((int64_t{1} << (width_bits - 1)) - 1);
#if defined(__x86_64__)
  if (cpu_has_avx512()) {
    accumulate_avx512(acc.data(), partial.data(), acc.size(), lsb, hi);
    return;
  }
#endif
  accumulate_by_division(acc.data(), partial.data(), acc.size(), lsb, hi);
}

void partial_sums_to_values(std::span<const int32_t> acc, float lsb, std::span<float> out) {
  for (size_t i = 0; i < acc.size(); ++i) out[i] = static_cast<float>(acc[i]) * lsb;
}

}  // namespace aimc::functional
