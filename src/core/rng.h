// Counter-based random numbers (Random123 Philox4x32-10).
//
// Every value is a pure function of (seed, stream, purpose, index): the seed is the key,
// (stream, purpose, index) the counter. Any thread may draw any index in any order and get
// the same number, so results never depend on thread count, batch split or scheduling.
// Typical keys: stream = tile id, purpose = what the numbers are for, index = device or
// element index (an index may also combine e.g. repeat and device index).
#pragma once

#include <cstdint>
#include <span>

namespace aimc {

// What a stream of random numbers is used for; distinct purposes never share numbers.
enum class RngPurpose : uint32_t {
  test = 0,
  programming_noise = 1,
  drift_exponent = 2,
  read_noise = 3,
  adc_variation = 4,
  faults = 5,
  output_noise = 6,
  mismatch = 7,
  calibration = 8,
  training = 9,
};

class Rng {
 public:
  Rng(uint64_t seed, uint32_t stream, RngPurpose purpose);

  // Four uniform 32-bit words of counter block `block`.
  void block(uint64_t block, uint32_t out[4]) const;
  // Value `index` of the stream: 32 random bits.
  uint32_t bits(uint64_t index) const;
  // Uniform in (0, 1), never exactly 0 or 1.
  float uniform(uint64_t index) const;
  // Standard normal N(0, 1) (Box-Muller on a block's words).
  float normal(uint64_t index) const;

  // out[i] = uniform(first + i) / normal(first + i), computed a block at a time.
  void fill_uniform(uint64_t first, std::span<float> out) const;
  void fill_normal(uint64_t first, std::span<float> out) const;

 private:
  uint32_t m_key[2];
  uint32_t m_stream;
  uint32_t m_purpose;
};

}  // namespace aimc
