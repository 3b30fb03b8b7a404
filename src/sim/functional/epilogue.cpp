#include "sim/functional/epilogue.h"

#include <bit>
#include <type_traits>

#include "core/error.h"
#include "device/numeric.h"

#define AIMC_CLONES __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")))

namespace aimc::functional {

namespace {
// The saturation rule of every count: a code at hi, or at lo when the converter is signed (an unsigned
// converter's 0 is an exact result as often as an underflow). `low_end` is lo when it counts, else a
// value no code takes, so the test is two compares without a branch.
[[gnu::always_inline]] inline float low_end(float lo) { return lo < 0 ? lo : -1.0f; }

// The linear ADC's code of column value v (gain, offset, clamp, round half to even).
[[gnu::always_inline]] inline float adc_code(float v, float gain, float offset, float lo, float hi) {
  return device::round_even(device::clampf(v * gain + offset, lo, hi));
}

// One row's digital scale: dead columns read 0. The loops take their bound from a local: with
// `ep.cols` as the bound the ResNet-20 evaluation ran 25 % slower.
[[gnu::always_inline]] inline void scale_row(const ColumnEpilogue& ep, float* __restrict o) {
  const int64_t cols = ep.cols;
  const float* __restrict scale = ep.scale.data();
  const int32_t* __restrict dead = ep.dead.data();
#pragma omp simd
  for (int64_t c = 0; c < cols; ++c) o[c] = dead[c] ? 0.0f : o[c] * scale[c];
}

// One row's fused converter with its saturation count (kClip: a four-phase clipped-phase flag per
// column counts too). Masks without branches, so the loop vectorises with its integer sum.
template <bool kClip>
[[gnu::always_inline]] inline int32_t finish_counted(const ColumnEpilogue& ep, float* __restrict o,
                                                     const uint8_t* __restrict clip) {
  const float* __restrict scale = ep.scale.data();
  const int32_t* __restrict dead = ep.dead.data();
  const float* __restrict gain = ep.gain;
  const float* __restrict offset = ep.offset;
  const float lo = ep.code_lo, hi = ep.code_hi, low = low_end(lo);
  int32_t saturated = 0;
  for (int64_t c = 0; c < ep.cols; ++c) {
    const float code = adc_code(o[c], gain[c], offset[c], lo, hi);
    int32_t end = static_cast<int32_t>(code == hi) | static_cast<int32_t>(code == low);
    if constexpr (kClip) end |= static_cast<int32_t>(clip[c]);
    saturated += end & static_cast<int32_t>(dead[c] == 0);
    o[c] = dead[c] ? 0.0f : code * scale[c];
  }
  return saturated;
}

// The fused linear ADC and digital scale of one row (see ColumnEpilogue::fused); with ep.count,
// returns how many of its live columns' codes saturated. The counting loop is apart: its compares
// cost the plain one about 5 % of a ResNet-20 evaluation.
[[gnu::always_inline]] inline int64_t finish_row(const ColumnEpilogue& ep, float* __restrict o,
                                                 const uint8_t* __restrict clip = nullptr) {
  if (!ep.convert) {
    scale_row(ep, o);
    return 0;
  }
  if (ep.count) return clip != nullptr ? finish_counted<true>(ep, o, clip) : finish_counted<false>(ep, o, nullptr);
  const float* __restrict gain = ep.gain;
  const float* __restrict offset = ep.offset;
  const float* __restrict scale = ep.scale.data();
  const int32_t* __restrict dead = ep.dead.data();
  const float lo = ep.code_lo, hi = ep.code_hi;
  const int64_t cols = ep.cols;
#pragma omp simd
  for (int64_t c = 0; c < cols; ++c) {
    const float code = adc_code(o[c], gain[c], offset[c], lo, hi);
    o[c] = dead[c] ? 0.0f : code * scale[c];
  }
  return 0;
}

template <bool kAlso>
[[gnu::always_inline]] inline int64_t count_codes_at_ends(const float* __restrict codes, int64_t n, float lo, float hi,
                                                          const uint8_t* __restrict also) {
  const float low = low_end(lo);
  int64_t k = 0;
  for (int64_t i = 0; i < n; ++i) {
    int64_t end = static_cast<int64_t>(codes[i] == hi) | static_cast<int64_t>(codes[i] == low);
    if constexpr (kAlso) end |= static_cast<int64_t>(also[i] != 0);
    k += end;
  }
  return k;
}
}  // namespace

namespace {
// A GEMM column's value: the float sum, or an int8 GEMM's integer sum times its column's step
// (float(sum) × step, as FixedGemm converts it).
template <class S>
[[gnu::always_inline]] inline float column_value(const S* __restrict v, const float* __restrict step, int64_t c) {
  if constexpr (std::is_same_v<S, float>) {
    return v[c];
  } else {
    return static_cast<float>(v[c]) * step[c];
  }
}

// The last step of both plain row kernels: column c's output for v, its value in LSBs (the fused
// linear ADC's code, times the digital scale; dead columns 0).
struct PlainOutput {
  const float* __restrict gain;
  const float* __restrict offset;
  const float* __restrict scale;
  const int32_t* __restrict dead;
  float lo, hi;
  explicit PlainOutput(const ColumnEpilogue& ep)
      : gain(ep.gain), offset(ep.offset), scale(ep.scale.data()), dead(ep.dead.data()), lo(ep.code_lo), hi(ep.code_hi) {}
  [[gnu::always_inline]] float operator()(float v, int64_t c) const {
    const float code = adc_code(v, gain[c], offset[c], lo, hi);
    return dead[c] ? 0.0f : code * scale[c];
  }
};

// The plain case of both kernels (no output noise, a fused linear ADC, no counting) in one pass per
// row: the same arithmetic as the general loops, element by element. (With the column count a
// template constant GCC unrolled the short rows into scalar code: 20 % slower.)
template <class S>
[[gnu::always_inline]] inline void one_phase_rows(const ColumnEpilogue& ep, const S* g, const float* step, int64_t n,
                                                  float* out) {
  const int64_t cols = ep.cols;
  const float* __restrict lsb = ep.lsb.data();
  const PlainOutput output(ep);
  for (int64_t i = 0; i < n; ++i) {
    const S* __restrict gi = g + i * cols;
    float* __restrict oi = out + i * cols;
#pragma omp simd
    for (int64_t c = 0; c < cols; ++c) oi[c] = output(column_value(gi, step, c) / lsb[c], c);
  }
}
bool plain(const ColumnEpilogue& ep, const float* z) { return z == nullptr && ep.convert && ep.fused && !ep.count; }
}  // namespace

AIMC_CLONES int64_t column_sums_one_phase(const ColumnEpilogue& ep, const float* g, const float* z, int64_t n, float* out) {
  const int64_t cols = ep.cols;
  if (plain(ep, z)) {
    one_phase_rows(ep, g, nullptr, n, out);
    return 0;
  }
  int64_t saturated = 0;
  const float* __restrict lsb = ep.lsb.data();
  const float* __restrict sd = ep.noise.data();
  for (int64_t i = 0; i < n; ++i) {
    const float* __restrict gi = g + i * cols;
    float* __restrict oi = out + i * cols;
    if (z) {
      const float* __restrict zi = z + i * cols;
      if (ep.convert) {
#pragma omp simd
        for (int64_t c = 0; c < cols; ++c) oi[c] = (gi[c] + sd[c] * zi[c]) / lsb[c];
      } else {
#pragma omp simd
        for (int64_t c = 0; c < cols; ++c) oi[c] = gi[c] + sd[c] * zi[c];
      }
    } else if (ep.convert) {
#pragma omp simd
      for (int64_t c = 0; c < cols; ++c) oi[c] = gi[c] / lsb[c];
    } else {
#pragma omp simd
      for (int64_t c = 0; c < cols; ++c) oi[c] = gi[c];
    }
    if (ep.fused) saturated += finish_row(ep, oi);
  }
  return saturated;
}

namespace {
// Two independent selects (max then min), so the loops if-convert and vectorise: a branch per
// phase mispredicts half the time on noisy phases near 0.
[[gnu::always_inline]] inline float saturate(float v, float hi) {
  const float lo = v < 0.0f ? 0.0f : v;
  return hi < lo ? hi : lo;
}
}  // namespace

// One row of four noisy, saturating phases (a separate function with restrict arguments, so GCC
// vectorises it; inline in the row loop it did not).
[[gnu::always_inline]] inline void noisy_phases(const float* __restrict pp, const float* __restrict pm,
                                                const float* __restrict mp, const float* __restrict mm,
                                                const float* __restrict z0, const float* __restrict z1,
                                                const float* __restrict z2, const float* __restrict z3,
                                                const float* __restrict sd, const float* __restrict fs,
                                                const float* __restrict lsb, int64_t cols, float* __restrict o) {
#pragma omp simd
  for (int64_t c = 0; c < cols; ++c) {
    const float a = saturate(pp[c] + sd[c] * z0[c], fs[c]);
    const float b = saturate(pm[c] + sd[c] * z1[c], fs[c]);
    const float d = saturate(mp[c] + sd[c] * z2[c], fs[c]);
    const float e = saturate(mm[c] + sd[c] * z3[c], fs[c]);
    o[c] = (a - b - d + e) / lsb[c];
  }
}

// Per output of one row: 1 when one of its four phases (with its noise, as the kernels add it)
// reached the phase full scale. A pass of its own: folded into the phase loops it cost more.
[[gnu::always_inline]] inline void phase_clips(const float* __restrict pp, const float* __restrict pm, const float* __restrict mp,
                                               const float* __restrict mm, const float* __restrict z, const float* __restrict sd,
                                               const float* __restrict fs, int64_t cols, uint8_t* __restrict flags) {
  if (z == nullptr) {
#pragma omp simd
    for (int64_t c = 0; c < cols; ++c) {
      flags[c] = static_cast<uint8_t>((pp[c] >= fs[c]) | (pm[c] >= fs[c]) | (mp[c] >= fs[c]) | (mm[c] >= fs[c]));
    }
    return;
  }
  const float* __restrict z1 = z + cols;
  const float* __restrict z2 = z1 + cols;
  const float* __restrict z3 = z2 + cols;
#pragma omp simd
  for (int64_t c = 0; c < cols; ++c) {
    const float a = pp[c] + sd[c] * z[c], b = pm[c] + sd[c] * z1[c];
    const float d = mp[c] + sd[c] * z2[c], e = mm[c] + sd[c] * z3[c];
    flags[c] = static_cast<uint8_t>((a >= fs[c]) | (b >= fs[c]) | (d >= fs[c]) | (e >= fs[c]));
  }
}

namespace {
// four_phase's plain case (see one_phase_rows). Without q (no negative inputs) the P−± terms are
// left out: saturate(+0) − … is +0, and (a − b) − 0 + 0 equals a − b for a, b ≥ +0 (a GEMM's sums
// from +0 are never −0), so the bits are those of the general loop.
template <bool kNeg, class S>
[[gnu::always_inline]] inline void four_phase_rows(const ColumnEpilogue& ep, const S* p, const S* q, const float* step, int64_t n,
                                                   float* out) {
  const int64_t cols = ep.cols;
  const float* step_m = step != nullptr ? step + cols : nullptr;  // the P·− columns' steps
  const float* __restrict lsb = ep.lsb.data();
  const float* __restrict fs = ep.full_scale.data();
  const PlainOutput output(ep);
  for (int64_t i = 0; i < n; ++i) {
    const S* __restrict pp = p + i * 2 * cols;
    const S* __restrict pm = pp + cols;
    const S* __restrict mp = kNeg ? q + i * 2 * cols : nullptr;
    const S* __restrict mm = kNeg ? mp + cols : nullptr;
    float* __restrict oi = out + i * cols;
#pragma omp simd
    for (int64_t c = 0; c < cols; ++c) {
      const float a = saturate(column_value(pp, step, c), fs[c]), b = saturate(column_value(pm, step_m, c), fs[c]);
      float v = 0;
      if constexpr (kNeg) {
        v = (a - b - saturate(column_value(mp, step, c), fs[c]) + saturate(column_value(mm, step_m, c), fs[c])) / lsb[c];
      } else {
        v = (a - b) / lsb[c];
      }
      oi[c] = output(v, c);
    }
  }
}
}  // namespace

AIMC_CLONES int64_t column_sums_four_phase(const ColumnEpilogue& ep, const float* p, const float* q, const float* z, int64_t n,
                                           float* out, uint8_t* clipped) {
  const int64_t cols = ep.cols;
  if (plain(ep, z)) {
    if (q != nullptr) {
      four_phase_rows<true>(ep, p, q, nullptr, n, out);
    } else {
      four_phase_rows<false>(ep, p, q, nullptr, n, out);
    }
    return 0;
  }
  int64_t saturated = 0;
  const float* __restrict lsb = ep.lsb.data();
  const float* __restrict sd = ep.noise.data();
  const float* __restrict fs = ep.full_scale.data();
  const bool counting = ep.count && ep.convert;
  thread_local std::vector<uint8_t> row_buffer;
  if (counting && clipped == nullptr) row_buffer.resize(static_cast<size_t>(cols));
  uint8_t* row_flags = row_buffer.data();
  for (int64_t i = 0; i < n; ++i) {
    const float* __restrict pp = p + i * 2 * cols;
    const float* __restrict pm = pp + cols;
    const float* __restrict mp = q ? q + i * 2 * cols : ep.zeros.data();
    const float* __restrict mm = mp + cols;
    float* __restrict oi = out + i * cols;
    uint8_t* flags = counting ? (clipped != nullptr ? clipped + i * cols : row_flags) : nullptr;
    if (z && ep.convert) {
      const float* __restrict z0 = z + i * 4 * cols;
      const float* __restrict z1 = z0 + cols;
      const float* __restrict z2 = z1 + cols;
      const float* __restrict z3 = z2 + cols;
      noisy_phases(pp, pm, mp, mm, z0, z1, z2, z3, sd, fs, lsb, cols, oi);
    } else if (z) {
      const float* __restrict z0 = z + i * 4 * cols;
      const float* __restrict z1 = z0 + cols;
      const float* __restrict z2 = z1 + cols;
      const float* __restrict z3 = z2 + cols;
#pragma omp simd
      for (int64_t c = 0; c < cols; ++c) {
        oi[c] = (pp[c] + sd[c] * z0[c]) - (pm[c] + sd[c] * z1[c]) - (mp[c] + sd[c] * z2[c]) + (mm[c] + sd[c] * z3[c]);
      }
    } else if (ep.convert) {
#pragma omp simd
      for (int64_t c = 0; c < cols; ++c) {
        oi[c] = (saturate(pp[c], fs[c]) - saturate(pm[c], fs[c]) - saturate(mp[c], fs[c]) + saturate(mm[c], fs[c])) / lsb[c];
      }
    } else {
#pragma omp simd
      for (int64_t c = 0; c < cols; ++c) oi[c] = pp[c] - pm[c] - mp[c] + mm[c];
    }
    if (flags != nullptr) phase_clips(pp, pm, mp, mm, z ? z + i * 4 * cols : nullptr, sd, fs, cols, flags);
    if (ep.fused) saturated += finish_row(ep, oi, flags);
  }
  return saturated;
}

bool plain_epilogue(const ColumnEpilogue& ep, bool noise) { return plain(ep, noise ? ep.noise.data() : nullptr); }

AIMC_CLONES void column_sums_one_phase(const ColumnEpilogue& ep, const int32_t* g, const float* step, int64_t n, float* out) {
  AIMC_ASSERT(plain(ep, nullptr), "column_sums_one_phase from integer sums outside the plain case");
  one_phase_rows(ep, g, step, n, out);
}

AIMC_CLONES void column_sums_four_phase(const ColumnEpilogue& ep, const int32_t* p, const int32_t* q, const float* step,
                                        int64_t n, float* out) {
  AIMC_ASSERT(plain(ep, nullptr), "column_sums_four_phase from integer sums outside the plain case");
  if (q != nullptr) {
    four_phase_rows<true>(ep, p, q, step, n, out);
  } else {
    four_phase_rows<false>(ep, p, q, step, n, out);
  }
}

AIMC_CLONES void scale_columns(const ColumnEpilogue& ep, int64_t n, float* out) {
  for (int64_t i = 0; i < n; ++i) scale_row(ep, out + i * ep.cols);
}

AIMC_CLONES int64_t count_saturated(const float* codes, int64_t n, float lo, float hi, const uint8_t* also) {
  return also != nullptr ? count_codes_at_ends<true>(codes, n, lo, hi, also)
                         : count_codes_at_ends<false>(codes, n, lo, hi, nullptr);
}

AIMC_CLONES void levels_over_lsb(const uint32_t* counts, const float* z, float sd, float lsb, size_t n, float* v) {
  const uint32_t* __restrict c = counts;
  float* __restrict out = v;
  if (z) {
    const float* __restrict zz = z;
    for (size_t k = 0; k < n; ++k) out[k] = (static_cast<float>(c[k]) + sd * zz[k]) / lsb;
  } else {
    for (size_t k = 0; k < n; ++k) out[k] = static_cast<float>(c[k]) / lsb;
  }
}

AIMC_CLONES void weighted_code_sums(const float* code, const int32_t* w, int64_t planes, int64_t phys, int64_t* t) {
  int64_t* __restrict acc = t;
  for (int64_t p = 0; p < phys; ++p) acc[p] = 0;
  for (int64_t i = 0; i < planes; ++i) {
    const float* __restrict ci = code + i * phys;
    const int32_t* __restrict wi = w + i * phys;
    // In 64 bits: a plane's weight reaches 2^30 (16-bit inputs and weights) and a 16-bit ADC's code 2^16.
    for (int64_t p = 0; p < phys; ++p) acc[p] += static_cast<int64_t>(wi[p]) * static_cast<int64_t>(ci[p]);
  }
}

AIMC_CLONES bool split_signs(float* pos, size_t n, float* neg) {
  float* __restrict q = pos;
  uint32_t sign = 0;
  for (size_t i = 0; i < n; ++i) sign |= std::bit_cast<uint32_t>(q[i]);
  if ((sign >> 31) == 0) return false;  // none negative: one read-only pass
  float* __restrict m = neg;
  for (size_t i = 0; i < n; ++i) {
    const float v = q[i];
    q[i] = v > 0.0f ? v : 0.0f;
    m[i] = v < 0.0f ? -v : 0.0f;
  }
  return true;
}

}  // namespace aimc::functional
