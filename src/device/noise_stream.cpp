#include "device/noise_stream.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "core/intrinsics.h"

namespace aimc::device {

namespace {

// Random123 Philox4x32 round constants (Salmon et al., SC'11, "Parallel random numbers: as easy as
// 1, 2, 3"; r123/philox.h).
constexpr uint32_t kPhiloxM0 = 0xD2511F53u;
constexpr uint32_t kPhiloxM1 = 0xCD9E8D57u;
constexpr uint32_t kPhiloxW0 = 0x9E3779B9u;
constexpr uint32_t kPhiloxW1 = 0xBB67AE85u;
constexpr int kPhiloxRounds = 10;

constexpr int kLanes = 64;  // counter blocks transformed together (256 normals)

// Natural log of u in (0, 1]: u = m·2^e with m in [1/√2, √2), ln m = 2 atanh(s), s = (m-1)/(m+1),
// |s| < 0.172, series to s^9 (truncation < 1e-9).
[[gnu::always_inline]] inline float fast_log(float u) {
  uint32_t bits = std::bit_cast<uint32_t>(u);
  int32_t e = static_cast<int32_t>((bits >> 23) & 0xFF) - 127;
  float m = std::bit_cast<float>((bits & 0x7FFFFFu) | 0x3F800000u);
  const bool big = m > 1.41421356f;
  m = big ? m * 0.5f : m;
  e = big ? e + 1 : e;
  const float s = (m - 1.0f) / (m + 1.0f);
  const float s2 = s * s;
  const float series = 1.0f + s2 * (1.0f / 3 + s2 * (1.0f / 5 + s2 * (1.0f / 7 + s2 * (1.0f / 9))));
  return static_cast<float>(e) * 0.69314718f + 2.0f * s * series;
}

// Box-Muller on two words: uniforms (bits >> 8 + 0.5) / 2^24 in (0, 1) for the radius and
// bits >> 8 / 2^24 for the angle 2π·v = (q + f)·π/2 with q = ⌊4v + 1/2⌋ and f in [−1/2, 1/2]:
// sin and cos of φ = f·π/2 in [−π/4, π/4] are Taylor polynomials (truncation < 4e-7), rotated by
// the quadrant q mod 4.
[[gnu::always_inline]] inline void box_muller(uint32_t a, uint32_t b, float& n0, float& n1) {
  const float u = (static_cast<float>(a >> 8) + 0.5f) * 5.9604645e-8f;
  const float v = static_cast<float>(b >> 8) * 5.9604645e-8f;
  const float radius = std::sqrt(-2.0f * fast_log(u));
  const float x = v * 4.0f;
  const int q = static_cast<int>(x + 0.5f);
  const float phi = (x - static_cast<float>(q)) * 1.57079633f;
  const float p2 = phi * phi;
  const float sn = phi * (1.0f + p2 * (-1.0f / 6 + p2 * (1.0f / 120 + p2 * (-1.0f / 5040))));
  const float cs = 1.0f + p2 * (-0.5f + p2 * (1.0f / 24 + p2 * (-1.0f / 720 + p2 * (1.0f / 40320))));
  const int quadrant = q & 3;
  const float cq = quadrant == 0 ? cs : quadrant == 1 ? -sn : quadrant == 2 ? -cs : sn;
  const float sq = quadrant == 0 ? sn : quadrant == 1 ? cs : quadrant == 2 ? -sn : -cs;
  n0 = radius * cq;
  n1 = radius * sq;
}

// Normals of blocks first_block .. first_block + kLanes - 1 into out[4 * kLanes]: the Philox
// rounds run over all lanes at once (structure of arrays, so the compiler vectorises them). The
// portable path; normals_avx512 below computes the same numbers bit for bit.
__attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4"))) void normals_of_blocks(
    uint64_t first_block, uint32_t stream, uint32_t purpose, uint32_t key0, uint32_t key1, float* out) {
  uint32_t c0[kLanes], c1[kLanes], c2[kLanes], c3[kLanes];
  for (int l = 0; l < kLanes; ++l) {
    const uint64_t b = first_block + static_cast<uint64_t>(l);
    c0[l] = stream;
    c1[l] = purpose;
    c2[l] = static_cast<uint32_t>(b);
    c3[l] = static_cast<uint32_t>(b >> 32);
  }
  uint32_t k0 = key0, k1 = key1;
  for (int r = 0; r < kPhiloxRounds; ++r) {
    for (int l = 0; l < kLanes; ++l) {
      const uint64_t p0 = static_cast<uint64_t>(kPhiloxM0) * c0[l];
      const uint64_t p1 = static_cast<uint64_t>(kPhiloxM1) * c2[l];
      const uint32_t n0 = static_cast<uint32_t>(p1 >> 32) ^ c1[l] ^ k0;
      const uint32_t n2 = static_cast<uint32_t>(p0 >> 32) ^ c3[l] ^ k1;
      c1[l] = static_cast<uint32_t>(p1);
      c3[l] = static_cast<uint32_t>(p0);
      c0[l] = n0;
      c2[l] = n2;
    }
    k0 += kPhiloxW0;
    k1 += kPhiloxW1;
  }
  float n[4][kLanes];
  for (int l = 0; l < kLanes; ++l) box_muller(c0[l], c1[l], n[0][l], n[1][l]);
  for (int l = 0; l < kLanes; ++l) box_muller(c2[l], c3[l], n[2][l], n[3][l]);
  for (int l = 0; l < kLanes; ++l) {
    for (int k = 0; k < 4; ++k) out[4 * l + k] = n[k][l];
  }
}

#if defined(__x86_64__)
AIMC_INTRINSICS_BEGIN
#define AIMC_AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw")))

// box_muller() on 16 lanes, the same float operations in the same order (no contraction: the
// project builds in ISO C++ mode, -ffp-contract=off), so the numbers are identical.
[[gnu::always_inline]] AIMC_AVX512 inline void box_muller16(__m512i a, __m512i b, __m512& n0, __m512& n1) {
  const __m512 half = _mm512_set1_ps(0.5f), one = _mm512_set1_ps(1.0f), ulp24 = _mm512_set1_ps(5.9604645e-8f);
  const __m512 u = _mm512_mul_ps(_mm512_add_ps(_mm512_cvtepi32_ps(_mm512_srli_epi32(a, 8)), half), ulp24);
  const __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_srli_epi32(b, 8)), ulp24);
  // fast_log(u)
  const __m512i bits = _mm512_castps_si512(u);
  __m512i e = _mm512_sub_epi32(_mm512_and_si512(_mm512_srli_epi32(bits, 23), _mm512_set1_epi32(0xFF)), _mm512_set1_epi32(127));
  __m512 m =
      _mm512_castsi512_ps(_mm512_or_si512(_mm512_and_si512(bits, _mm512_set1_epi32(0x7FFFFF)), _mm512_set1_epi32(0x3F800000)));
  const __mmask16 big = _mm512_cmp_ps_mask(m, _mm512_set1_ps(1.41421356f), _CMP_GT_OQ);
  m = _mm512_mask_mul_ps(m, big, m, half);
  e = _mm512_mask_add_epi32(e, big, e, _mm512_set1_epi32(1));
  const __m512 s = _mm512_div_ps(_mm512_sub_ps(m, one), _mm512_add_ps(m, one));
  const __m512 s2 = _mm512_mul_ps(s, s);
  __m512 series = _mm512_add_ps(_mm512_set1_ps(1.0f / 7), _mm512_mul_ps(s2, _mm512_set1_ps(1.0f / 9)));
  series = _mm512_add_ps(_mm512_set1_ps(1.0f / 5), _mm512_mul_ps(s2, series));
  series = _mm512_add_ps(_mm512_set1_ps(1.0f / 3), _mm512_mul_ps(s2, series));
  series = _mm512_add_ps(one, _mm512_mul_ps(s2, series));
  const __m512 log_u = _mm512_add_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(e), _mm512_set1_ps(0.69314718f)),
                                     _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(2.0f), s), series));
  const __m512 radius = _mm512_sqrt_ps(_mm512_mul_ps(_mm512_set1_ps(-2.0f), log_u));
  // quadrant and phase of the angle
  const __m512 x = _mm512_mul_ps(v, _mm512_set1_ps(4.0f));
  const __m512i q = _mm512_cvttps_epi32(_mm512_add_ps(x, half));
  const __m512 phi = _mm512_mul_ps(_mm512_sub_ps(x, _mm512_cvtepi32_ps(q)), _mm512_set1_ps(1.57079633f));
  const __m512 p2 = _mm512_mul_ps(phi, phi);
  __m512 sn = _mm512_add_ps(_mm512_set1_ps(1.0f / 120), _mm512_mul_ps(p2, _mm512_set1_ps(-1.0f / 5040)));
  sn = _mm512_add_ps(_mm512_set1_ps(-1.0f / 6), _mm512_mul_ps(p2, sn));
  sn = _mm512_mul_ps(phi, _mm512_add_ps(one, _mm512_mul_ps(p2, sn)));
  __m512 cs = _mm512_add_ps(_mm512_set1_ps(-1.0f / 720), _mm512_mul_ps(p2, _mm512_set1_ps(1.0f / 40320)));
  cs = _mm512_add_ps(_mm512_set1_ps(1.0f / 24), _mm512_mul_ps(p2, cs));
  cs = _mm512_add_ps(_mm512_set1_ps(-0.5f), _mm512_mul_ps(p2, cs));
  cs = _mm512_add_ps(one, _mm512_mul_ps(p2, cs));
  const __m512i quadrant = _mm512_and_si512(q, _mm512_set1_epi32(3));
  // quadrant 0: (cs, sn), 1: (−sn, cs), 2: (−cs, −sn), 3: (sn, −cs)
  const __mmask16 swap = _mm512_test_epi32_mask(quadrant, _mm512_set1_epi32(1));
  const __mmask16 neg_c =
      _mm512_cmp_epu32_mask(_mm512_sub_epi32(quadrant, _mm512_set1_epi32(1)), _mm512_set1_epi32(2), _MM_CMPINT_LT);
  const __mmask16 neg_s = _mm512_cmp_epi32_mask(quadrant, _mm512_set1_epi32(2), _MM_CMPINT_GE);
  const __m512i sign = _mm512_set1_epi32(static_cast<int>(0x80000000u));
  __m512 cq = _mm512_mask_blend_ps(swap, cs, sn);
  __m512 sq = _mm512_mask_blend_ps(swap, sn, cs);
  cq = _mm512_castsi512_ps(_mm512_mask_xor_epi32(_mm512_castps_si512(cq), neg_c, _mm512_castps_si512(cq), sign));
  sq = _mm512_castsi512_ps(_mm512_mask_xor_epi32(_mm512_castps_si512(sq), neg_s, _mm512_castps_si512(sq), sign));
  n0 = _mm512_mul_ps(radius, cq);
  n1 = _mm512_mul_ps(radius, sq);
}

