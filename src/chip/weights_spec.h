// How a weight is stored in the crossbar (`cores.weights`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace aimc::chip {

template <class S>
class Schema;

enum class WeightScheme {
  Differential,  // one unit cell per weight, a positive and a negative conductance (G+ − G−)
  Binary,        // one cell per weight holding ±1 (e.g. a 6T cell driving BL or BLB)
  BitSliced,     // one binary cell per weight bit: a b-bit weight spans b columns, recombined digitally
};

struct WeightEncodingSpec {
  WeightScheme scheme = WeightScheme::Differential;
  // differential only: devices per polarity in a unit cell (HERMES: 1 = ODP, 2 = TDP).
  std::optional<int64_t> devices_per_polarity;
  // differential: the precision weights are quantised to before programming (absent: analog
  // values, unquantised); bit-sliced: the largest precision (1..bits are supported); binary: absent.
  std::optional<int64_t> bits;
};

const Schema<WeightEncodingSpec>& weights_schema();
std::string to_string(WeightScheme scheme);

// Columns one weight of `weight_bits` occupies: weight_bits for bit-sliced, else 1.
int64_t columns_per_weight(const WeightEncodingSpec& w, int64_t weight_bits);
// The weight precision a peak figure uses at `input_bits` of input: bit-sliced chips report peak
// figures at equal weight and input precision (capped at `bits`); binary weights are 1 bit;
// differential weights have `bits` (absent for analog weights).
std::optional<int64_t> peak_weight_bits(const WeightEncodingSpec& w, int64_t input_bits);
// The largest weight precision the encoding stores (bit-sliced: bits; binary: 1; else `bits`).
std::optional<int64_t> max_weight_bits(const WeightEncodingSpec& w);

}  // namespace aimc::chip
