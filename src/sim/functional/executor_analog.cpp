// run_layer(): one Conv / Gemm / MatMul layer on a batch through its tiles, in parallel work
// items over the replicas' im2col'd (or matrix-row) vectors; matrix_vectors(): one set of vectors
// through a replica's tiles (row blocks summed by the partial-sum unit, column blocks, bias).
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "core/error.h"
#include "core/threads.h"
#include "program/replicas.h"
#include "sim/functional/conv_vectors.h"
#include "sim/functional/executor_impl.h"
#include "sim/functional/fixed_gemm.h"
#include "sim/functional/input_offset.h"
#include "sim/functional/partial_sum.h"

namespace aimc::functional {

using program::LayerKind;
using ref::Buffer;

namespace {

// Vectors per work item of an analog layer (a multiple of FixedGemm::kMaxChunkRows): the per-thread
// buffers hold this many vectors, which bounds the memory beyond one batch's activations.
constexpr int64_t kItemVectors = 256;
static_assert(kItemVectors % FixedGemm::kMaxChunkRows == 0, "a GEMM chunk would straddle two work items");
// Most elements (floats: 32 MB; code bytes: 8 MB) of a replicated conv's padded input samples, made once per layer call.
constexpr int64_t kPrePaddedElements = int64_t{8} << 20;

// The longest run of equally spaced positions from p, of at most `most`.
int64_t spaced_run(const int64_t* p, int64_t most) {
  if (most <= 2) return most;
  const int64_t step = p[1] - p[0];
  int64_t k = 2;
  while (k < most && p[k] - p[k - 1] == step) ++k;
  return k;
}

}  // namespace

namespace detail {

MatrixScratch& matrix_scratch() {
  thread_local MatrixScratch s;
  return s;
}

}  // namespace detail

// One analog layer on a batch: per replica, per chunk of samples, the replica's input vectors
// (im2col for convs) through every tile, row blocks summed, column blocks concatenated, bias.
void ChipExecutor::Impl::run_layer(ref::ValueStore& store, const LayerRun& l, int64_t batch, int64_t sample_offset) {
  if (program::is_recurrent(l.layer->kind)) {
    run_recurrent(store, l, sample_offset);
    return;
  }
  const program::Layer& layer = *l.layer;
  const Node& node = graph.node(l.node);
  const Tensor& x = store.plain(node.inputs[0]);
  const ValueId out_id = node.outputs[0];
  const Shape out_shape = store.shape(out_id);
  Tensor out = store.pool().take(DType::f32, out_shape);  // every element is written below
  const int64_t rows = layer.rows, cols = layer.cols;
  const bool conv = layer.kind == LayerKind::Conv;

  ConvGeometry g;
  int64_t positions = 1;         // vectors per sample
  int64_t outer = 1, inner = 1;  // matrix layers: positions = outer · inner around the batch axis
  // Memory row of (sample b, position p) of a matrix layer's input and output.
  auto matrix_row = [&](int64_t b, int64_t p) { return ((p / inner) * batch + b) * inner + p % inner; };
  if (conv) {
    g = conv_window(node.attr<ConvAttrs>(), x.shape(), out_shape, layer.name);
    if (g.c * g.kh * g.kw != rows) throw InternalError("conv rows do not match the layer matrix");
    positions = g.oh * g.ow;
  } else {
    // Matrix layers: input [outer..., B, inner..., rows] with the batch at its axis; the vectors
    // of a sample are its (outer, inner) positions, in that order. Past a batch fold (a per-sample
    // graph, run one sample at a time) the input has no batch axis and all its vectors are the
    // sample's.
    const Value& xval = graph.value(node.inputs[0]);
    const bool one_sample = xval.batch_axis < 0 && graph.per_sample && batch == 1;
    const int ba = one_sample ? 0 : xval.batch_axis;
    if (ba < 0 || (!one_sample && ba >= static_cast<int>(x.rank()) - 1) || x.numel() % (batch * rows) != 0 ||
        out.numel() != x.numel() / rows * cols) {
      throw Error(fmt::format("input {} does not fit a {} × {} matrix with a batch axis", shape_str(x.shape()), rows, cols),
                  ErrorContext{.node = layer.name});
    }
    for (int d = 0; d < ba; ++d) outer *= x.dim(d);
    positions = x.numel() / (batch * rows);
    inner = positions / outer;
  }
  const auto replicas = static_cast<int64_t>(l.blocks.size());

  // Work items: per replica, runs of its vectors cut at global vector indices that are multiples
  // of kItemVectors (so no GEMM chunk straddles two items), all replicas in one parallel loop.
  // A tile's outputs do not depend on how its vectors are split, so neither does the result.
  struct Replica {
    std::vector<int64_t> samples;  // batch positions of the samples the replica sees
    std::vector<int64_t> pos;      // positions within a sample
    std::vector<int64_t> run_end;  // per index into pos: the end of the equally spaced run it lies in
    uint64_t first = 0;            // global vector index of its first vector
  };
  struct Item {
    int64_t k = 0, v0 = 0, v1 = 0;
  };
  std::vector<Replica> reps(static_cast<size_t>(replicas));
  std::vector<Item> items;
  for (int64_t k = 0; k < replicas; ++k) {
    Replica& r = reps[static_cast<size_t>(k)];
    if (l.by_sample) {
      for (int64_t b = 0; b < batch; ++b) {
        if ((sample_offset + b) % replicas == k) r.samples.push_back(b);
      }
      for (int64_t p = 0; p < positions; ++p) r.pos.push_back(p);
    } else {
      for (int64_t b = 0; b < batch; ++b) r.samples.push_back(b);
      // A 2-D conv's replica takes a block of every output row's columns (program/replicas.h).
      r.pos = program::replica_positions(layer, positions, replicas, k);
    }
    if (r.samples.empty() || r.pos.empty()) continue;
    const auto npos = static_cast<int64_t>(r.pos.size());
    // Runs of equally spaced positions (all of a replica's interleaved positions; a row's block of a
    // replica that takes column blocks): the gathers and scatters go run by run.
    r.run_end.resize(static_cast<size_t>(npos));
    for (int64_t j = 0; j < npos;) {
      const int64_t e = j + spaced_run(r.pos.data() + j, npos - j);
      std::fill(r.run_end.begin() + j, r.run_end.begin() + e, e);
      j = e;
    }
    // Vector indices are contiguous per replica in global sample order.
    const int64_t first_sample = sample_offset + r.samples[0];
    r.first = static_cast<uint64_t>(l.by_sample ? first_sample / replicas : first_sample) * static_cast<uint64_t>(npos);
    const int64_t total = static_cast<int64_t>(r.samples.size()) * npos;
    for (int64_t v0 = 0; v0 < total;) {
      const auto g = static_cast<int64_t>(r.first % static_cast<uint64_t>(kItemVectors)) + v0;
      const int64_t v1 = std::min(total, v0 + kItemVectors - g % kItemVectors);
      items.push_back(Item{k, v0, v1});
      v0 = v1;
    }
  }
  // Replicas' items interleaved (by their first vector, then replica): replicas read and write
  // interleaved positions of the same samples, so the neighbours' items run while those rows and
  // output lines are still in cache (replica after replica, each swept the whole batch's planes).
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.v0 < b.v0; });
  const float* xd = x.data<float>();
  float* od = out.data<float>();
  // The input encoded once (every tile of the layer has the same encoder and input step), so the
  // vectors are gathered as codes and the tiles read them in place.
  InputForm form = InputForm::values;
  // int8 tiles (GemmPrecision::int8) take the codes as bytes: encoded straight to bytes, gathered as
  // bytes (a quarter of the floats' traffic) and read by the GEMM where they lie; the float codes are
  // made only when some tile cannot take bytes of that form (a four-phase read of negative codes).
  const uint8_t* x8 = nullptr;
  if (l.encode_once) {
    thread_local std::vector<float> codes_buffer;  // the calling thread's; the workers use `codes`
    thread_local std::vector<uint8_t> bytes_buffer;
    const int64_t numel = x.numel();
    const Tile& t0 = *l.tiles.front();
    // The encoders' codes fit a byte here (executor_prepare.cpp refuses int8 otherwise).
    const bool int8 = l.input_offset == 0 && t0.reads_code_bytes(InputForm::nonnegative_codes);
    constexpr int64_t kPart = int64_t{1} << 16;
    const int64_t parts = (numel + kPart - 1) / kPart;
    std::vector<char> negative(static_cast<size_t>(parts), 0);
    const auto encode_all = [&](float* codes, uint8_t* bytes) {
      parallel_for(parts, [&](int64_t i) {
        const int64_t b = i * kPart, e = std::min(numel, b + kPart);
        const std::span<const float> part{xd + b, static_cast<size_t>(e - b)};
        negative[static_cast<size_t>(i)] = static_cast<char>(
            codes != nullptr ? t0.encoder().encode(part, t0.scaling().input_step, {codes + b, part.size()})
                             : t0.encoder().encode_bytes(part, t0.scaling().input_step, {bytes + b, part.size()}));
      });
      return InputForm{std::any_of(negative.begin(), negative.end(), [](char c) { return c != 0; })
                           ? InputForm::codes
                           : InputForm::nonnegative_codes};
    };
    if (int8) {
      uint8_t* bytes = sized(bytes_buffer, static_cast<size_t>(numel));
      form = encode_all(nullptr, bytes);
      if (std::all_of(l.tiles.begin(), l.tiles.end(), [&](const auto& t) { return t->reads_code_bytes(form); })) x8 = bytes;
    }
    if (x8 == nullptr) {
      float* codes = sized(codes_buffer, static_cast<size_t>(numel));
      form = encode_all(codes, nullptr);
      xd = codes;
    }
  }
  // Code bytes of a conv with 16·k channels and 3 × 3 windows: each sample padded once into groups of
  // 16 channels, from which a window's taps are three 48-byte runs per group (conv_vectors.h; about
  // 2.5x the byte gather below). Bounded like the pre-padded samples.
  const int64_t hwc16_elements = x8 != nullptr && conv && l.encode_once && im2col_hwc16_applies(g) ? hwc16_sample_elements(g) : 0;
  const bool hwc16 = hwc16_elements > 0 && batch * hwc16_elements <= kPrePaddedElements;
  thread_local std::vector<uint8_t> hwc16_buffer;  // the calling thread's; the workers use `grouped`
  uint8_t* grouped = nullptr;
  if (hwc16) {
    grouped = sized(hwc16_buffer, static_cast<size_t>(batch * hwc16_elements));
    parallel_for(batch, [&](int64_t b) { pad_sample_hwc16(g, x8 + b * g.c * g.h * g.w, grouped + b * hwc16_elements); });
  }
  // A replicated conv's replicas each read every sample: pad the samples once for all of them instead
  // of once per run (bounded: a large input keeps the per-run copies).
  const int64_t padded_elements = conv && !hwc16 && replicas > 1 && im2col_reads_padding(g) ? padded_sample_elements(g) : 0;
  const bool pre_padded = padded_elements > 0 && batch * padded_elements <= kPrePaddedElements;
  // The calling thread's buffers, reached by the workers through these pointers (not by their names,
  // which in a worker name that thread's own).
  thread_local std::vector<float> padded_buffer;
  thread_local std::vector<uint8_t> padded_bytes_buffer;
  float* padded = nullptr;
  uint8_t* padded8 = nullptr;
  if (pre_padded && x8 != nullptr) {
    padded8 = sized(padded_bytes_buffer, static_cast<size_t>(batch * padded_elements));
    parallel_for(batch, [&](int64_t b) { pad_sample(g, x8 + b * g.c * g.h * g.w, padded8 + b * padded_elements); });
  } else if (pre_padded) {
    padded = sized(padded_buffer, static_cast<size_t>(batch * padded_elements));
    parallel_for(batch, [&](int64_t b) { pad_sample(g, xd + b * g.c * g.h * g.w, padded + b * padded_elements); });
  }
  const bool segmented = l.encode_once;
  const size_t segments = segmented ? l.row_segments.size() - 1 : 0;
  parallel_for(static_cast<int64_t>(items.size()), [&](int64_t it) {
    const Item& item = items[static_cast<size_t>(it)];
    const Replica& r = reps[static_cast<size_t>(item.k)];
    const auto npos = static_cast<int64_t>(r.pos.size());
    const int64_t n = item.v1 - item.v0;
    MatrixScratch& s = matrix_scratch();
    float* xv = sized(s.x, static_cast<size_t>(n * rows));
    float* yv = sized(s.y, static_cast<size_t>(n * cols));
    uint8_t* xv8 = x8 != nullptr ? sized(s.x8, static_cast<size_t>(n * rows)) : nullptr;
    // An encode_once layer's gather: segment k is n vectors of its rows at buf + n · its first row, from
    // the codes (float, or bytes for int8 tiles) at src, pre-padded at pad.
    const auto gather_segments = [&]<class T>(T* buf, RowSegmentsOf<T>& out, const T* src, const T* pad, int64_t b, int64_t v,
                                              int64_t p0, int64_t step, const int64_t* p, int64_t run) {
      for (size_t k = 0; k < segments; ++k) out.base[k] = buf + n * l.row_segments[k] + v * out.ld[k];
      if constexpr (std::is_same_v<T, uint8_t>) {
        if (hwc16) {
          im2col_vectors_hwc16(g, grouped + b * hwc16_elements, p0, step, run, out);
          return;
        }
      }
      if (pre_padded) {
        im2col_vectors_padded(g, pad + b * padded_elements, p0, step, run, out);
      } else if (conv) {
        im2col_vectors(g, src + b * g.c * g.h * g.w, p0, step, run, out);
      } else {
        for (int64_t i = 0; i < run; ++i) {
          const T* row = src + matrix_row(b, p[i]) * rows;
          for (size_t k = 0; k < segments; ++k) {
            std::memcpy(out.base[k] + i * out.ld[k], row + l.row_segments[k], static_cast<size_t>(out.ld[k]) * sizeof(T));
          }
        }
      }
    };
    const auto segment_layout = [&](auto& out) {
      out.begin = l.row_segments;
      out.base.resize(segments);
      out.ld.resize(segments);
      for (size_t k = 0; k < segments; ++k) out.ld[k] = l.row_segments[k + 1] - l.row_segments[k];
    };
    if (segmented && x8 != nullptr) {
      segment_layout(s.byte_segments);
    } else if (segmented) {
      segment_layout(s.segments);
    }
    // Gather, per run of one sample's equally spaced positions.
    for (int64_t v = 0; v < n;) {
      const int64_t b = r.samples[static_cast<size_t>((item.v0 + v) / npos)];
      const int64_t j = (item.v0 + v) % npos;
      const int64_t* p = r.pos.data() + j;
      const int64_t run = std::min(n - v, r.run_end[static_cast<size_t>(j)] - j);
      const int64_t step = run > 1 ? p[1] - p[0] : 1;
      if (segmented && x8 != nullptr) {  // the run's vectors from v in each segment
        gather_segments(xv8, s.byte_segments, x8, padded8, b, v, p[0], step, p, run);
      } else if (segmented) {
        gather_segments(xv, s.segments, xd, padded, b, v, p[0], step, p, run);
      } else if (pre_padded) {
        im2col_vectors_padded(g, padded + b * padded_elements, p[0], step, run, xv + v * rows, rows);
      } else if (conv) {
        im2col_vectors(g, xd + b * g.c * g.h * g.w, p[0], step, run, xv + v * rows, rows);
      } else {
        for (int64_t i = 0; i < run; ++i) {
          std::memcpy(xv + (v + i) * rows, xd + matrix_row(b, p[i]) * rows, static_cast<size_t>(rows) * sizeof(float));
        }
      }
      v += run;
    }
    matrix_vectors(l, item.k, xv, n, r.first + static_cast<uint64_t>(item.v0), yv, s, form, xv8);
    // Scatter: conv outputs are [B, C_out, positions] (per sample and column, the positions of
    // the item's run of that sample), matrix outputs [B, positions, cols].
    for (int64_t v = 0; v < n;) {
      const int64_t b = r.samples[static_cast<size_t>((item.v0 + v) / npos)];
      const int64_t j = (item.v0 + v) % npos;
      const int64_t* p = r.pos.data() + j;
      const int64_t run = std::min(n - v, r.run_end[static_cast<size_t>(j)] - j);
      if (conv) {
        const int64_t step = run > 1 ? p[1] - p[0] : 1;
        vectors_to_planes(yv + v * cols, run, cols, od + b * cols * positions + p[0], positions, step);
      } else {
        for (int64_t i = 0; i < run; ++i) {
          std::memcpy(od + matrix_row(b, p[i]) * cols, yv + (v + i) * cols, static_cast<size_t>(cols) * sizeof(float));
        }
      }
      v += run;
    }
  });
  store.set(out_id, Buffer{out, {}});
}