// normals_of_blocks with explicit AVX-512. Philox runs in 64-bit lanes, one counter block per
// lane: _mm512_mul_epu32 reads the low 32 bits of each lane and returns the full 64-bit product, so
// a round is 2 multiplies, 2 shifts and 2 three-way XORs per 8 blocks (the high halves of the lanes
// hold garbage that never reaches a low half). Four chains of 8 blocks are interleaved to hide the
// multiply latency; the low halves are then packed into 16-lane vectors for Box-Muller.
AIMC_AVX512 void philox32(uint64_t first_block, uint32_t stream, uint32_t purpose, uint32_t key0, uint32_t key1,
                          __m512i out[4][2]) {
  const __m512i lane = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
  __m512i c0[4], c1[4], c2[4], c3[4];
  for (int h = 0; h < 4; ++h) {
    const __m512i block =
        _mm512_add_epi64(_mm512_set1_epi64(static_cast<long long>(first_block + 8 * static_cast<uint64_t>(h))), lane);
    c0[h] = _mm512_set1_epi64(stream);
    c1[h] = _mm512_set1_epi64(purpose);
    c2[h] = block;  // low word in the low half
    c3[h] = _mm512_srli_epi64(block, 32);
  }
  const __m512i m0 = _mm512_set1_epi64(kPhiloxM0), m1 = _mm512_set1_epi64(kPhiloxM1);
  uint32_t k0 = key0, k1 = key1;
  for (int r = 0; r < kPhiloxRounds; ++r) {
    const __m512i kk0 = _mm512_set1_epi32(static_cast<int>(k0)), kk1 = _mm512_set1_epi32(static_cast<int>(k1));
    for (int h = 0; h < 4; ++h) {
      const __m512i pa = _mm512_mul_epu32(c0[h], m0);  // M0·c0: hi | lo
      const __m512i pb = _mm512_mul_epu32(c2[h], m1);  // M1·c2
      c0[h] = _mm512_ternarylogic_epi32(_mm512_srli_epi64(pb, 32), c1[h], kk0, 0x96);
      c2[h] = _mm512_ternarylogic_epi32(_mm512_srli_epi64(pa, 32), c3[h], kk1, 0x96);
      c1[h] = pb;
      c3[h] = pa;
    }
    k0 += kPhiloxW0;
    k1 += kPhiloxW1;
  }
  // Low halves of two 8-block vectors → one 16-lane vector (blocks in order).
  const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  for (int g = 0; g < 2; ++g) {
    out[0][g] = _mm512_permutex2var_epi32(c0[2 * g], even, c0[2 * g + 1]);
    out[1][g] = _mm512_permutex2var_epi32(c1[2 * g], even, c1[2 * g + 1]);
    out[2][g] = _mm512_permutex2var_epi32(c2[2 * g], even, c2[2 * g + 1]);
    out[3][g] = _mm512_permutex2var_epi32(c3[2 * g], even, c3[2 * g + 1]);
  }
}

