#include "onnx/tensor_proto.h"

#include <fmt/format.h>

#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/input_file.h"

namespace aimc::onnx_import {

namespace {
using TP = onnx::TensorProto;

// An external-data `offset` or `length`: a non-negative decimal integer.
int64_t non_negative(const std::string& text, const char* key, const std::string& tensor) {
  int64_t v = -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 0) {
    throw Error(fmt::format("external data of tensor '{}': {} '{}' is not a non-negative integer", tensor, key, text));
  }
  return v;
}

const char* onnx_type_name(int t) {
  switch (t) {
    case TP::FLOAT:
      return "float";
    case TP::UINT8:
      return "uint8";
    case TP::INT8:
      return "int8";
    case TP::UINT16:
      return "uint16";
    case TP::INT16:
      return "int16";
    case TP::INT32:
      return "int32";
    case TP::INT64:
      return "int64";
    case TP::STRING:
      return "string";
    case TP::BOOL:
      return "bool";
    case TP::FLOAT16:
      return "float16";
    case TP::DOUBLE:
      return "double";
    case TP::UINT32:
      return "uint32";
    case TP::UINT64:
      return "uint64";
    case TP::BFLOAT16:
      return "bfloat16";
    default:
      return "unknown";
  }
}

size_t onnx_elem_size(int t) {
  switch (t) {
    case TP::FLOAT:
      return 4;
    case TP::UINT8:
      return 1;
    case TP::INT8:
      return 1;
    case TP::INT32:
      return 4;
    case TP::INT64:
      return 8;
    case TP::BOOL:
      return 1;
    case TP::DOUBLE:
      return 8;
    default:
      return 0;
  }
}

// Raw little-endian bytes of `count` elements of ONNX type `t` into `out`.
void from_raw(const char* bytes, int t, Tensor& out) {
  int64_t n = out.numel();
  switch (t) {
    case TP::DOUBLE: {
      float* o = out.data<float>();
      for (int64_t i = 0; i < n; ++i) {
        double d;
        std::memcpy(&d, bytes + 8 * i, 8);
        o[i] = static_cast<float>(d);
      }
      return;
    }
    default:
      std::memcpy(out.raw(), bytes, out.nbytes());
      return;
  }
}

std::string read_external(const TP& t, const std::string& model_dir, size_t want) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto& kv : t.external_data()) {
    if (kv.key() == "location") location = kv.value();
    if (kv.key() == "offset") offset = non_negative(kv.value(), "offset", t.name());
    if (kv.key() == "length") length = non_negative(kv.value(), "length", t.name());
  }
  if (location.empty()) throw Error(fmt::format("tensor '{}' has external data without a location", t.name()));
  std::filesystem::path path = std::filesystem::path(model_dir) / location;
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    require_regular_file(path.string(), fmt::format("the external data file of tensor '{}'", t.name()));
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    throw Error(fmt::format("external data file '{}' of tensor '{}' not found", path.string(), t.name()));
  }
  f.seekg(0, std::ios::end);
  auto size = static_cast<int64_t>(f.tellg());
  if (length < 0) length = size - offset;
  if (offset < 0 || offset > size || length > size - offset || static_cast<size_t>(length) != want) {
    throw Error(
        fmt::format("external data of tensor '{}' in '{}' is truncated or mis-sized: need {} bytes at "
                    "offset {}, file has {}",
                    t.name(), path.string(), want, offset, size));
  }
  std::string buf(static_cast<size_t>(length), '\0');
  f.seekg(offset);
  f.read(buf.data(), length);
  return buf;
}
}  // namespace

DType dtype_from_onnx(int onnx_type, const std::string& what) {
  switch (onnx_type) {
    case TP::FLOAT:
    case TP::DOUBLE:
      return DType::f32;
    case TP::UINT8:
    case TP::BOOL:
      return DType::u8;
    case TP::INT8:
      return DType::i8;
    case TP::INT32:
      return DType::i32;
    case TP::INT64:
      return DType::i64;
    default:
      throw Error(fmt::format("{} has element type {}; aimc supports float, double, int8, uint8, int32, int64, bool", what,
                              onnx_type_name(onnx_type)));
  }
}

