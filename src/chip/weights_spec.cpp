#include "chip/weights_spec.h"

#include <algorithm>

#include "chip/schema/schema.h"

namespace aimc::chip {

namespace {
const EnumCodec<WeightScheme>& weight_scheme_codec() {
  static const EnumCodec<WeightScheme> c{
      {{"differential", WeightScheme::Differential}, {"binary", WeightScheme::Binary}, {"bit-sliced", WeightScheme::BitSliced}}};
  return c;
}
}  // namespace

std::string to_string(WeightScheme scheme) { return weight_scheme_codec().name_of(scheme); }

const Schema<WeightEncodingSpec>& weights_schema() {
  static const Schema<WeightEncodingSpec> s =
      Schema<WeightEncodingSpec>("weights", "How a weight is stored in the crossbar's cells.")
          .required("scheme", &WeightEncodingSpec::scheme, weight_scheme_codec(),
                    "`differential` (G+ − G− per unit cell), `binary` (±1 per cell) or `bit-sliced` (one "
                    "binary cell per weight bit, a b-bit weight spans b columns)")
          .optional("devices_per_polarity", &WeightEncodingSpec::devices_per_polarity, IntCodec{1, 16},
                    "differential only: devices per polarity in a unit cell (HERMES ODP 1, TDP 2)")
          .optional("bits", &WeightEncodingSpec::bits, IntCodec{1, 16},
                    "differential: quantisation before programming (absent: analog); bit-sliced: largest "
                    "weight precision; binary: not allowed")
          .rule("`devices_per_polarity` is given exactly when scheme is differential",
                [](const WeightEncodingSpec& w, const Site& site) {
                  const bool differential = w.scheme == WeightScheme::Differential;
                  if (differential && !w.devices_per_polarity) {
                    site.fail_key("devices_per_polarity", "missing; expected an integer in 1..16 for scheme differential");
                  }
                  if (!differential && w.devices_per_polarity) {
                    site.fail_key("devices_per_polarity",
                                  "only for scheme differential; remove it for scheme " + to_string(w.scheme));
                  }
                })
          .rule("`bits` is required for bit-sliced and not allowed for binary",
                [](const WeightEncodingSpec& w, const Site& site) {
                  if (w.scheme == WeightScheme::BitSliced && !w.bits) {
                    site.fail_key("bits", "missing; expected an integer in 1..16 for scheme bit-sliced");
                  }
                  if (w.scheme == WeightScheme::Binary && w.bits) {
                    site.fail_key("bits", "not allowed for scheme binary (weights are ±1)");
                  }
                });
  return s;
}

int64_t columns_per_weight(const WeightEncodingSpec& w, int64_t weight_bits) {
  return w.scheme == WeightScheme::BitSliced ? weight_bits : 1;
}

std::optional<int64_t> peak_weight_bits(const WeightEncodingSpec& w, int64_t input_bits) {
  switch (w.scheme) {
    case WeightScheme::BitSliced:
      return std::min(input_bits, w.bits.value_or(input_bits));
    case WeightScheme::Binary:
      return 1;
    case WeightScheme::Differential:
      return w.bits;
  }
  return std::nullopt;
}

std::optional<int64_t> max_weight_bits(const WeightEncodingSpec& w) {
  return w.scheme == WeightScheme::Binary ? std::optional<int64_t>(1) : w.bits;
}

}  // namespace aimc::chip
