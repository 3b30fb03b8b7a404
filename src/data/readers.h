// The individual dataset readers behind load_dataset (dataset.h), for callers that know the
// format. Each throws Error{.file = the file at fault} with a one-line message saying what was
// expected. Files are always read and checked whole (so truncation is caught even with a
// `limit`); only the first `limit` samples (all when `limit` < 0) are converted.
#pragma once

#include <cstdint>
#include <string>

#include "core/tensor.h"
#include "data/dataset.h"

namespace aimc {

// An idx file of unsigned bytes (magic 0x00000800 + rank), raw or gzip: a u8 tensor with the
// header's big-endian dimensions. The data length must match the header exactly.
Tensor read_idx(const std::string& path, int rank);

// MNIST from DIR: `split` "test" reads t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte,
// "train" the train-* files; each raw or .gz (the raw file wins when both exist).
// inputs f32 [N, 1, rows, cols] = pixel / 255, labels i64 [N] in 0..9.
Dataset load_mnist(const std::string& dir, const std::string& split, int64_t limit);

// CIFAR-10 binary batches: `path` is a directory holding test_batch.bin[.gz] or a .bin / .bin.gz
// file of 3073-byte records (label byte 0..9, then the R, G and B 32x32 planes).
// inputs f32 [N, 3, 32, 32] = byte / 255, labels i64 [N].
Dataset load_cifar10(const std::string& path, int64_t limit);

// Inputs from `x_path` in their own dtype (u8 images are not rescaled); labels, if `y_path` is
// not empty, from an integer .npy of shape [N] or [N, 1], converted to i64.
Dataset load_npy_dataset(const std::string& x_path, const std::string& y_path, int64_t limit);

}  // namespace aimc
