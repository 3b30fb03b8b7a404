#include "core/rng.h"

#include <Random123/philox.h>

#include <Random123/boxmuller.hpp>
#include <Random123/uniform.hpp>

namespace aimc {

namespace {
using Philox = r123::Philox4x32;

// Normals come in pairs from Box-Muller: block b holds values 4b..4b+3.
inline void normals_of_block(const uint32_t w[4], float out[4]) {
  r123::float2 a = r123::boxmuller(w[0], w[1]);
  r123::float2 b = r123::boxmuller(w[2], w[3]);
  out[0] = a.x;
  out[1] = a.y;
  out[2] = b.x;
  out[3] = b.y;
}
}  // namespace

Rng::Rng(uint64_t seed, uint32_t stream, RngPurpose purpose)
    : m_key{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)},
      m_stream(stream),
      m_purpose(static_cast<uint32_t>(purpose)) {}

void Rng::block(uint64_t block, uint32_t out[4]) const {
  Philox rng;
  Philox::key_type key = {{m_key[0], m_key[1]}};
  Philox::ctr_type ctr = {{m_stream, m_purpose, static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32)}};
  Philox::ctr_type r = rng(ctr, key);
  for (int i = 0; i < 4; ++i) out[i] = r[i];
}

uint32_t Rng::bits(uint64_t index) const {
  uint32_t w[4];
  block(index / 4, w);
  return w[index % 4];
}

float Rng::uniform(uint64_t index) const { return r123::u01<float>(bits(index)); }

float Rng::normal(uint64_t index) const {
  uint32_t w[4];
  float n[4];
  block(index / 4, w);
  normals_of_block(w, n);
  return n[index % 4];
}

void Rng::fill_uniform(uint64_t first, std::span<float> out) const {
  for (size_t i = 0; i < out.size(); ++i) {
    uint64_t index = first + i;
    if (index % 4 == 0 && i + 4 <= out.size()) {
      uint32_t w[4];
      block(index / 4, w);
      for (int k = 0; k < 4; ++k) out[i + k] = r123::u01<float>(w[k]);
      i += 3;
    } else {
      out[i] = uniform(index);
    }
  }
}

void Rng::fill_normal(uint64_t first, std::span<float> out) const {
  for (size_t i = 0; i < out.size(); ++i) {
    uint64_t index = first + i;
    if (index % 4 == 0 && i + 4 <= out.size()) {
      uint32_t w[4];
      block(index / 4, w);
      normals_of_block(w, &out[i]);
      i += 3;
    } else {
      out[i] = normal(index);
    }
  }
}

}  // namespace aimc
