// Packed-bit arithmetic of the binary and bit-serial crossbars: 64 rows per uint64 word.
//
// Each kernel has an AVX-512 form (VPOPCNTDQ for the popcounts), chosen at run time where the CPU
// has it, and a portable form; both give the same (integer) results.
#pragma once

#include <cstdint>

namespace aimc::functional {

inline int64_t words_for(int64_t rows) { return (rows + 63) / 64; }

// counts[j] = Σ_w popcount(x[w] & wt[w·ncols + j]) for j < ncols (wt word-major: word w of all
// ncols columns is contiguous).
void and_popcount(const uint64_t* x, const uint64_t* wt, int64_t words, int64_t ncols, uint32_t* counts);

// The same for `planes` input bit-planes at once (x: planes × words, counts: planes × ncols), each
// weight word loaded once for all planes: counts[p·ncols + j] = Σ_w popcount(x[p·words + w] & wt[w·ncols + j]).
void and_popcount_planes(const uint64_t* x, int64_t planes, const uint64_t* wt, int64_t words, int64_t ncols, uint32_t* counts);

// Bit p of the two's-complement integer code of row r → bit r of out[p·words + r/64], for
// p < planes ≤ 32. codes hold integers as floats; words = words_for(rows).
void pack_code_planes(const float* codes, int64_t rows, int64_t planes, uint64_t* out);

// Σ_w popcount(x[w]) over `words` words.
uint32_t popcount_words(const uint64_t* x, int64_t words);

// Which kernels run here ("avx512-vpopcntdq" or "portable"), for benchmarks and logs; `portable`
// forces the portable kernels (tests compare the two).
const char* bit_kernels_isa();
void force_portable_bit_kernels(bool portable);

}  // namespace aimc::functional
