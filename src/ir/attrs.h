// Typed attributes of each canonical op. All values are resolved at import: no ONNX
// defaults, negative axes or "0 = copy" conventions survive past the importer.
#pragma once

#include <cstdint>
#include <limits>
#include <variant>
#include <vector>

#include "core/tensor.h"

namespace aimc {

// Conv and pooling geometry over the spatial dims (1 or 2 of them).
struct WindowAttrs {
  std::vector<int64_t> kernel;     // kernel size per spatial dim
  std::vector<int64_t> strides;    // per spatial dim
  std::vector<int64_t> dilations;  // per spatial dim
  std::vector<int64_t> pads;       // begin pads for every spatial dim, then end pads (ONNX order)
};

struct ConvAttrs {
  WindowAttrs window;
  int64_t group = 1;
};

struct PoolAttrs {
  WindowAttrs window;
  bool ceil_mode = false;
  bool count_include_pad = false;  // AveragePool only
};

struct GemmAttrs {
  float alpha = 1.0f;
  float beta = 1.0f;
  bool trans_a = false;
  bool trans_b = false;
};

// LeakyRelu: alpha. Clip: min/max (infinite when absent).
struct ScalarAttrs {
  float alpha = 0.0f;
  float min = -std::numeric_limits<float>::infinity();
  float max = std::numeric_limits<float>::infinity();
};

struct NormAttrs {
  int64_t axis = 1;  // LayerNormalization: first normalised axis (BatchNormalization: unused)
  float epsilon = 1e-5f;
};

struct AxisAttrs {
  int64_t axis = 0;  // Concat, Gather, Softmax
};

struct SplitAttrs {
  int64_t axis = 0;
  std::vector<int64_t> sizes;  // one per output
};

struct ReduceAttrs {
  std::vector<int64_t> axes;  // sorted, non-negative
  bool keepdims = true;
  bool select_last = false;  // ArgMax/ArgMin: the last index among equal values (else the first)
};

struct TopKAttrs {
  int64_t axis = -1;  // non-negative after import
  int64_t k = 1;
  bool largest = true;  // else the k smallest; ties: the lower index first
};

// ONNX CumSum: running sums along `axis`; `exclusive`: each element's sum leaves it out; `reverse`: from the end.
struct CumSumAttrs {
  int64_t axis = 0;  // non-negative after import
  bool exclusive = false;
  bool reverse = false;
};

struct ReshapeAttrs {
  Shape shape;  // output shape at the import batch size
};

struct TransposeAttrs {
  std::vector<int64_t> perm;
};

// One entry per input dim (steps may be negative); starts and ends are clamped to the dim at import, and a
// step's magnitude to at most the dim's (a longer step takes one element all the same).
struct SliceAttrs {
  std::vector<int64_t> starts, ends, steps;
};

// The elements a slice [start, end) by `step` takes (0 when none), without overflow for any step.
inline int64_t slice_length(int64_t start, int64_t end, int64_t step) {
  if (step > 0) return end > start ? (end - start - 1) / step + 1 : 0;
  return start > end ? 1 - (start - end - 1) / step : 0;  // (start − end − 1) / step ≤ 0
}

struct PadAttrs {
  std::vector<int64_t> pads;  // begin for every dim, then end (may be negative: crop)
  float value = 0.0f;         // constant mode only
};

// ONNX Resize: out[d] = floor(in[d] · scales[d]) (or sizes[d]); an output index o maps to the input
// coordinate given by `coordinates`, then to the nearest element (by `nearest`) or interpolated linearly
// between its two neighbours, axis by axis.
struct ResizeAttrs {
  enum class Mode { Nearest, Linear };
  enum class Coordinates { HalfPixel, PytorchHalfPixel, AlignCorners, Asymmetric };
  enum class Nearest { RoundPreferFloor, RoundPreferCeil, Floor, Ceil };
  Mode mode = Mode::Nearest;
  Coordinates coordinates = Coordinates::HalfPixel;
  Nearest nearest = Nearest::RoundPreferFloor;
  std::vector<double> scales;  // per axis (1 on the batch axis); the coordinate transform's scale
  std::vector<int64_t> sizes;  // per axis, or empty: floor(in · scale)
};

// LSTM and GRU. Outputs Y [T,1,N,H], Y_h [1,N,H] and (LSTM) Y_c [1,N,H]; any may be absent (kNoValue).
struct RecurrentAttrs {
  int64_t hidden_size = 0;
};

struct ExpandAttrs {
  Shape shape;  // output shape at the import batch size
};

struct CastAttrs {
  DType to = DType::f32;
};

// Fake quantisation with scale/zero point per tensor (size 1) or per `axis` channel.
struct FakeQuantAttrs {
  std::vector<float> scale;
  std::vector<int32_t> zero_point;
  int64_t axis = 1;  // channel axis when per-channel
  int32_t qmin = -128;
  int32_t qmax = 127;
};

using Attrs = std::variant<std::monostate, ConvAttrs, PoolAttrs, GemmAttrs, ScalarAttrs, NormAttrs, AxisAttrs, SplitAttrs,
                           ReduceAttrs, ReshapeAttrs, TransposeAttrs, SliceAttrs, PadAttrs, ResizeAttrs, TopKAttrs, CumSumAttrs,
                           RecurrentAttrs, CastAttrs, ExpandAttrs, FakeQuantAttrs>;

}  // namespace aimc
