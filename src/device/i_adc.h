// IAdc: the converter that digitises a column (STYLE P1; chosen by `cores.adc.kind`): a linear
// quantiser with saturation (CCO, SAR, flash, ideal) or a 1-bit comparator.
//
// Input values are in LSB units of the converter (analog value / LSB) so one implementation serves
// every technology; column-to-column gain and offset variation left after calibration come in
// AdcColumns, drawn once per tile.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace aimc::device {

// Per-column converter variation: code = round(v · gain[c] + offset[c]) before saturation.
struct AdcColumns {
  std::vector<float> gain;    // 1 = nominal
  std::vector<float> offset;  // LSB
};

enum class AdcPolarity { Signed, Unsigned };

class IAdc {
 public:
  virtual ~IAdc() = default;
  virtual std::string_view name() const = 0;
  virtual int64_t bits() const = 0;
  virtual float code_min() const = 0;
  virtual float code_max() const = 0;
  // In place over a row-major [n × cols] block: v (LSB units) becomes the output code. Pre:
  // columns.gain and columns.offset have `cols` entries.
  virtual void convert(std::span<float> v, int64_t cols, const AdcColumns& columns) const = 0;
  // True when convert() is exactly code = round_even(clampf(v·gain[c] + offset[c], code_min, code_max))
  // (numeric.h), so a hot loop may fuse it with the operations around it.
  virtual bool linear() const { return false; }
};

}  // namespace aimc::device
