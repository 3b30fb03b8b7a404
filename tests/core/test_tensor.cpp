#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/tensor.h"

namespace aimc {

TEST(Tensor, ZeroInitialisedWithShape) {
  Tensor t(DType::f32, {2, 3});
  EXPECT_EQ(t.numel(), 6);
  EXPECT_EQ(t.nbytes(), 24u);
  EXPECT_EQ(t.dim(-1), 3);
  for (float v : t.span<float>()) EXPECT_EQ(v, 0.0f);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw()) % 64, 0u);
}

TEST(Tensor, LargeBuffersAreZeroedAndAlignedLikeSmallOnes) {
  // Above 8 MiB a buffer is taken in 2 MiB-aligned huge pages (core/tensor.cpp); its contract is unchanged.
  for (int64_t n : {int64_t{1000}, int64_t{3} << 20, (int64_t{3} << 20) + 5}) {
    Tensor t(DType::f32, {n});
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw()) % 64, 0u);
    const float* p = t.data<float>();
    EXPECT_TRUE(std::all_of(p, p + n, [](float v) { return v == 0.0f; })) << n;
    Tensor u = Tensor::uninitialized(DType::f32, {n});
    std::fill(u.data<float>(), u.data<float>() + n, 1.0f);  // the whole buffer is writable
    EXPECT_EQ(u.data<float>()[n - 1], 1.0f);
  }
}

TEST(Tensor, WrongTypeAccessIsInternalError) {
  Tensor t(DType::i32, {4});
  EXPECT_THROW(t.data<float>(), InternalError);
  EXPECT_NO_THROW(t.data<int32_t>());
}

TEST(Tensor, NegativeDimensionIsUserError) { EXPECT_THROW(Tensor(DType::f32, {2, -1}), Error); }

// Found by fuzz_onnx: a folded ConstantOfShape of 10^17 elements went to the allocator (a crash under
// ASan, std::bad_alloc otherwise); a product of dimensions past 64 bits wrapped to a small buffer.
TEST(Tensor, ShapesBeyondTheByteLimitOrSixtyFourBitsAreUserErrors) {
  EXPECT_THROW(Tensor(DType::f32, {int64_t{1} << 32, int64_t{1} << 32}), Error);  // 2^64 elements: overflow
  EXPECT_THROW(numel({int64_t{1} << 40, int64_t{1} << 40}), Error);
  const size_t saved = tensor_byte_limit();
  set_tensor_byte_limit(1024);
  EXPECT_NO_THROW(Tensor(DType::f32, {256}));  // exactly 1024 bytes
  const std::string message = [] {
    try {
      Tensor(DType::f32, {257});
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  }();
  set_tensor_byte_limit(saved);
  EXPECT_NE(message.find("shape [257] would need 1028 bytes; expected at most 1024 bytes"), std::string::npos) << message;
  EXPECT_GT(tensor_byte_limit(), size_t{1} << 30);  // by default the machine's memory
}

TEST(Tensor, ReshapeAndSliceShareStorage) {
  Tensor t = Tensor::from<float>({0, 1, 2, 3, 4, 5}, {3, 2});
  Tensor r = t.reshaped({6});
  Tensor s = t.slice_outer(1, 3);
  EXPECT_EQ(s.shape(), (Shape{2, 2}));
  EXPECT_EQ(s.data<float>()[0], 2.0f);
  s.data<float>()[0] = 42.0f;
  EXPECT_EQ(t.data<float>()[2], 42.0f);
  EXPECT_EQ(r.data<float>()[2], 42.0f);
  Tensor c = t.clone();
  c.data<float>()[0] = -1.0f;
  EXPECT_EQ(t.data<float>()[0], 0.0f);
}

TEST(Tensor, CastRoundsToNearestEvenAndSaturates) {
  Tensor t = Tensor::from<float>({0.5f, 1.5f, -2.5f, 300.0f, -300.0f, 2.4f}, {6});
  Tensor i8 = t.cast(DType::i8);
  std::vector<int8_t> want = {0, 2, -2, 127, -128, 2};
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(i8.data<int8_t>()[i], want[i]) << i;
  Tensor u8 = t.cast(DType::u8);
  EXPECT_EQ(u8.data<uint8_t>()[3], 255);
  EXPECT_EQ(u8.data<uint8_t>()[4], 0);
}

TEST(Tensor, Int64VectorKeepsLargeValues) {
  Tensor t = Tensor::from<int64_t>({INT64_MAX, -1}, {2});
  EXPECT_EQ(t.to_int64_vector(), (std::vector<int64_t>{INT64_MAX, -1}));
  EXPECT_THROW(Tensor::from<float>({1.0f}, {1}).to_int64_vector(), InternalError);
}

TEST(Shape, Helpers) {
  EXPECT_EQ(numel({}), 1);
  EXPECT_EQ(numel({2, 0, 3}), 0);
  EXPECT_EQ(shape_str({1, 28, 28}), "[1, 28, 28]");
}

// An adopted tensor reads another object's bytes in place and keeps that object alive (the importer's
// weights: the parsed ONNX model's raw_data, not a copy).
TEST(Tensor, AdoptSharesTheOwnersBytesAndKeepsThemAlive) {
  auto owner = std::make_shared<std::vector<float>>(std::vector<float>{1, 2, 3, 4, 5, 6});
  const float* bytes = owner->data();
  Tensor t = Tensor::adopt(DType::f32, {2, 3}, std::shared_ptr<void>(owner, owner->data()));
  owner.reset();  // the tensor alone holds the vector now
  EXPECT_EQ(t.data<float>(), bytes);
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
  EXPECT_EQ(t.data<float>()[5], 6.0f);
  EXPECT_TRUE(t.sole_owner());
  Tensor copy = t;
  EXPECT_FALSE(t.sole_owner());
  EXPECT_EQ(Tensor::adopt(DType::u8, {0}, nullptr).numel(), 0);
}

TEST(Tensor, AroundAxisSplitsAShapeIntoOuterExtentInner) {
  const auto check = [](const Shape& s, size_t axis, int64_t outer, int64_t extent, int64_t inner) {
    const AroundAxis a = around_axis(s, axis);
    EXPECT_EQ(a.outer, outer);
    EXPECT_EQ(a.extent, extent);
    EXPECT_EQ(a.inner, inner);
    EXPECT_EQ(a.outer * a.extent * a.inner, numel(s));
  };
  check({2, 3, 4}, 0, 1, 2, 12);
  check({2, 3, 4}, 1, 2, 3, 4);
  check({2, 3, 4}, 2, 6, 4, 1);
  check({5}, 0, 1, 5, 1);
}

}  // namespace aimc
