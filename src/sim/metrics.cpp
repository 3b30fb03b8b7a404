#include "sim/metrics.h"

#include <fmt/format.h>

namespace aimc {

std::vector<int64_t> argmax_rows(const Tensor& scores) {
  if (scores.rank() != 2 || scores.dtype() != DType::f32) {
    throw Error(fmt::format("expected class scores of shape [batch, classes] (f32), got {} {}",
                            dtype_name(scores.dtype()), shape_str(scores.shape())));
  }
  int64_t rows = scores.dim(0), cols = scores.dim(1);
  const float* s = scores.data<float>();
  std::vector<int64_t> out(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) {
    int64_t best = 0;
    for (int64_t c = 1; c < cols; ++c) {
      if (s[r * cols + c] > s[r * cols + best]) best = c;
    }
    out[static_cast<size_t>(r)] = best;
  }
  return out;
}

ClassificationResult evaluate_classifier(const BatchForward& forward, const Dataset& data, int64_t batch) {
  if (!data.has_labels()) throw Error("dataset has no labels", ErrorContext{.file = data.path});
  if (data.labels.rank() != 1 || data.labels.dtype() != DType::i64) {
    throw Error("expected one i64 class label per sample", ErrorContext{.file = data.path});
  }
  AIMC_ASSERT(batch > 0, "evaluate_classifier: batch must be positive");
  ClassificationResult r;
  const int64_t* labels = data.labels.data<int64_t>();
  for (int64_t begin = 0; begin < data.size(); begin += batch) {
    int64_t end = std::min(begin + batch, data.size());
    Tensor scores = forward(data.inputs.slice_outer(begin, end));
    if (scores.rank() != 2 || scores.dim(0) != end - begin) {
      throw Error(fmt::format("model output {} is not [batch, classes]", shape_str(scores.shape())));
    }
    std::vector<int64_t> pred = argmax_rows(scores);
    for (int64_t i = 0; i < end - begin; ++i) r.correct += pred[static_cast<size_t>(i)] == labels[begin + i];
    r.samples += end - begin;
  }
  return r;
}

}  // namespace aimc
