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
