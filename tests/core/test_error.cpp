#include <gtest/gtest.h>

#include "core/error.h"

namespace aimc {

TEST(Error, FormatsContextOnOneLine) {
  Error e("expected [1, 3]\nbut got more", ErrorContext{.file = "m.onnx", .node = "conv1", .op = "Conv"});
  EXPECT_STREQ(e.what(), "m.onnx: node 'conv1' (Conv): expected [1, 3] but got more");
  EXPECT_EQ(e.message(), "expected [1, 3]\nbut got more");
}

TEST(Error, ContextAddedLaterKeepsInnerFields) {
  Error e("bad value", ErrorContext{.field = "cores.adc.bits"});
  e.with_file("chip.yaml").with_field("ignored");
  EXPECT_STREQ(e.what(), "chip.yaml: cores.adc.bits: bad value");
  e.with_node("n", "Add");
  EXPECT_STREQ(e.what(), "chip.yaml: node 'n' (Add): cores.adc.bits: bad value");
}

TEST(Error, AssertThrowsInternalError) {
  EXPECT_THROW(AIMC_ASSERT(1 == 2, "broken"), InternalError);
  EXPECT_NO_THROW(AIMC_ASSERT(true, "fine"));
}

}  // namespace aimc