AIMC_AVX512 void normals_avx512(uint64_t first_block, uint32_t stream, uint32_t purpose, uint32_t key0, uint32_t key1,
                                float* out) {
  for (int chunk = 0; chunk < kLanes / 32; ++chunk) {
    __m512i w[4][2];
    philox32(first_block + 32 * static_cast<uint64_t>(chunk), stream, purpose, key0, key1, w);
    for (int g = 0; g < 2; ++g) {
      __m512 a, b, c, d;
      box_muller16(w[0][g], w[1][g], a, b);
      box_muller16(w[2][g], w[3][g], c, d);
      // out[4l + k]: transpose 4 × 16 → 16 × 4
      const __m512 t0 = _mm512_unpacklo_ps(a, b), t1 = _mm512_unpackhi_ps(a, b);
      const __m512 t2 = _mm512_unpacklo_ps(c, d), t3 = _mm512_unpackhi_ps(c, d);
      const __m512 u0 = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t0), _mm512_castps_pd(t2)));
      const __m512 u1 = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t0), _mm512_castps_pd(t2)));
      const __m512 u2 = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t1), _mm512_castps_pd(t3)));
      const __m512 u3 = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t1), _mm512_castps_pd(t3)));
      const __m512 v0 = _mm512_shuffle_f32x4(u0, u1, 0x44), v1 = _mm512_shuffle_f32x4(u2, u3, 0x44);
      const __m512 v2 = _mm512_shuffle_f32x4(u0, u1, 0xEE), v3 = _mm512_shuffle_f32x4(u2, u3, 0xEE);
      float* o = out + 128 * chunk + 64 * g;
      _mm512_storeu_ps(o, _mm512_shuffle_f32x4(v0, v1, 0x88));
      _mm512_storeu_ps(o + 16, _mm512_shuffle_f32x4(v0, v1, 0xDD));
      _mm512_storeu_ps(o + 32, _mm512_shuffle_f32x4(v2, v3, 0x88));
      _mm512_storeu_ps(o + 48, _mm512_shuffle_f32x4(v2, v3, 0xDD));
    }
  }
}
AIMC_INTRINSICS_END
#endif

