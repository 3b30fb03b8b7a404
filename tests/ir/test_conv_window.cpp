// A Conv's window (ir/conv_window.h): its geometry from the node's attributes and shapes, and the input
// element each row of an output position's vector reads, in the layer matrix's (c, kh, kw) order.
#include <gtest/gtest.h>

#include "core/error.h"
#include "ir/conv_window.h"
#include "test_errors.h"

namespace aimc {
namespace {

ConvAttrs attrs(std::vector<int64_t> kernel, std::vector<int64_t> stride, std::vector<int64_t> pads, int64_t group = 1) {
  ConvAttrs a;
  a.window.kernel = kernel;
  a.window.strides = std::move(stride);
  a.window.dilations.assign(kernel.size(), 1);
  a.window.pads = std::move(pads);
  a.group = group;
  return a;
}

TEST(ConvWindow, TwoDimensionsWithPaddingAndGroups) {
  // 4 channels in 2 groups, 5 × 5 input, 3 × 3 window, stride 2, padding 1: 3 × 3 outputs.
  const ConvWindow g = conv_window(attrs({3, 3}, {2, 2}, {1, 1, 1, 1}, 2), {1, 4, 5, 5}, {1, 6, 3, 3}, "conv");
  EXPECT_EQ(g.c, 4);
  EXPECT_EQ(g.group, 2);
  EXPECT_EQ(g.h * g.w, 25);
  EXPECT_EQ(g.oh * g.ow, 9);
  EXPECT_EQ(g.kh * g.kw, 9);
  EXPECT_EQ(g.sh, 2);
  EXPECT_EQ(g.pw, 1);
  // Output (0, 0): its window's top-left tap lies in the padding; row 4 (channel 0, ky 1, kx 1) reads (0, 0).
  EXPECT_EQ(g.window_element(0, 0, 0, 0), -1);
  EXPECT_EQ(g.window_element(0, 0, 0, 4), 0);
  // Group 1's first row is channel 2; output (1, 2) centres on input (2, 4): row 4 reads 2·25 + 2·5 + 4.
  EXPECT_EQ(g.window_element(1, 2, 1, 4), 2 * 25 + 2 * 5 + 4);
  // Its tap right of the centre (kx 2) lies past the last column: padding.
  EXPECT_EQ(g.window_element(1, 2, 1, 5), -1);
}

TEST(ConvWindow, OneDimensionHasUnitHeight) {
  const ConvWindow g = conv_window(attrs({3}, {1}, {0, 0}), {1, 2, 10}, {1, 8, 8}, "conv1d");
  EXPECT_EQ(g.h, 1);
  EXPECT_EQ(g.oh, 1);
  EXPECT_EQ(g.kh, 1);
  EXPECT_EQ(g.kw, 3);
  EXPECT_EQ(g.ow, 8);
  EXPECT_EQ(g.window_element(0, 5, 0, 3 + 2), 10 + 7);  // channel 1, tap 2 of output 5
}

TEST(ConvWindow, MoreThanTwoSpatialDimensionsAreNamedInTheError) {
  EXPECT_EQ(test::error_of([] {
              conv_window(attrs({3, 3, 3}, {1, 1, 1}, {0, 0, 0, 0, 0, 0}), {1, 2, 5, 5, 5}, {1, 4, 3, 3, 3}, "c3");
            }),
            "node 'c3': only 1-D and 2-D convolutions run on crossbars");
}

}  // namespace
}  // namespace aimc
