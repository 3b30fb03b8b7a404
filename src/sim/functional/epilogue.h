// The per-column arithmetic after a crossbar's column sums (the analog tile's MVM epilogue), as
// plain loops over a chunk of rows in cache. Compiled for AVX-512 / AVX2 / baseline with run-time
// selection (target clones) and without FMA contraction, so every CPU computes the same bits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace aimc::functional {

// Per-column constants of one MVM.
struct ColumnEpilogue {
  int64_t cols = 0;
  bool convert = true;            // ADC present: v / LSB (and four-phase saturation)
  std::vector<float> lsb;         // ADC LSB (unit products)
  std::vector<float> noise;       // σ of the output noise per draw (unit products)
  std::vector<float> full_scale;  // ADC full scale (four-phase per-phase saturation)
  std::vector<float> scale;       // code → weight domain: LSB · input_step / s · α
  std::vector<int32_t> dead;      // 1: the column reads 0 (32 bits, as wide as the floats: the column loops vectorise
                                  // 8 or 16 wide, so a 16-column chunk takes no scalar tail)
  std::vector<float> zeros;       // four phases: 2·cols of +0 (the P−± rows when q = nullptr)
  // A linear ADC (IAdc::linear) fused into the column kernels: with `fused`, they write final
  // outputs dead ? 0 : round_even(clampf(v·gain + offset, code_lo, code_hi))·scale (convert) or
  // dead ? 0 : v·scale (no converters); without, v and the caller converts and scales.
  bool fused = false;
  bool count = false;  // the fused kernels count saturated codes (returned by column_sums_*)
  float code_lo = 0, code_hi = 0;
  const float* gain = nullptr;
  const float* offset = nullptr;
};

// v[i, c] = (g[i, c] + noise[c]·z[i, c]) / lsb[c] (without z: no noise; without convert: no
// division), then out = v, or the final output when ep.fused. g and z are n × cols. Both column-sum
// kernels return how many live columns' codes saturated when they convert (fused) and ep.count, else 0.
int64_t column_sums_one_phase(const ColumnEpilogue& ep, const float* g, const float* z, int64_t n, float* out);
// Four phases per output from p = [P++ | P+−] and q = [P−+ | P−−] (rows of 2·cols; q = nullptr:
// all +0, no negative inputs), noise z (rows of 4·cols, phase k at k·cols): each phase
// P + noise[c]·z saturates at [0, full_scale[c]] (convert), v = (P++ − P+− − P−+ + P−−) / lsb[c];
// out as above. With ep.count, a conversion whose phase reached full_scale counts as saturated too,
// and `clipped` (n × cols, or nullptr) receives those per-output flags for a converter run after it.
int64_t column_sums_four_phase(const ColumnEpilogue& ep, const float* p, const float* q, const float* z, int64_t n, float* out,
                               uint8_t* clipped = nullptr);
// Whether the kernels above take their one-pass plain case: no output noise (noise false), a fused
// linear ADC, no saturation counting.
bool plain_epilogue(const ColumnEpilogue& ep, bool noise);
// The same kernels in their plain case, from an int8 GEMM's integer sums (g, p, q as above, int32):
// each GEMM column's value float(sum) × step[column] (step: one per GEMM column, 2·cols for four
// phases), as FixedGemm converts them, so the outputs are the same bits. Pre: plain_epilogue(ep, false).
void column_sums_one_phase(const ColumnEpilogue& ep, const int32_t* g, const float* step, int64_t n, float* out);
void column_sums_four_phase(const ColumnEpilogue& ep, const int32_t* p, const int32_t* q, const float* step, int64_t n,
                            float* out);
// out[i, c] = dead[c] ? 0 : out[i, c]·scale[c].
void scale_columns(const ColumnEpilogue& ep, int64_t n, float* out);
// How many of n ADC codes sit at the converter's end: hi, or lo too when the converter is signed
// (lo < 0; an unsigned converter's 0 is an exact result as often as an underflow).
// With `also` (n flags), a code whose flag is set counts too.
int64_t count_saturated(const float* codes, int64_t n, float lo, float hi, const uint8_t* also = nullptr);
// Bit-serial conversions: v[k] = (counts[k] + sd·z[k]) / lsb (without z: counts[k] / lsb).
void levels_over_lsb(const uint32_t* counts, const float* z, float sd, float lsb, size_t n, float* v);
// t[p] = Σ_i w[i·phys + p]·code[i·phys + p] for p < phys (codes: integers as floats, |code| < 2^31), in 64 bits.
void weighted_code_sums(const float* code, const int32_t* w, int64_t planes, int64_t phys, int64_t* t);
// In place: neg[i] = max(−pos[i], 0), pos[i] = max(pos[i], 0) (+0 for zeros and −0), and returns
// true, when some pos[i] has its sign bit set; else leaves pos as it is (all ≥ +0) and returns false.
bool split_signs(float* pos, size_t n, float* neg);

}  // namespace aimc::functional
