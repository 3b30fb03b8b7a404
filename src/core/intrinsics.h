// x86 SIMD intrinsics in functions given a `target` attribute (run-time dispatched kernels). GCC 12
// warns about the intrinsics headers' own _mm512_undefined_* there (a known false positive), so such
// code sits between AIMC_INTRINSICS_BEGIN and AIMC_INTRINSICS_END.
#pragma once

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#if defined(__clang__)
#define AIMC_INTRINSICS_BEGIN _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wuninitialized\"")
#else
#define AIMC_INTRINSICS_BEGIN                                                          \
  _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wuninitialized\"") \
      _Pragma("GCC diagnostic ignored \"-Wmaybe-uninitialized\"")
#endif
#define AIMC_INTRINSICS_END _Pragma("GCC diagnostic pop")

namespace aimc {

// What this CPU runs, for the kernels' run-time dispatch (each kernel also has a portable version
// giving the same bits). The AVX-512 base: F, BW, DQ and VL (every AVX-512 CPU since Skylake-SP).
inline bool cpu_has_avx512() {
#if defined(__x86_64__)
  static const bool yes = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  return yes;
#else
  return false;
#endif
}
// The base and VBMI's byte permutes (Ice Lake, Zen 4 and later).
inline bool cpu_has_avx512_vbmi() {
#if defined(__x86_64__)
  static const bool yes = cpu_has_avx512() && __builtin_cpu_supports("avx512vbmi");
  return yes;
#else
  return false;
#endif
}
// The base and VPOPCNTDQ's 64-bit population counts (Ice Lake, Zen 4 and later).
inline bool cpu_has_avx512_vpopcntdq() {
#if defined(__x86_64__)
  static const bool yes = cpu_has_avx512() && __builtin_cpu_supports("avx512vpopcntdq") && __builtin_cpu_supports("popcnt");
  return yes;
#else
  return false;
#endif
}

}  // namespace aimc
