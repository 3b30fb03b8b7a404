// Datasets for evaluation: images, labels, token sequences.
//
// Image datasets are delivered as f32 NCHW with pixels scaled to [0, 1] (x / 255); any
// normalisation belongs to the model. Labels are i64.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

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

// Loads a dataset from a spec string (paths may not contain ',' or '='):
//   mnist:DIR[,split=test|train]   t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz] in DIR
//                                  (split=train: the train-* files)
//   cifar10:DIR|FILE               test_batch.bin[.gz] in DIR, or a .bin[.gz] batch file
//   npy:X.npy[,Y.npy]              inputs in X's own dtype (u8 images are not rescaled); labels from
//                                  Y (integer dtype, one per sample) as i64
//   tokens:TEXT[,vocab=FILE|train=FILE][,seq=N][,level=word|char]
//                                  language-model windows (tokens.h, docs/user-guide-data.md)
// `limit` >= 0 keeps only the first `limit` samples. Throws Error naming the file on a
// missing, truncated or wrong-format file, or naming the field "data" on a malformed spec.
Dataset load_dataset(const std::string& spec, int64_t limit = -1);

// A spec split into its parts: "tokens:a.txt,seq=20" -> {"tokens", {"a.txt"}, {{"seq", "20"}}}.
struct DatasetSpec {
  std::string kind;
  std::vector<std::string> paths;                            // positional parts, in order
  std::vector<std::pair<std::string, std::string>> options;  // key=value parts, in order
};
// Checks the kind, the number of paths and the option names (not the values or the files).
// Throws Error{.field = "data"} listing the accepted forms.
DatasetSpec parse_dataset_spec(const std::string& spec);

}  // namespace aimc
