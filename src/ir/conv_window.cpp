#include "ir/conv_window.h"

#include "core/error.h"

namespace aimc {

ConvWindow conv_window(const ConvAttrs& a, const Shape& in, const Shape& out, const std::string& node) {
  const WindowAttrs& win = a.window;
  const size_t dims = win.kernel.size();
  if ((dims != 1 && dims != 2) || in.size() != dims + 2 || out.size() != dims + 2)
    throw Error("only 1-D and 2-D convolutions run on crossbars", ErrorContext{.node = node});
  ConvWindow g;
  g.group = a.group;
  g.c = in[1];
  g.w = in.back();
  g.ow = out.back();
  const size_t x = dims - 1;  // the W dim's index in the window attributes
  g.kw = win.kernel[x], g.sw = win.strides[x], g.dw = win.dilations[x], g.pw = win.pads[x];
  if (dims == 2) {
    g.h = in[2], g.oh = out[2];
    g.kh = win.kernel[0], g.sh = win.strides[0], g.dh = win.dilations[0], g.ph = win.pads[0];
  }
  return g;
}

}  // namespace aimc
