// Fast standard-normal numbers from the counter-based RNG, for the hot loops of the tile model.
//
// The uniform bits are exactly aimc::Rng's (Random123 Philox4x32-10 with key = seed and counter =
// (stream, purpose, block)), so a value is a pure function of (seed, stream, purpose, index) and
// never depends on thread count, batch split or call order. Only the transform to N(0, 1) differs
// from Rng::normal: a Box-Muller transform whose log, sin and cos are short polynomials
// (relative error < 1e-6). Two kernels give the same numbers bit for bit: explicit AVX-512
// (Philox and Box-Muller on 16 counter blocks per instruction, chosen at run time where the CPU
// has it) and a portable one the compiler vectorises (target clones for x86-64-v3/v4).
#pragma once

#include <cstdint>
#include <span>

#include "core/rng.h"

namespace aimc::device {

class NoiseStream {
 public:
  NoiseStream(uint64_t seed, uint32_t stream, RngPurpose purpose);

  // out[i] = N(0, 1) number `first + i` of this stream.
  void fill_normal(uint64_t first, std::span<float> out) const;
  // fill_normal through the portable kernel only (tests: every kernel gives the same numbers).
  void fill_normal_portable(uint64_t first, std::span<float> out) const;
  // out[i] += scale · N(0, 1) number `first + i` (the same numbers as fill_normal).
  void add_normal(uint64_t first, float scale, std::span<float> out) const;
  // The four 32-bit Philox words of counter block `block` (equal to Rng::block).
  void block(uint64_t block, uint32_t out[4]) const;

 private:
  uint32_t m_key[2];
  uint32_t m_stream;
  uint32_t m_purpose;
};

}  // namespace aimc::device