// Runs on the calling thread when called inside a parallel region (the tiles' own loops are then
// serial); else the column blocks are spread over the threads, each tile MVM parallel over its chunks
// where it is alone (an LSTM step: one chunk of vectors, several column blocks). A block's outputs
// are its own columns, so neither way changes a bit.
void ChipExecutor::Impl::matrix_vectors(const LayerRun& l, int64_t k, const float* xv, int64_t n, uint64_t first, float* yv,
                                        MatrixScratch& s, InputForm form, const uint8_t* xv8) const {
  const int64_t rows = l.layer->rows, cols = l.layer->cols;
  if (l.input_offset != 0) {  // offset-binary inputs (input_offset.h)
    float* shifted = sized(s.offset, static_cast<size_t>(n * rows));
    offset_inputs(xv, n * rows, l.input_offset, shifted);
    xv = shifted;
  }
  // Every column lies in exactly one column block (group blocks included), so yv is fully written.
  const std::vector<ColumnBlock>& blocks = l.blocks[static_cast<size_t>(k)];
  parallel_for(static_cast<int64_t>(blocks.size()), [&](int64_t b) {
    const ColumnBlock& cb = blocks[static_cast<size_t>(b)];
    MatrixScratch& bs = matrix_scratch();  // this thread's: the block's sums (the caller's x and y apart)
    const int64_t bc = cb.col_end - cb.col_begin;
    const bool fixed = l.width_bits > 0 && cb.tiles.size() > 1 && cb.lsb > 0;
    const size_t block = static_cast<size_t>(n * bc);
    int32_t* acc = nullptr;
    if (fixed) {
      acc = sized(bs.acc, block);
      std::fill_n(acc, block, 0);
    }
    // A block over all the columns sums (or converts its accumulated partial sums) straight into the
    // layer's outputs.
    const bool direct = bc == cols && l.col_scale.empty();
    float* sum = direct ? yv : sized(bs.sum, block);
    float* part = sized(bs.part, block);
    bool first_tile = true;
    for (size_t ti : cb.tiles) {
      const Tile& tile = *l.tiles[ti];
      const program::Tile& pt = *l.placed[ti];
      float* out = fixed || !first_tile ? part : sum;
      if (form == InputForm::values) {
        tile.mvm(xv + pt.row_begin, rows, n, first, out);  // the tile's rows, read in place
      } else if (xv8 != nullptr) {                         // code bytes, gathered as the codes are
        tile.mvm_code_bytes(xv8 + n * pt.row_begin, n, first, form, out);
      } else {  // codes, gathered in row segments (LayerRun::row_segments): the tile's is n × its rows
        tile.mvm_codes(xv + n * pt.row_begin, n, first, form, out);
      }
      if (fixed) {
        accumulate_partial_sums({acc, block}, {part, block}, cb.lsb, l.width_bits);
      } else if (!first_tile) {
        for (size_t i = 0; i < block; ++i) sum[i] += part[i];
      }
      first_tile = false;
    }
    if (fixed) partial_sums_to_values({acc, block}, cb.lsb, {sum, block});
    if (direct) return;
    if (!l.col_scale.empty()) {
      const float* sc = l.col_scale.data() + cb.col_begin;
      for (int64_t i = 0; i < n; ++i) {
        for (int64_t c = 0; c < bc; ++c) yv[i * cols + cb.col_begin + c] = sum[i * bc + c] * sc[c];
      }
      return;
    }
    for (int64_t i = 0; i < n; ++i) {
      std::memcpy(yv + i * cols + cb.col_begin, sum + i * bc, static_cast<size_t>(bc) * sizeof(float));
    }
  });
  if (!l.bias.empty()) {
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t c = 0; c < cols; ++c) yv[i * cols + c] += l.bias[static_cast<size_t>(c)];
    }
  }
}

}  // namespace aimc::functional