// Normals of counter blocks first_block .. first_block + kLanes − 1 (4·kLanes numbers) into out,
// with the fastest kernel this CPU runs (all kernels give the same numbers).
void normals(uint64_t first_block, uint32_t stream, uint32_t purpose, uint32_t key0, uint32_t key1, float* out, bool portable) {
#if defined(__x86_64__)
  if (!portable && cpu_has_avx512()) {
    normals_avx512(first_block, stream, purpose, key0, key1, out);
    return;
  }
#endif
  normals_of_blocks(first_block, stream, purpose, key0, key1, out);
}

// Calls sink(offset, values, count) over consecutive pieces of normals first .. first + n − 1.
template <class Sink>
void generate(uint64_t first, size_t n, uint32_t stream, uint32_t purpose, const uint32_t key[2], bool portable, Sink&& sink) {
  constexpr uint64_t kChunk = 4 * kLanes;
  alignas(64) float buffer[kChunk];
  size_t done = 0;
  while (done < n) {
    const uint64_t index = first + done;
    const uint64_t skip = index % 4;
    normals(index / 4, stream, purpose, key[0], key[1], buffer, portable);
    const size_t take = std::min<size_t>(kChunk - skip, n - done);
    sink(done, buffer + skip, take);
    done += take;
  }
}

}  // namespace

