// Internal state of the chip executor, shared by its parts (not installed API):
//   executor.cpp          construction, the step plan, run() / run_batch() and the digital nodes;
//   executor_prepare.cpp  prepare_layers(): the analog layers' tiles programmed and arranged;
//   executor_analog.cpp   run_layer(): an analog layer's vectors in parallel work items, matrix_vectors();
//   executor_recurrent.cpp run_recurrent(): an LSTM or GRU layer step by step.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "program/program.h"
#include "reference/kernel.h"
#include "reference/lane.h"
#include "reference/value_store.h"
#include "sim/functional/conv_vectors.h"
#include "sim/functional/digital_ops.h"
#include "sim/functional/executor.h"
#include "sim/functional/tile.h"

namespace aimc::functional::detail {

// Tiles of one column block of one replica, summed over their row blocks (in row order).
struct ColumnBlock {
  int64_t col_begin = 0, col_end = 0;
  std::vector<size_t> tiles;  // indices into LayerRun::tiles, sorted by row_begin
  float lsb = 0;              // accumulator LSB (weight domain): the finest tile output LSB
};

// Per-thread buffers of an analog layer's work items, kept between items and batches.
struct MatrixScratch {
  std::vector<float> x, y, sum, part, offset;
  std::vector<uint8_t> x8;  // an int8 layer's gathered code bytes
  std::vector<int32_t> acc;
  RowSegments segments;                  // an encode_once layer's gather targets
  RowSegmentsOf<uint8_t> byte_segments;  // the same for code bytes
};
// This thread's buffers (thread_local).
MatrixScratch& matrix_scratch();
// v.data(), v grown to at least n elements.
template <class T>
T* sized(std::vector<T>& v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

struct LayerRun {
  const program::Layer* layer = nullptr;
  int32_t node = -1;
  // In Program tile order for this layer. Held by pointer: a Tile's crossbar keeps a pointer to
  // the Tile's own CoreSpec, so a moved Tile would leave it dangling (tile.cpp, reported).
  std::vector<std::unique_ptr<Tile>> tiles;
  std::vector<const program::Tile*> placed;      // the Program's tile behind each of `tiles`
  std::vector<std::vector<ColumnBlock>> blocks;  // per replica
  std::vector<float> bias;                       // per column, empty: none
  std::vector<float> col_scale;                  // per column digital scale of pre-scaled weights, or empty
  int64_t width_bits = 0;                        // partial-sum accumulator width; 0: fp32
  float input_offset = 0;                        // offset-binary inputs (input_offset.h); 0: none
  bool by_sample = false;                        // replicas split samples (else positions)
  // Every tile takes codes (Tile::reads_codes): run_layer encodes the input once,
  // before its vectors are gathered, instead of each tile encoding its gathered rows; the vectors are
  // then gathered in row segments, one per tile row range (row_segments: their first rows and the
  // layer's rows), each a dense block the tiles of that range read (n vectors of the segment's rows
  // at xv + n · first row).
  bool encode_once = false;
  std::vector<int64_t> row_segments;
};

struct StepRun {
  int32_t node = -1;
  int32_t layer = -1;  // index into Impl::layers, or -1: a reference kernel (each lane's own)
  ref::KernelSpec spec;
  std::vector<char> stealable;  // per spec input: its buffer may become this step's output
  std::vector<ValueId> release;
  std::optional<FixedPoint> fixed;  // the output format of the digital unit that computes the node
};

}  // namespace aimc::functional::detail

namespace aimc::functional {

using detail::ColumnBlock;
using detail::LayerRun;
using detail::matrix_scratch;
using detail::MatrixScratch;
using detail::sized;
using detail::StepRun;

struct ChipExecutor::Impl {
  Impl(const program::Program& p, const Graph& g, const chip::ChipSpec& c, FunctionalOptions o)
      : program(p), graph(g), chip(c), options(std::move(o)), engine(dnnl::engine::kind::cpu, 0), constants(g, engine) {}

  void prepare_layers();
  void plan_steps(const std::vector<char>& run);
  int64_t validate(const std::vector<Tensor>& inputs) const;
  // The steps on one (sub-)batch in `lane`; returns the graph outputs.
  std::vector<Tensor> run_batch(ref::Lane& lane, const std::vector<Tensor>& inputs, int64_t batch, int64_t sample_offset);
  void run_layer(ref::ValueStore& store, const LayerRun& l, int64_t batch, int64_t sample_offset);
  void run_recurrent(ref::ValueStore& store, const LayerRun& l, int64_t sample_offset);
  // The node's f32 outputs in its digital unit's fixed-point format (digital_ops.h).
  void round_outputs(ref::ValueStore& store, const StepRun& step);
  // y[n × cols] = Σ row blocks (partial-sum unit) ‖ column blocks + bias, for replica k's vectors x.
  // With x8 (codes as bytes, every tile reads_code_bytes(form)) the tiles read x8 instead of x.
  void matrix_vectors(const LayerRun& l, int64_t k, const float* x, int64_t n, uint64_t first, float* y, MatrixScratch& s,
                      InputForm form = InputForm::values, const uint8_t* x8 = nullptr) const;

  const program::Program& program;
  const Graph& graph;
  const chip::ChipSpec& chip;
  FunctionalOptions options;
  dnnl::engine engine;
  ref::ValueStore constants;  // the graph's constants and those folded at construction
  // Per thread (reference/lane.h): a kernel per digital step, none for the analog layers, whose tiles
  // all lanes share (their MVMs are const and thread-safe). Made after the steps are planned.
  std::unique_ptr<ref::Lanes> lanes;
  std::vector<LayerRun> layers;
  std::vector<StepRun> steps;
  int64_t sample_bytes = 0;  // the largest run-time value of one sample (bytes)
};

}  // namespace aimc::functional
