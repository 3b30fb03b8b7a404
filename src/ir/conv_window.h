// A convolution's window over its input, as the crossbar rows read it: the input vector of an output
// position is its im2col row in (c, kh, kw) order, the layer matrix's row order. One home for the
// geometry: the compiler's calibration statistics (pass quantize) and the functional simulator's
// im2col (sim/functional/conv_vectors.h) both read a Conv node's input through it.
#pragma once

#include <cstdint>
#include <string>

#include "core/tensor.h"
#include "ir/attrs.h"

namespace aimc {

// Over 2 spatial dims (a 1-D conv has H = 1).
struct ConvWindow {
  int64_t c = 0, h = 1, w = 0, oh = 1, ow = 0;
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, ph = 0, pw = 0;
  int64_t group = 1;

  // The element of one sample (C·H·W) that row r of group gi's window at output (oy, ox) reads, in the
  // layer matrix's (c, kh, kw) row order within the group; −1 where the window lies in the zero padding.
  int64_t window_element(int64_t oy, int64_t ox, int64_t gi, int64_t r) const {
    const int64_t ch = gi * (c / group) + r / (kh * kw), ky = r / kw % kh, kx = r % kw;
    const int64_t iy = oy * sh - ph + ky * dh, ix = ox * sw - pw + kx * dw;
    return iy < 0 || iy >= h || ix < 0 || ix >= w ? -1 : (ch * h + iy) * w + ix;
  }
};

// The window of a 1-D or 2-D Conv with these attributes between its input [N, C, (H,) W] and output
// shapes; throws Error naming `node` for more spatial dims.
ConvWindow conv_window(const ConvAttrs& a, const Shape& in, const Shape& out, const std::string& node);

}  // namespace aimc
