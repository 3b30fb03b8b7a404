#include "core/tensor.h"

#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace aimc {

size_t dtype_size(DType t) {
  switch (t) {
    case DType::f32:
      return 4;
    case DType::i32:
      return 4;
    case DType::i64:
      return 8;
    case DType::i8:
      return 1;
    case DType::u8:
      return 1;
  }
  throw InternalError("dtype_size: bad dtype");
}

const char* dtype_name(DType t) {
  switch (t) {
    case DType::f32:
      return "f32";
    case DType::i32:
      return "i32";
    case DType::i64:
      return "i64";
    case DType::i8:
      return "i8";
    case DType::u8:
      return "u8";
  }
  return "?";
}

std::optional<int64_t> checked_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (__builtin_mul_overflow(n, d, &n)) return std::nullopt;
  }
  return n;
}

AroundAxis around_axis(const Shape& shape, size_t axis) {
  AroundAxis a;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (d < axis) a.outer *= shape[d];
    if (d == axis) a.extent = shape[d];
    if (d > axis) a.inner *= shape[d];
  }
  return a;
}

int64_t numel(const Shape& shape) {
  const std::optional<int64_t> n = checked_numel(shape);
  if (!n) throw Error(fmt::format("shape {} has more elements than 64 bits count", shape_str(shape)));
  return *n;
}

std::string shape_str(const Shape& shape) { return fmt::format("[{}]", fmt::join(shape, ", ")); }

namespace {
size_t physical_memory() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page) : size_t{1} << 40;
}
std::atomic<size_t>& byte_limit() {
  static std::atomic<size_t> limit{physical_memory()};
  return limit;
}

std::shared_ptr<void> allocate(size_t bytes, bool zero) {
  // A large buffer (a big layer's weights, a batch's activations) is asked for in transparent huge
  // pages: its first touch then faults once per 2 MiB instead of once per 4 KiB, which on a virtual
  // machine cost more than filling the buffer (VGG-16's compile: a third of its time).
  constexpr size_t kHuge = size_t{2} << 20;
  const size_t align = bytes >= 4 * kHuge ? kHuge : 64;
  size_t rounded = (bytes + align - 1) / align * align;
  if (rounded == 0) rounded = align;
  void* p = std::aligned_alloc(align, rounded);
  if (!p) throw Error(fmt::format("out of memory allocating {} bytes", bytes));
  if (align == kHuge) ::madvise(p, rounded, MADV_HUGEPAGE);  // advice only: ignored where THP is off
  if (zero) std::memset(p, 0, rounded);
  return {p, [](void* q) { std::free(q); }};
}
}  // namespace

size_t tensor_byte_limit() { return byte_limit().load(); }
void set_tensor_byte_limit(size_t bytes) { byte_limit().store(bytes); }

Tensor::Tensor(DType dtype, Shape shape) : Tensor(dtype, std::move(shape), true) {}

Tensor Tensor::uninitialized(DType dtype, Shape shape) { return Tensor(dtype, std::move(shape), false); }

Tensor Tensor::adopt(DType dtype, Shape shape, std::shared_ptr<void> storage) {
  Tensor t;
  t.m_dtype = dtype;
  t.m_numel = aimc::numel(shape);
  t.m_shape = std::move(shape);
  AIMC_ASSERT(storage != nullptr || t.m_numel == 0, "Tensor::adopt: no storage");
  t.m_storage = std::move(storage);
  return t;
}

Tensor::Tensor(DType dtype, Shape shape, bool zero) : m_dtype(dtype), m_shape(std::move(shape)) {
  for (int64_t d : m_shape) {
    if (d < 0) throw Error("negative dimension in shape " + shape_str(m_shape));
  }
  const std::optional<int64_t> n = checked_numel(m_shape);
  const size_t limit = tensor_byte_limit();
  if (!n || static_cast<size_t>(*n) > limit / dtype_size(dtype)) {
    throw Error(fmt::format("a {} tensor of shape {} would need {}; expected at most {} bytes (this machine's memory)",
                            dtype_name(dtype), shape_str(m_shape),
                            n ? fmt::format("{} bytes", static_cast<double>(*n) * static_cast<double>(dtype_size(dtype)))
                              : std::string("more elements than 64 bits count"),
                            limit));
  }
  m_numel = *n;
  m_storage = allocate(nbytes(), zero);
}

