#include <gtest/gtest.h>

#include "core/error.h"

namespace aimc {

TEST(Error, FormatsContextOnOneLine) {
  Error e("expected [1, 3]\nbut got more", ErrorContext{.file = "m.onnx", .node = "conv1", .op = "Conv"});
  EXPECT_STREQ(e.what(), "m.onnx: node 'conv1' (Conv): expected [1, 3] but got more");
  EXPECT_EQ(e.message(), "expected [1, 3]\nbut got more");
}

TEST(Error, NamesFromDamagedFilesCannotBreakTheLine) {
  // Found by tests/fuzz/bad_inputs.py: a tensor name with \x1c and \x1e bytes read from a bit-flipped model.
  Error e(
      "tensor 'a\x1c\x1e"
      "b\xe2\x80\xa8"
      "c\xc2\x85"
      "d\x7f' is bad",
      ErrorContext{.file = "m.onnx"});
  EXPECT_STREQ(e.what(), "m.onnx: tensor 'a\\x1c\\x1eb\\xe2\\x80\\xa8c\\xc2\\x85d\\x7f' is bad");
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
