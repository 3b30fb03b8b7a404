// NumPy .npy files (format versions 1.0-3.0), C order, little-endian.
#pragma once

#include <cstdint>
#include <string>

#include "core/tensor.h"

namespace aimc {

// Reads f32, f64 (converted to f32), i32, i64, i8, u8 and bool (as u8) arrays.
// Throws Error naming the file on a bad magic, header, dtype, Fortran order or truncation.
Tensor read_npy(const std::string& path);
// As read_npy, but reads only the first `max_rows` rows of the outermost dimension (all when
// `max_rows` < 0 or the array is a scalar). The header and file size are still checked whole.
Tensor read_npy_rows(const std::string& path, int64_t max_rows);
// The shape in the header, after the same checks as read_npy (without reading the data).
Shape read_npy_shape(const std::string& path);
// Writes the tensor in its own dtype (format 1.0, header padded to 64 bytes; 2.0 only if the
// header would not fit in 65535 bytes). Throws Error naming the file if it cannot be written.
void write_npy(const std::string& path, const Tensor& t);

}  // namespace aimc