Tensor tensor_from_proto(const TP& t, const std::string& model_dir, const std::shared_ptr<const void>& owner) {
  std::string what = fmt::format("tensor '{}'", t.name());
  DType dtype = dtype_from_onnx(t.data_type(), what);
  Shape shape(t.dims().begin(), t.dims().end());
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0) throw Error(fmt::format("{} has a negative dimension", what));
    if (__builtin_mul_overflow(count, d, &count) || count > (int64_t{1} << 34)) {
      throw Error(fmt::format("{} of shape {} has more than 2^34 elements; expected a tensor that fits in memory", what,
                              shape_str(shape)));
    }
  }
  const size_t raw_size = static_cast<size_t>(count) * onnx_elem_size(t.data_type());
  if (owner && t.data_location() != TP::EXTERNAL && t.has_raw_data() && t.raw_data().size() == raw_size &&
      onnx_elem_size(t.data_type()) == dtype_size(dtype) &&
      reinterpret_cast<uintptr_t>(t.raw_data().data()) % dtype_size(dtype) == 0) {
    // The bytes are already the tensor (ONNX stores little-endian, as this machine does).
    return Tensor::adopt(dtype, shape, std::shared_ptr<void>(owner, const_cast<char*>(t.raw_data().data())));
  }
  Tensor out = Tensor::uninitialized(dtype, shape);  // every path below fills it or throws
  const int64_t n = out.numel();
  auto check_count = [&](int64_t have) {
    if (have != n) {
      throw Error(fmt::format("{} of shape {} holds {} values, expected {}", what, shape_str(shape), have, n));
    }
  };
  if (t.data_location() == TP::EXTERNAL) {
    from_raw(read_external(t, model_dir, raw_size).data(), t.data_type(), out);
    return out;
  }
  if (t.has_raw_data()) {
    if (t.raw_data().size() != raw_size) {
      throw Error(
          fmt::format("{} of shape {} has {} bytes of data, expected {}", what, shape_str(shape), t.raw_data().size(), raw_size));
    }
    from_raw(t.raw_data().data(), t.data_type(), out);
    return out;
  }
  switch (t.data_type()) {
    case TP::FLOAT:
      check_count(t.float_data_size());
      std::copy(t.float_data().begin(), t.float_data().end(), out.data<float>());
      break;
    case TP::DOUBLE:
      check_count(t.double_data_size());
      for (int64_t i = 0; i < n; ++i) out.data<float>()[i] = static_cast<float>(t.double_data(static_cast<int>(i)));
      break;
    case TP::INT64:
      check_count(t.int64_data_size());
      std::copy(t.int64_data().begin(), t.int64_data().end(), out.data<int64_t>());
      break;
    case TP::INT32:
      check_count(t.int32_data_size());
      std::copy(t.int32_data().begin(), t.int32_data().end(), out.data<int32_t>());
      break;
    case TP::INT8:
      check_count(t.int32_data_size());
      for (int64_t i = 0; i < n; ++i) out.data<int8_t>()[i] = static_cast<int8_t>(t.int32_data(static_cast<int>(i)));
      break;
    case TP::UINT8:
    case TP::BOOL:
      check_count(t.int32_data_size());
      for (int64_t i = 0; i < n; ++i) out.data<uint8_t>()[i] = static_cast<uint8_t>(t.int32_data(static_cast<int>(i)));
      break;
    default:
      if (n > 0)
        throw Error(fmt::format("{} of shape {} has no raw_data; expected its values in raw_data", what, shape_str(shape)));
      break;
  }
  return out;
}

}  // namespace aimc::onnx_import
