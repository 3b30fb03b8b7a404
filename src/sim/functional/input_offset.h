// Offset-binary inputs (compiler Quantization::input_offset): signed activations on rows that take
// only non-negative inputs are applied as x + o. Since x·W = (x + o)·W − o·Σ_r W[r, c], the constant
// −o·Σ_r W[r, c] — with the weights as the cells hold them — joins the column's bias (on a comparator
// chip, its threshold).
#pragma once

#include <span>
#include <vector>

#include "core/tensor.h"

namespace aimc::functional {

// bias[c] − offset·Σ_r W[r, c] for the rows × cols `matrix`. binary_step: empty for cells that hold
// W as it is; else one entry per column, the magnitude of a binary cell (W ≥ 0 → +step, else −step).
// An empty `bias` counts as zeros.
std::vector<float> offset_bias(const Tensor& matrix, std::span<const float> binary_step, float offset, std::vector<float> bias);
// y[i] = x[i] + offset for i < n (y may be x).
void offset_inputs(const float* x, int64_t n, float offset, float* y);

}  // namespace aimc::functional