NoiseStream::NoiseStream(uint64_t seed, uint32_t stream, RngPurpose purpose)
    : m_key{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)},
      m_stream(stream),
      m_purpose(static_cast<uint32_t>(purpose)) {}

void NoiseStream::block(uint64_t block, uint32_t out[4]) const {
  uint32_t c0 = m_stream, c1 = m_purpose, c2 = static_cast<uint32_t>(block), c3 = static_cast<uint32_t>(block >> 32);
  uint32_t k0 = m_key[0], k1 = m_key[1];
  for (int r = 0; r < kPhiloxRounds; ++r) {
    const uint64_t p0 = static_cast<uint64_t>(kPhiloxM0) * c0;
    const uint64_t p1 = static_cast<uint64_t>(kPhiloxM1) * c2;
    const uint32_t n0 = static_cast<uint32_t>(p1 >> 32) ^ c1 ^ k0;
    const uint32_t n2 = static_cast<uint32_t>(p0 >> 32) ^ c3 ^ k1;
    c1 = static_cast<uint32_t>(p1);
    c3 = static_cast<uint32_t>(p0);
    c0 = n0;
    c2 = n2;
    k0 += kPhiloxW0;
    k1 += kPhiloxW1;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

void NoiseStream::fill_normal(uint64_t first, std::span<float> out) const {
  float* dst = out.data();
  generate(first, out.size(), m_stream, m_purpose, m_key, false,
           [dst](size_t at, const float* z, size_t n) { std::memcpy(dst + at, z, n * sizeof(float)); });
}

void NoiseStream::fill_normal_portable(uint64_t first, std::span<float> out) const {
  float* dst = out.data();
  generate(first, out.size(), m_stream, m_purpose, m_key, true,
           [dst](size_t at, const float* z, size_t n) { std::memcpy(dst + at, z, n * sizeof(float)); });
}

void NoiseStream::add_normal(uint64_t first, float scale, std::span<float> out) const {
  float* dst = out.data();
  generate(first, out.size(), m_stream, m_purpose, m_key, false, [dst, scale](size_t at, const float* z, size_t n) {
    float* d = dst + at;
    for (size_t i = 0; i < n; ++i) d[i] += scale * z[i];
  });
}

}  // namespace aimc::device