int64_t Tensor::dim(int64_t i) const {
  int64_t r = rank();
  if (i < 0) i += r;
  AIMC_ASSERT(i >= 0 && i < r, fmt::format("Tensor::dim({}) of rank {}", i, r));
  return m_shape[static_cast<size_t>(i)];
}

void Tensor::check_type(DType t) const {
  if (t != m_dtype) {
    throw InternalError(fmt::format("tensor of {} accessed as {}", dtype_name(m_dtype), dtype_name(t)));
  }
}

Tensor Tensor::reshaped(Shape shape) const {
  AIMC_ASSERT(aimc::numel(shape) == m_numel, fmt::format("reshape {} -> {}", shape_str(m_shape), shape_str(shape)));
  Tensor t = *this;
  t.m_shape = std::move(shape);
  return t;
}

Tensor Tensor::slice_outer(int64_t begin, int64_t end) const {
  AIMC_ASSERT(rank() >= 1 && begin >= 0 && begin <= end && end <= m_shape[0], "slice_outer range");
  Tensor t = *this;
  int64_t inner = m_shape[0] == 0 ? 0 : m_numel / m_shape[0];
  t.m_shape[0] = end - begin;
  t.m_numel = inner * (end - begin);
  t.m_offset = m_offset + static_cast<size_t>(begin * inner) * dtype_size(m_dtype);
  return t;
}

Tensor Tensor::clone() const {
  Tensor t = uninitialized(m_dtype, m_shape);
  if (m_numel > 0) std::memcpy(t.raw(), raw(), nbytes());
  return t;
}

double Tensor::as_double(int64_t i) const {
  AIMC_ASSERT(i >= 0 && i < m_numel, "as_double index");
  switch (m_dtype) {
    case DType::f32:
      return data<float>()[i];
    case DType::i32:
      return data<int32_t>()[i];
    case DType::i64:
      return static_cast<double>(data<int64_t>()[i]);
    case DType::i8:
      return data<int8_t>()[i];
    case DType::u8:
      return data<uint8_t>()[i];
  }
  return 0;
}

std::vector<int64_t> Tensor::to_int64_vector() const {
  AIMC_ASSERT(m_dtype != DType::f32, "to_int64_vector on a float tensor");
  if (m_dtype == DType::i64) return {data<int64_t>(), data<int64_t>() + m_numel};
  std::vector<int64_t> v(static_cast<size_t>(m_numel));
  for (int64_t i = 0; i < m_numel; ++i) v[static_cast<size_t>(i)] = static_cast<int64_t>(as_double(i));
  return v;
}

namespace {
template <class T>
T saturate(double x) {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(x);
  } else {
    if (std::isnan(x)) return 0;
    x = std::nearbyint(x);
    constexpr double lo = static_cast<double>(std::numeric_limits<T>::lowest());
    constexpr double hi = static_cast<double>(std::numeric_limits<T>::max());
    if (x <= lo) return std::numeric_limits<T>::lowest();
    if (x >= hi) return std::numeric_limits<T>::max();
    return static_cast<T>(x);
  }
}

template <class T>
void cast_into(const Tensor& src, Tensor& dst) {
  T* out = dst.data<T>();
  for (int64_t i = 0; i < src.numel(); ++i) out[i] = saturate<T>(src.as_double(i));
}
}  // namespace

Tensor Tensor::cast(DType to) const {
  if (to == m_dtype) return clone();
  Tensor t(to, m_shape);
  switch (to) {
    case DType::f32:
      cast_into<float>(*this, t);
      break;
    case DType::i32:
      cast_into<int32_t>(*this, t);
      break;
    case DType::i64:
      cast_into<int64_t>(*this, t);
      break;
    case DType::i8:
      cast_into<int8_t>(*this, t);
      break;
    case DType::u8:
      cast_into<uint8_t>(*this, t);
      break;
  }
  return t;
}

}  // namespace aimc
