// ONNX TensorProto <-> aimc Tensor.
#pragma once

#include <onnx/onnx_pb.h>

#include <memory>
#include <string>

#include "core/tensor.h"

namespace aimc::onnx_import {

// Converts an ONNX element type to aimc's; bool becomes u8 and double becomes f32.
// Throws Error for types aimc does not handle (strings, float16, complex...).
DType dtype_from_onnx(int onnx_type, const std::string& what);

// Reads a TensorProto's data (raw_data, typed fields, or external data relative to
// `model_dir`). Throws Error naming the tensor on a size mismatch or a missing file.
// With `owner` (an object that keeps `t` alive, e.g. the parsed model), raw data that needs no
// conversion is not copied: the tensor shares it and keeps `owner` alive.
Tensor tensor_from_proto(const onnx::TensorProto& t, const std::string& model_dir,
                         const std::shared_ptr<const void>& owner = nullptr);

}  // namespace aimc::onnx_import
