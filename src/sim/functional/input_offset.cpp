#include "sim/functional/input_offset.h"

#include "core/error.h"

namespace aimc::functional {

std::vector<float> offset_bias(const Tensor& matrix, std::span<const float> binary_step, float offset, std::vector<float> bias) {
  const int64_t rows = matrix.dim(0), cols = matrix.dim(1);
  AIMC_ASSERT(binary_step.empty() || static_cast<int64_t>(binary_step.size()) == cols, "one binary step per column");
  if (bias.empty()) bias.assign(static_cast<size_t>(cols), 0.0f);
  AIMC_ASSERT(static_cast<int64_t>(bias.size()) == cols, "one bias per column");
  const float* w = matrix.data<float>();
  for (int64_t c = 0; c < cols; ++c) {
    double sum = 0;  // exact for binary cells and integer-valued weights
    for (int64_t r = 0; r < rows; ++r) {
      const float v = w[r * cols + c];
      sum += binary_step.empty() ? v : (v >= 0 ? binary_step[c] : -binary_step[c]);
    }
    bias[static_cast<size_t>(c)] =
        static_cast<float>(static_cast<double>(bias[static_cast<size_t>(c)]) - static_cast<double>(offset) * sum);
  }
  return bias;
}

void offset_inputs(const float* x, int64_t n, float offset, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] + offset;
}

}  // namespace aimc::functional
