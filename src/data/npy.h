// NumPy .npy files (format versions 1.0-3.0), C order, little-endian.
#pragma once

#include <string>

#include "core/tensor.h"

namespace aimc {

// Reads f32, f64 (converted to f32), i32, i64, i8, u8 and bool (as u8) arrays.
// Throws Error naming the file on a bad magic, header, dtype, Fortran order or truncation.
Tensor read_npy(const std::string& path);
// Writes the tensor in its own dtype. Throws Error naming the file if it cannot be written.
void write_npy(const std::string& path, const Tensor& t);

}  // namespace aimc
