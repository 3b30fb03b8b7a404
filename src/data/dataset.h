// Datasets for evaluation: images, labels, token sequences.
//
// Image datasets are delivered as f32 NCHW with pixels scaled to [0, 1] (x / 255); any
// normalisation belongs to the model. Labels are i64.
#pragma once

#include <cstdint>
#include <string>

#include "core/tensor.h"

namespace aimc {

struct Dataset {
  std::string kind;  // "mnist", "cifar10", "npy", "tokens"
  std::string path;  // what was read (for messages)
  Tensor inputs;     // [N, ...]: f32 images [N, C, H, W], or i64 token windows [N, T]
  Tensor labels;     // i64 [N] class labels, or [N, T] next-token targets; undefined if none
  bool has_labels() const { return labels.numel() > 0; }
  int64_t size() const { return inputs.rank() > 0 ? inputs.dim(0) : 0; }
};

// Loads a dataset from a spec string:
//   mnist:DIR       t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz] in DIR
//   cifar10:DIR     test_batch.bin in DIR
//   npy:X.npy[,Y.npy]
//   tokens:...      language-model token windows (see docs/user-guide.md)
// `limit` >= 0 keeps only the first `limit` samples. Throws Error naming the file on a
// missing, truncated or wrong-format file, or on a malformed spec.
Dataset load_dataset(const std::string& spec, int64_t limit = -1);

}  // namespace aimc
