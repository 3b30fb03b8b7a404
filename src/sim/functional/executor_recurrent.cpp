// run_recurrent(): an ONNX LSTM or GRU layer step by step, its gate matrices through the tiles.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/error.h"
#include "core/threads.h"
#include "sim/functional/executor_impl.h"

namespace aimc::functional {

using ref::Buffer;

namespace {
float sigmoid(float v) { return 1.0f / (1.0f + std::exp(-v)); }
constexpr int64_t kCellSamples = 8;  // samples per piece of a step's cell update
}  // namespace

// ONNX LSTM / GRU (forward, default activations): per time step t, the vectors [x_t; h_(t−1)] of every
// sample through replica t mod R's tiles (the gate columns of program::Layer + bias), then the cell
// update in fp32. Vector index: t · 2^32 + global sample index (contiguous over a batch, distinct over steps).
void ChipExecutor::Impl::run_recurrent(ref::ValueStore& store, const LayerRun& l, int64_t sample_offset) {
  const program::Layer& layer = *l.layer;
  const Node& node = graph.node(l.node);
  const ErrorContext where{.node = layer.name};
  const bool lstm = layer.kind == program::LayerKind::Lstm;
  const Tensor& x = store.plain(node.inputs[0]);
  if (x.rank() != 3) throw Error("recurrent layer input must be [T, N, I]", where);
  if (node.input(4) != kNoValue) throw Error("sequence_lens are not supported on crossbars", where);
  const int64_t t_len = x.dim(0), n = x.dim(1), in = x.dim(2);
  const int64_t h = node.attr<RecurrentAttrs>().hidden_size, g4 = 4 * h;  // both kinds: 4H columns
  if (in + h != layer.rows || g4 != layer.cols) throw InternalError("recurrent rows do not match the layer matrix");
  auto init = [&](size_t i, std::vector<float>& s) {
    s.assign(static_cast<size_t>(n * h), 0.0f);
    if (node.input(i) == kNoValue) return;
    const Tensor& src = store.plain(node.inputs[i]);
    const bool bcast = src.dim(1) == 1;
    for (int64_t b = 0; b < n; ++b) {
      std::memcpy(s.data() + b * h, src.data<float>() + (bcast ? 0 : b * h), static_cast<size_t>(h) * sizeof(float));
    }
  };
  std::vector<float> hs, cs;
  init(5, hs);
  if (lstm) init(6, cs);
  const bool want_y = node.outputs.size() > 0 && node.outputs[0] != kNoValue;
  Tensor y;
  if (want_y) y = Tensor(DType::f32, store.shape(node.outputs[0]));
  const auto replicas = static_cast<int64_t>(l.blocks.size());
  std::vector<float> xin_buffer(static_cast<size_t>(n * layer.rows));
  float* xin = xin_buffer.data();
  std::vector<float> gates(static_cast<size_t>(n * g4));
  for (int64_t t = 0; t < t_len; ++t) {
    for (int64_t b = 0; b < n; ++b) {
      std::memcpy(xin + b * layer.rows, x.data<float>() + (t * n + b) * in, static_cast<size_t>(in) * sizeof(float));
      std::memcpy(xin + b * layer.rows + in, hs.data() + b * h, static_cast<size_t>(h) * sizeof(float));
    }
    const uint64_t first = (static_cast<uint64_t>(t) << 32) + static_cast<uint64_t>(sample_offset);
    matrix_vectors(l, t % replicas, xin, n, first, gates.data(), matrix_scratch());
    // The cell update, in blocks of samples over the threads (its exp and tanh calls are most of an
    // LSTM's time: 37 % of a PTB evaluation at one thread).
    parallel_for((n + kCellSamples - 1) / kCellSamples, [&](int64_t part) {
      for (int64_t b = part * kCellSamples; b < std::min(n, (part + 1) * kCellSamples); ++b) {
        const float* g = gates.data() + b * g4;
        float* hv = hs.data() + b * h;
        if (lstm) {
          float* cv = cs.data() + b * h;
          for (int64_t j = 0; j < h; ++j) {
            const float i = sigmoid(g[j]), o = sigmoid(g[h + j]), f = sigmoid(g[2 * h + j]), c = std::tanh(g[3 * h + j]);
            cv[j] = f * cv[j] + i * c;
            hv[j] = o * std::tanh(cv[j]);
          }
        } else {  // columns z, r, h·x, h·h
          for (int64_t j = 0; j < h; ++j) {
            const float z = sigmoid(g[j]), r = sigmoid(g[h + j]), c = std::tanh(g[2 * h + j] + r * g[3 * h + j]);
            hv[j] = (1.0f - z) * c + z * hv[j];
          }
        }
      }
    });
    if (want_y) std::memcpy(y.data<float>() + t * n * h, hs.data(), static_cast<size_t>(n * h) * sizeof(float));
  }
  if (want_y) store.set(node.outputs[0], Buffer{y, {}});
  auto put = [&](size_t i, const std::vector<float>& s) {
    if (node.outputs.size() <= i || node.outputs[i] == kNoValue) return;
    Tensor v(DType::f32, store.shape(node.outputs[i]));
    std::memcpy(v.data<float>(), s.data(), s.size() * sizeof(float));
    store.set(node.outputs[i], Buffer{v, {}});
  };
  put(1, hs);
  if (lstm) put(2, cs);
}

}  // namespace aimc::functional
