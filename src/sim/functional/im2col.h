// The input vectors of a convolution on a crossbar: one im2col row per output position, in
// (c, kh, kw) order (the layer matrix's row order), zeros where the window lies in the padding.
#pragma once

#include <cstdint>

namespace aimc::functional {

// Conv geometry over 2 spatial dims (1-D convs have H = 1).
struct ConvGeometry {
  int64_t c = 0, h = 1, w = 0, oh = 1, ow = 0;
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, ph = 0, pw = 0;
};

// row[(c·kh + ky)·kw + kx] = x[c, oy·sh − ph + ky·dh, ox·sw − pw + kx·dw] (0 outside the input) for
// output position p = oy·ow + ox of one sample x [C, H, W].
void im2col_vector(const ConvGeometry& g, const float* x, int64_t p, float* row);

}  // namespace aimc::functional
