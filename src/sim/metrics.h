// Evaluation metrics over a dataset, for any executor (reference or chip simulation).
#pragma once

#include <cstdint>
#include <functional>

#include "core/tensor.h"
#include "data/dataset.h"

namespace aimc {

struct ClassificationResult {
  int64_t samples = 0;
  int64_t correct = 0;
  double accuracy() const { return samples > 0 ? static_cast<double>(correct) / static_cast<double>(samples) : 0.0; }
};

// Runs `forward` on consecutive batches of `data` (at most `batch` samples each) and counts
// top-1 hits. `forward` maps inputs [B, ...] to scores [B, classes]. Ties go to the lowest
// class index (as torch.argmax). Throws Error if the dataset has no labels or the scores'
// shape does not fit.
using BatchForward = std::function<Tensor(const Tensor& inputs)>;
ClassificationResult evaluate_classifier(const BatchForward& forward, const Dataset& data, int64_t batch);

// Index of the largest score in each row of a [B, C] tensor (ties: lowest index).
std::vector<int64_t> argmax_rows(const Tensor& scores);

}  // namespace aimc
