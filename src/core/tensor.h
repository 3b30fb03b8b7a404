// Tensor: a dense, row-major (C order) array of one element type.
//
// Storage is shared and 64-byte aligned; copies of a Tensor alias the same buffer
// (use clone() for a deep copy). Views made by reshaped()/slice_outer() share storage.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"

namespace aimc {

enum class DType : uint8_t { f32, i32, i64, i8, u8 };

using Shape = std::vector<int64_t>;

size_t dtype_size(DType t);
const char* dtype_name(DType t);

template <class T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() {
  return DType::f32;
}
template <>
constexpr DType dtype_of<int32_t>() {
  return DType::i32;
}
template <>
constexpr DType dtype_of<int64_t>() {
  return DType::i64;
}
template <>
constexpr DType dtype_of<int8_t>() {
  return DType::i8;
}
template <>
constexpr DType dtype_of<uint8_t>() {
  return DType::u8;
}

// Product of the dimensions (1 for a scalar shape {}).
int64_t numel(const Shape& shape);  // throws Error when the count overflows 64 bits
// The element count, or nullopt when it overflows 64 bits (dimensions assumed ≥ 0).
std::optional<int64_t> checked_numel(const Shape& shape);

// A shape seen as [outer, extent, inner] around one axis: the elements before it, its length, and those after it
// (a kernel working along an axis walks outer × inner rows of `extent` elements, `inner` apart).
struct AroundAxis {
  int64_t outer = 1, extent = 1, inner = 1;
};
AroundAxis around_axis(const Shape& shape, size_t axis);

// The largest tensor (bytes) aimc allocates: by default this machine's physical memory. A shape beyond
// it (a model's folded constant, an absurd batch), or whose element count overflows, is an Error
// naming the shape instead of an allocation failure. Settable (tests, fuzzers).
size_t tensor_byte_limit();
void set_tensor_byte_limit(size_t bytes);
// "[2, 3, 4]"
std::string shape_str(const Shape& shape);

class Tensor {
 public:
  Tensor() = default;
  // Zero-initialised tensor. Throws Error on a negative dimension.
  Tensor(DType dtype, Shape shape);
  // The same with unspecified contents, for a buffer its writer fills whole (a kernel's output): no
  // zero-fill pass over memory that is about to be overwritten.
  static Tensor uninitialized(DType dtype, Shape shape);

  // A tensor over memory another object owns (an ONNX model's weight bytes), without a copy:
  // `storage` points at the first element and keeps the memory alive (an aliasing shared_ptr).
  static Tensor adopt(DType dtype, Shape shape, std::shared_ptr<void> storage);

  template <class T>
  static Tensor from(const std::vector<T>& values, Shape shape) {
    Tensor t(dtype_of<T>(), std::move(shape));
    AIMC_ASSERT(static_cast<int64_t>(values.size()) == t.numel(), "Tensor::from: size mismatch");
    std::copy(values.begin(), values.end(), t.data<T>());
    return t;
  }
  // A rank-0 tensor.
  template <class T>
  static Tensor scalar(T value) {
    return from<T>({value}, {});
  }

  DType dtype() const { return m_dtype; }
  const Shape& shape() const { return m_shape; }
  int64_t rank() const { return static_cast<int64_t>(m_shape.size()); }
  int64_t dim(int64_t i) const;  // negative i counts from the end
  int64_t numel() const { return m_numel; }
  size_t nbytes() const { return static_cast<size_t>(m_numel) * dtype_size(m_dtype); }
  bool defined() const { return m_storage != nullptr || m_numel == 0; }
  // No other Tensor (copy or view) holds this one's storage: writing it changes no other value.
  bool sole_owner() const { return m_storage != nullptr && m_storage.use_count() == 1; }

  // Typed access; throws InternalError if T is not the element type.
  template <class T>
  T* data() {
    check_type(dtype_of<T>());
    return reinterpret_cast<T*>(raw());
  }
  template <class T>
  const T* data() const {
    check_type(dtype_of<T>());
    return reinterpret_cast<const T*>(raw());
  }
  template <class T>
  std::span<T> span() {
    return {data<T>(), static_cast<size_t>(m_numel)};
  }
  template <class T>
  std::span<const T> span() const {
    return {data<T>(), static_cast<size_t>(m_numel)};
  }
  std::byte* raw() { return m_storage ? static_cast<std::byte*>(m_storage.get()) + m_offset : nullptr; }
  const std::byte* raw() const { return m_storage ? static_cast<const std::byte*>(m_storage.get()) + m_offset : nullptr; }

  // Same storage, new shape with the same element count.
  Tensor reshaped(Shape shape) const;
  // Rows [begin, end) of the outermost dimension, sharing storage.
  Tensor slice_outer(int64_t begin, int64_t end) const;
  Tensor clone() const;
  // Element-wise conversion (float -> int rounds to nearest, ties to even, and saturates); always a
  // new tensor.
  Tensor cast(DType to) const;
  // This tensor itself (sharing storage: read only) when it already has `to`, else cast(to).
  Tensor as(DType to) const { return to == m_dtype ? *this : cast(to); }
  // Element i as double, whatever the dtype (for tests, constant folding, printing).
  double as_double(int64_t i) const;
  // All elements as int64 (for shape tensors and indices); throws InternalError for f32.
  std::vector<int64_t> to_int64_vector() const;

 private:
  Tensor(DType dtype, Shape shape, bool zero);
  void check_type(DType t) const;
  DType m_dtype = DType::f32;
  Shape m_shape;
  int64_t m_numel = 0;
  std::shared_ptr<void> m_storage;
  size_t m_offset = 0;  // bytes
};

}  // namespace aimc
