// Registration of the ONNX op converters, one group per file.
#pragma once

#include <string>
#include <unordered_map>

#include "onnx/context.h"

namespace aimc::onnx_import {

using ConverterTable = std::unordered_map<std::string, Converter>;

void register_nn_converters(ConverterTable& table);           // convert_nn.cpp
void register_elementwise_converters(ConverterTable& table);  // convert_elementwise.cpp
void register_shape_converters(ConverterTable& table);        // convert_shape.cpp
void register_quant_converters(ConverterTable& table);        // convert_quant.cpp

// Einsum with one or two operands, lowered to Transpose, Reshape, ReduceSum and MatMul (convert_einsum.cpp).
void einsum(Context& ctx);

// A constant tensor with its axes permuted (out axis i is in axis perm[i]; fold.cpp).
Tensor permuted(const Tensor& t, const std::vector<int64_t>& perm);

// The `to` attribute of a Cast node as an aimc dtype.
DType cast_target(const Context& ctx);

// Normalises a possibly negative axis against `rank`, failing on the current node.
int64_t axis_arg(const Context& ctx, int64_t axis, int64_t rank);

}  // namespace aimc::onnx_import
