// ChipExecutor: preparation (constant sub-graphs folded, tiles programmed, steps planned with
// value lifetimes) and run (analog layers through the tiles, other nodes through the reference
// kernels, values released when no later step reads them).
#include "sim/functional/executor.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <map>

#include <fmt/format.h>

#include "compiler/weights.h"
#include "core/error.h"
#include "core/threads.h"
#include "sim/functional/conv_vectors.h"
#include "sim/functional/digital_ops.h"
#include "sim/functional/input_offset.h"
#include "sim/functional/partial_sum.h"
#include "sim/functional/tile.h"
#include "sim/reference/kernel.h"
#include "sim/reference/plan.h"
#include "sim/reference/value_store.h"

namespace aimc::functional {

using compiler::LayerKind;
using ref::Buffer;
using ref::KernelSpec;
using ref::RunContext;
using ref::StoreRun;
using ref::ValueStore;

namespace {

// Tiles of one column block of one replica, summed over their row blocks (in row order).
struct ColumnBlock {
  int64_t col_begin = 0, col_end = 0;
  std::vector<size_t> tiles;  // indices into LayerRun::tiles, sorted by row_begin
  float lsb = 0;              // accumulator LSB (weight domain): the finest tile output LSB
};

// Vectors per work item of an analog layer (a multiple of FixedGemm::kChunkRows): the per-thread
// buffers hold this many vectors, which bounds the memory beyond one batch's activations.
constexpr int64_t kItemVectors = 256;
// Samples per sub-batch of a one-thread run() (see there).
constexpr int64_t kSubBatch = 16;

// Per-thread buffers of an analog layer's work items, kept between items and batches.
struct MatrixScratch {
  std::vector<float> x, y, rows, sum, part, offset;
  std::vector<int32_t> acc;
};
MatrixScratch& matrix_scratch() {
  thread_local MatrixScratch s;
  return s;
}
template <class T>
T* sized(std::vector<T>& v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

struct LayerRun {
  const compiler::Layer* layer = nullptr;
  int32_t node = -1;
  // In Program tile order for this layer. Held by pointer: a Tile's crossbar keeps a pointer to
  // the Tile's own CoreSpec, so a moved Tile would leave it dangling (tile.cpp, reported).
  std::vector<std::unique_ptr<Tile>> tiles;
  std::vector<const compiler::Tile*> placed;     // the Program's tile behind each of `tiles`
  std::vector<std::vector<ColumnBlock>> blocks;  // per replica
  std::vector<float> bias;                       // per column, empty: none
  std::vector<float> col_scale;                  // per column digital scale of pre-scaled weights, or empty
  int64_t width_bits = 0;                        // partial-sum accumulator width; 0: fp32
  float input_offset = 0;                        // offset-binary inputs (input_offset.h); 0: none
  bool by_sample = false;                        // replicas split samples (else positions)
};

struct StepRun {
  int32_t node = -1;
  int32_t layer = -1;  // index into Impl::layers, or -1: a reference kernel
  KernelSpec spec;
  std::unique_ptr<ref::Kernel> kernel;
  std::vector<ValueId> release;
  std::optional<FixedPoint> fixed;  // the output format of the digital unit that computes the node
};

// Fixed-point output formats of graph-node ops on digital units with a width, by node name.
std::map<std::string, FixedPoint> fixed_point_ops(const compiler::Program& p, const chip::ChipSpec& chip) {
  std::map<std::string, FixedPoint> m;
  for (const compiler::DigitalOp& d : p.digital_ops) {
    if (d.layer >= 0 || !d.frac_bits || d.unit_index < 0) continue;
    const auto& units = d.scope == compiler::Scope::Core ? chip.cores.digital : chip.digital;
    const auto i = static_cast<size_t>(d.unit_index);
    if (i < units.size()) m[d.node] = FixedPoint{.width_bits = units[i].width_bits, .frac_bits = *d.frac_bits};
  }
  return m;
}

// The width of the digital unit that sums the layer's row splits (0: fp32, e.g. on the host).
int64_t partial_sum_width(const compiler::Program& p, const chip::ChipSpec& chip, int32_t layer) {
  for (const compiler::DigitalOp& op : p.digital_ops) {
    if (op.layer != layer || op.op != "partial-sum") continue;
    if (op.unit_index < 0) return 0;
    const auto i = static_cast<size_t>(op.unit_index);
    if (op.scope == compiler::Scope::Core && i < chip.cores.digital.size()) return chip.cores.digital[i].width_bits;
    if (op.scope == compiler::Scope::Chip && i < chip.digital.size()) return chip.digital[i].width_bits;
    return 0;
  }
  return 0;
}

chip::CoreSpec core_with_compensation(const chip::ChipSpec& chip, const FunctionalOptions& o) {
  chip::CoreSpec core = chip.cores;
  if (o.drift_compensation) {
    if (const chip::PcmSpec* pcm = core.device.get_if<chip::PcmSpec>()) {
      chip::PcmSpec copy = *pcm;
      copy.drift_compensation = *o.drift_compensation;
      core.device.params = copy;
    }
  }
  return core;
}

float max_abs(const Tensor& t) {
  float m = 0;
  for (float v : t.span<float>()) m = std::max(m, std::fabs(v));
  return m;
}

}  // namespace

struct ChipExecutor::Impl {
  Impl(const compiler::Program& p, const Graph& g, const chip::ChipSpec& c, FunctionalOptions o)
      : program(p), graph(g), chip(c), options(std::move(o)), engine(dnnl::engine::kind::cpu, 0), store(g, engine) {}

  void prepare_layers();
  void plan_steps(const std::vector<char>& run);
  int64_t validate(const std::vector<Tensor>& inputs) const;
  // The steps on one (sub-)batch; returns the graph outputs.
  std::vector<Tensor> run_batch(const std::vector<Tensor>& inputs, int64_t batch, int64_t sample_offset);
  void run_layer(LayerRun& l, int64_t batch, int64_t sample_offset);
  void run_lstm(LayerRun& l, int64_t sample_offset);
  // The node's f32 outputs in its digital unit's fixed-point format (digital_ops.h).
  void round_outputs(const StepRun& step);
  // y[n × cols] = Σ row blocks (partial-sum unit) ‖ column blocks + bias, for replica k's vectors x.
  void matrix_vectors(const LayerRun& l, int64_t k, const float* x, int64_t n, uint64_t first, float* y,
                      MatrixScratch& s) const;

  const compiler::Program& program;
  const Graph& graph;
  const chip::ChipSpec& chip;
  FunctionalOptions options;
  dnnl::engine engine;
  ValueStore store;
  std::vector<LayerRun> layers;
  std::vector<StepRun> steps;
};


void ChipExecutor::Impl::prepare_layers() {
  const chip::CoreSpec core = core_with_compensation(chip, options);
  const bool data_parallel = program.schedule.kind == compiler::ScheduleKind::DataParallel;
  for (const compiler::Layer& layer : program.layers) {
    const ErrorContext where{.node = layer.name};
    const float step = layer.quant.input_step;
    if (options.converters && !(step > 0)) {
      throw Error("the layer has no input step (compile with calibration, or from a model with fake-quant inputs)",
                  where);
    }
    LayerRun l;
    l.layer = &layer;
    l.node = compiler::layer_node(graph, layer);
    const Tensor matrix = compiler::layer_matrix(graph, layer, l.node);
    l.bias = compiler::layer_bias(graph, layer, l.node);
    // Fixed-point partial sums for differential analog cells, whose outputs are ADC codes × an LSB
    // derived below; binary and bit-sliced tiles already give exact integer multiples (fp32 sums).
    const std::string& tech = chip.cores.device.technology;
    const bool differential = tech == "pcm" || tech == "rram" || tech == "ideal";
    l.width_bits = options.converters && differential ? partial_sum_width(program, chip, layer.id) : 0;
    l.by_sample = data_parallel || layer.vectors_per_inference <= 1;

    TileOptions topt;
    topt.input_bits = layer.quant.input_bits;
    topt.weight_bits = layer.quant.weight_bits;
    topt.adc_bits = layer.quant.adc_bits;
    topt.converters = options.converters;
    const bool per_column = layer.quant.weight_scale.size() > 1;
    if (per_column && !differential && layer.quant.weight_bits > 0) {
      // Bit-sliced / binary cells take one weight step per tile: per-column (per-channel) scales are
      // applied digitally instead — the tile holds W[:, c] / s_c (integers for fake-quant weights)
      // with step 1, and the column's output is multiplied by s_c (exact).
      if (static_cast<int64_t>(layer.quant.weight_scale.size()) != layer.cols) {
        throw Error("per-column weight scales do not match the layer's columns", where);
      }
      l.col_scale = layer.quant.weight_scale;
      topt.weight_step = 1.0f;
    } else if (per_column) {
      topt.weight_scale = WeightScale::PerColumn;
      topt.adc_range = AdcRange::PerColumn;
    } else if (layer.quant.weight_bits > 0 && layer.quant.weight_scale.size() == 1) {
      topt.weight_step = layer.quant.weight_scale[0];  // one weight LSB for the whole layer
    }
    if (options.converters && layer.quant.input_offset > 0) {
      std::vector<float> binary_step;
      if (chip.cores.weights.scheme == chip::WeightScheme::Binary && (topt.weight_step > 0 || !l.col_scale.empty())) {
        binary_step = l.col_scale.empty() ? std::vector<float>(static_cast<size_t>(layer.cols), topt.weight_step) : l.col_scale;
      }
      l.bias = offset_bias(matrix, binary_step, layer.quant.input_offset, std::move(l.bias));
      l.input_offset = layer.quant.input_offset;
    }
    // A comparator that binarises the layer (adc_bits 1) applies the bias as its column thresholds.
    const bool comparator = options.converters && chip.cores.adc.kind == chip::AdcKind::Comparator && layer.quant.adc_bits <= 1;
    // ASSUMPTION (docs/functional-sim.md): a bit-serial two's-complement chip feeds a layer whose
    // inputs are all ≥ 0 (e.g. after a ReLU) as unsigned bit planes (no negatively weighted MSB),
    // so an unsigned b-bit activation keeps all its codes.
    chip::CoreSpec layer_core = core;
    if (!layer.quant.input_signed && layer_core.input.sign == chip::InputSign::TwosComplement) {
      layer_core.input.sign = chip::InputSign::Unsigned;
    }
    const int64_t replicas = std::max<int64_t>(1, layer.replicas);
    l.blocks.resize(static_cast<size_t>(replicas));
    std::vector<float> tile_lsb;
    for (int32_t tid : program.tiles_of(layer.id)) {
      const compiler::Tile& t = program.tiles.at(static_cast<size_t>(tid));
      auto owned = std::make_unique<Tile>(
          layer_core, TileContext{.seed = options.seed, .tile_id = static_cast<uint32_t>(t.id), .read_mode = options.read_mode},
          topt);
      Tile& tile = *owned;
      Tensor w = compiler::tile_weights(matrix, t);
      if (!l.col_scale.empty()) {
        float* wd = w.data<float>();
        const int64_t tc = t.cols();
        for (int64_t r = 0; r < t.rows(); ++r) {
          for (int64_t c = 0; c < tc; ++c) wd[r * tc + c] /= l.col_scale[static_cast<size_t>(t.col_begin + c)];
        }
      }
      tile.program(w);
      float lsb = 0;
      if (options.converters) {
        tile.calibrate(step);
        // The tile's output LSB in the weight domain: ADC full scale (adc.full_scale × the largest
        // single-row product x_max·|w|max) over the largest ADC code.
        const double x_max = static_cast<double>(step) * static_cast<double>(tile.encoder().code_max());
        const double fs = chip.cores.adc.full_scale.value_or(1.0);
        const double code_max = std::max(1.0, static_cast<double>(tile.adc().code_max()));
        lsb = static_cast<float>(fs * x_max * static_cast<double>(max_abs(w)) / code_max);
      }
      if (comparator) {
        if (t.rows() != layer.group_rows) throw Error("a comparator decides on a whole column; the layer is split over rows", where);
        std::vector<float> threshold(static_cast<size_t>(t.cols()), 0.0f);
        for (int64_t c = 0; c < t.cols() && !l.bias.empty(); ++c) {
          const auto col = static_cast<size_t>(t.col_begin + c);
          threshold[static_cast<size_t>(c)] = -l.bias[col] / (l.col_scale.empty() ? 1.0f : l.col_scale[col]);
        }
        tile.set_thresholds(std::move(threshold));
      }
      if (options.t_s) tile.set_time(*options.t_s);
      const size_t index = l.tiles.size();
      l.tiles.push_back(std::move(owned));
      l.placed.push_back(&t);
      tile_lsb.push_back(lsb);
      if (t.replica < 0 || t.replica >= replicas) {
        throw Error(fmt::format("tile {} has replica {}, the layer has {}", t.id, t.replica, replicas), where);
      }
      auto& blocks = l.blocks[static_cast<size_t>(t.replica)];
      auto it = std::find_if(blocks.begin(), blocks.end(),
                             [&](const ColumnBlock& b) { return b.col_begin == t.col_begin && b.col_end == t.col_end; });
      if (it == blocks.end()) {
        blocks.push_back(ColumnBlock{.col_begin = t.col_begin, .col_end = t.col_end, .tiles = {}, .lsb = 0});
        it = blocks.end() - 1;
      }
      it->tiles.push_back(index);
    }
    // Row order inside each column block; the finest positive LSB accumulates.
    const std::vector<const compiler::Tile*>& placed = l.placed;
    for (auto& blocks : l.blocks) {
      if (blocks.empty()) throw Error("a replica of the layer has no tiles", where);
      for (ColumnBlock& b : blocks) {
        std::sort(b.tiles.begin(), b.tiles.end(), [&](size_t x, size_t y) { return placed[x]->row_begin < placed[y]->row_begin; });
        float lsb = 0;
        for (size_t i : b.tiles) {
          if (tile_lsb[i] > 0 && (lsb == 0 || tile_lsb[i] < lsb)) lsb = tile_lsb[i];
        }
        b.lsb = lsb;
      }
    }
    if (comparator) {
      l.bias.clear();  // applied by the comparators
      l.col_scale.clear();  // a ±1 decision is not rescaled
    }
    layers.push_back(std::move(l));
  }
}

void ChipExecutor::Impl::plan_steps(const std::vector<char>& run) {
  std::map<int32_t, int32_t> layer_of_node;
  for (size_t i = 0; i < layers.size(); ++i) layer_of_node[layers[i].node] = static_cast<int32_t>(i);
  auto constant = [this](ValueId id) { return store.constant(id); };
  const std::map<std::string, FixedPoint> fixed = fixed_point_ops(program, chip);
  std::vector<int64_t> last_read(graph.num_values(), -1);
  for (size_t i = 0; i < graph.num_nodes(); ++i) {
    const auto it = layer_of_node.find(static_cast<int32_t>(i));
    const bool is_layer = it != layer_of_node.end();
    if (!run[i] && !is_layer) continue;
    const Node& n = graph.nodes()[i];
    StepRun s;
    s.node = static_cast<int32_t>(i);
    s.spec = KernelSpec{&graph, &n, n.inputs, n.outputs, {}, engine, constant};
    if (is_layer) {
      s.layer = it->second;
      if (n.inputs.empty() || store.constant(n.inputs[0]) != nullptr) {
        throw Error("an analog layer needs a run-time input", ErrorContext{.node = n.name});
      }
    } else {
      s.kernel = ref::make_kernel(s.spec);
      if (const auto f = fixed.find(n.name); options.converters && f != fixed.end()) s.fixed = f->second;
    }
    for (ValueId v : n.inputs) {
      if (v != kNoValue && store.constant(v) == nullptr) last_read[static_cast<size_t>(v)] = static_cast<int64_t>(steps.size());
    }
    steps.push_back(std::move(s));
  }
  std::vector<char> keep(graph.num_values(), 0);
  for (ValueId v : graph.outputs) keep[static_cast<size_t>(v)] = 1;
  for (size_t v = 0; v < last_read.size(); ++v) {
    if (last_read[v] >= 0 && !keep[v]) steps[static_cast<size_t>(last_read[v])].release.push_back(static_cast<ValueId>(v));
  }
  store.set_poolable(std::vector<char>(graph.num_values(), 0));
}

int64_t ChipExecutor::Impl::validate(const std::vector<Tensor>& inputs) const {
  if (inputs.size() != graph.inputs.size()) {
    throw Error(fmt::format("the graph has {} input(s), {} given", graph.inputs.size(), inputs.size()),
                ErrorContext{.field = "inputs"});
  }
  int64_t batch = -1;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Value& v = graph.value(graph.inputs[i]);
    const Tensor& t = inputs[i];
    ErrorContext where{.field = fmt::format("input '{}'", v.name)};
    if (v.batch_axis < 0) throw Error("the chip executor needs inputs with a batch axis", where);
    if (t.dtype() != v.dtype) {
      throw Error(fmt::format("has type {}, expected {}", dtype_name(t.dtype()), dtype_name(v.dtype)), where);
    }
    bool ok = t.rank() == static_cast<int64_t>(v.shape.size()) && t.rank() > 0;
    for (size_t d = 0; ok && d < v.shape.size(); ++d) ok = static_cast<int>(d) == v.batch_axis || t.shape()[d] == v.shape[d];
    if (!ok) {
      throw Error(fmt::format("has shape {}, expected {} (any size at batch axis {})", shape_str(t.shape()),
                              shape_str(v.shape), v.batch_axis),
                  where);
    }
    const int64_t b = t.shape()[static_cast<size_t>(v.batch_axis)];
    if (b < 1) throw Error("has an empty batch", where);
    if (batch >= 0 && b != batch) throw Error("inputs differ in batch size", where);
    batch = b;
  }
  return batch >= 0 ? batch : graph.import_batch;
}

// One analog layer on a batch: per replica, per chunk of samples, the replica's input vectors
// (im2col for convs) through every tile, row blocks summed, column blocks concatenated, bias.
void ChipExecutor::Impl::run_layer(LayerRun& l, int64_t batch, int64_t sample_offset) {
  if (l.layer->kind == LayerKind::Lstm) {
    run_lstm(l, sample_offset);
    return;
  }
  const compiler::Layer& layer = *l.layer;
  const Node& node = graph.node(l.node);
  const Tensor& x = store.plain(node.inputs[0]);
  const ValueId out_id = node.outputs[0];
  const Shape out_shape = store.shape(out_id);
  Tensor out = store.pool().take(DType::f32, out_shape);  // every element is written below
  const int64_t rows = layer.rows, cols = layer.cols;
  const bool conv = layer.kind == LayerKind::Conv;

  ConvGeometry g;
  int64_t positions = 1;  // vectors per sample
  int64_t outer = 1, inner = 1;  // matrix layers: positions = outer · inner around the batch axis
  // Memory row of (sample b, position p) of a matrix layer's input and output.
  auto matrix_row = [&](int64_t b, int64_t p) { return ((p / inner) * batch + b) * inner + p % inner; };
  if (conv) {
    const auto& a = node.attr<ConvAttrs>();
    const Shape& xs = x.shape();
    const size_t sd = a.window.kernel.size();
    if (sd == 2) {
      g = ConvGeometry{.c = xs[1], .h = xs[2], .w = xs[3], .oh = out_shape[2], .ow = out_shape[3],
                       .kh = a.window.kernel[0], .kw = a.window.kernel[1], .sh = a.window.strides[0],
                       .sw = a.window.strides[1], .dh = a.window.dilations[0], .dw = a.window.dilations[1],
                       .ph = a.window.pads[0], .pw = a.window.pads[1]};
    } else if (sd == 1) {
      g = ConvGeometry{.c = xs[1], .h = 1, .w = xs[2], .oh = 1, .ow = out_shape[2], .kh = 1, .kw = a.window.kernel[0],
                       .sh = 1, .sw = a.window.strides[0], .dh = 1, .dw = a.window.dilations[0], .ph = 0,
                       .pw = a.window.pads[0]};
    } else {
      throw Error("only 1-D and 2-D convolutions run on crossbars", ErrorContext{.node = layer.name});
    }
    if (g.c * g.kh * g.kw != rows) throw InternalError("conv rows do not match the layer matrix");
    positions = g.oh * g.ow;
  } else {
    // Matrix layers: input [outer..., B, inner..., rows] with the batch at its axis; the vectors
    // of a sample are its (outer, inner) positions, in that order.
    const Value& xval = graph.value(node.inputs[0]);
    const int ba = xval.batch_axis;
    if (ba < 0 || ba >= static_cast<int>(x.rank()) - 1 || x.numel() % (batch * rows) != 0 ||
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
      for (int64_t p = k; p < positions; p += replicas) r.pos.push_back(p);
    }
    if (r.samples.empty() || r.pos.empty()) continue;
    const auto npos = static_cast<int64_t>(r.pos.size());
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
  const float* xd = x.data<float>();
  float* od = out.data<float>();
  std::exception_ptr failure;
#pragma omp parallel for schedule(dynamic, 1)
  for (size_t it = 0; it < items.size(); ++it) {
    try {
      const Item& item = items[it];
      const Replica& r = reps[static_cast<size_t>(item.k)];
      const auto npos = static_cast<int64_t>(r.pos.size());
      const int64_t n = item.v1 - item.v0;
      MatrixScratch& s = matrix_scratch();
      float* xv = sized(s.x, static_cast<size_t>(n * rows));
      float* yv = sized(s.y, static_cast<size_t>(n * cols));
      // Gather, per run of one sample's positions (a replica's positions are equally spaced).
      for (int64_t v = 0; v < n;) {
        const int64_t b = r.samples[static_cast<size_t>((item.v0 + v) / npos)];
        const int64_t j = (item.v0 + v) % npos;
        const int64_t run = std::min(n - v, npos - j);
        const int64_t* p = r.pos.data() + j;
        if (conv) {
          im2col_vectors(g, xd + b * g.c * g.h * g.w, p[0], run > 1 ? p[1] - p[0] : 1, run, xv + v * rows, rows);
        } else {
          for (int64_t i = 0; i < run; ++i) {
            std::memcpy(xv + (v + i) * rows, xd + matrix_row(b, p[i]) * rows, static_cast<size_t>(rows) * sizeof(float));
          }
        }
        v += run;
      }
      matrix_vectors(l, item.k, xv, n, r.first + static_cast<uint64_t>(item.v0), yv, s);
      // Scatter: conv outputs are [B, C_out, positions] (per sample and column, the positions of
      // the item's run of that sample), matrix outputs [B, positions, cols].
      for (int64_t v = 0; v < n;) {
        const int64_t b = r.samples[static_cast<size_t>((item.v0 + v) / npos)];
        const int64_t j = (item.v0 + v) % npos;
        const int64_t run = std::min(n - v, npos - j);
        const int64_t* p = r.pos.data() + j;
        if (conv) {  // a replica's positions are equally spaced
          const int64_t step = run > 1 ? p[1] - p[0] : 1;
          vectors_to_planes(yv + v * cols, run, cols, od + b * cols * positions + p[0], positions, step);
        } else {
          for (int64_t i = 0; i < run; ++i) {
            std::memcpy(od + matrix_row(b, p[i]) * cols, yv + (v + i) * cols, static_cast<size_t>(cols) * sizeof(float));
          }
        }
        v += run;
      }
    } catch (...) {
#pragma omp critical(aimc_executor_failure)
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
  store.set(out_id, Buffer{out, {}});
}

// Runs on the calling thread when called inside a parallel region (the tiles' own loops are then
// serial), else each tile MVM is parallel over its chunks (LSTM steps).
void ChipExecutor::Impl::matrix_vectors(const LayerRun& l, int64_t k, const float* xv, int64_t n, uint64_t first,
                                        float* yv, MatrixScratch& s) const {
  const int64_t rows = l.layer->rows, cols = l.layer->cols;
  if (l.input_offset != 0) {  // offset-binary inputs (input_offset.h)
    float* shifted = sized(s.offset, static_cast<size_t>(n * rows));
    offset_inputs(xv, n * rows, l.input_offset, shifted);
    xv = shifted;
  }
  // Every column lies in exactly one column block (group blocks included), so yv is fully written.
  for (const ColumnBlock& cb : l.blocks[static_cast<size_t>(k)]) {
    const int64_t bc = cb.col_end - cb.col_begin;
    const bool fixed = l.width_bits > 0 && cb.tiles.size() > 1 && cb.lsb > 0;
    const size_t block = static_cast<size_t>(n * bc);
    int32_t* acc = nullptr;
    if (fixed) {
      acc = sized(s.acc, block);
      std::fill_n(acc, block, 0);
    }
    float* sum = sized(s.sum, block);
    float* part = sized(s.part, block);
    bool first_tile = true;
    for (size_t ti : cb.tiles) {
      const Tile& tile = *l.tiles[ti];
      const compiler::Tile& pt = *l.placed[ti];
      const int64_t tr = pt.row_end - pt.row_begin;
      const float* xt = xv;  // a tile over all rows reads the vectors as they are
      if (tr != rows) {
        float* rows_of_tile = sized(s.rows, static_cast<size_t>(n * tr));
        for (int64_t i = 0; i < n; ++i) {
          std::memcpy(rows_of_tile + i * tr, xv + i * rows + pt.row_begin, static_cast<size_t>(tr) * sizeof(float));
        }
        xt = rows_of_tile;
      }
      float* out = fixed || !first_tile ? part : sum;
      tile.mvm(xt, n, first, out);
      if (fixed) {
        accumulate_partial_sums({acc, block}, {part, block}, cb.lsb, l.width_bits);
      } else if (!first_tile) {
        for (size_t i = 0; i < block; ++i) sum[i] += part[i];
      }
      first_tile = false;
    }
    if (fixed) partial_sums_to_values({acc, block}, cb.lsb, {sum, block});
    if (!l.col_scale.empty()) {
      const float* sc = l.col_scale.data() + cb.col_begin;
      for (int64_t i = 0; i < n; ++i) {
        for (int64_t c = 0; c < bc; ++c) yv[i * cols + cb.col_begin + c] = sum[i * bc + c] * sc[c];
      }
      continue;
    }
    for (int64_t i = 0; i < n; ++i) {
      std::memcpy(yv + i * cols + cb.col_begin, sum + i * bc, static_cast<size_t>(bc) * sizeof(float));
    }
  }
  if (!l.bias.empty()) {
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t c = 0; c < cols; ++c) yv[i * cols + c] += l.bias[static_cast<size_t>(c)];
    }
  }
}

void ChipExecutor::Impl::round_outputs(const StepRun& step) {
  for (ValueId o : graph.node(step.node).outputs) {
    if (o == kNoValue || store.constant(o) != nullptr || graph.value(o).dtype != DType::f32) continue;
    Tensor t = store.plain(o).clone();
    to_fixed_point(t.span<float>(), *step.fixed);
    store.set(o, Buffer{t, {}});
  }
}

namespace {
float sigmoid(float v) { return 1.0f / (1.0f + std::exp(-v)); }
}  // namespace

// ONNX LSTM (forward, default activations): per time step t, the vectors [x_t; h_(t−1)] of every
// sample through replica t mod R's tiles (gates i, o, f, c + bias), then the cell update in fp32.
// Vector index: t · 2^32 + global sample index (contiguous over a batch, distinct over steps).
void ChipExecutor::Impl::run_lstm(LayerRun& l, int64_t sample_offset) {
  const compiler::Layer& layer = *l.layer;
  const Node& node = graph.node(l.node);
  const ErrorContext where{.node = layer.name};
  const Tensor& x = store.plain(node.inputs[0]);
  if (x.rank() != 3) throw Error("LSTM input must be [T, N, I]", where);
  if (node.input(4) != kNoValue) throw Error("LSTM sequence_lens are not supported on crossbars", where);
  const int64_t t_len = x.dim(0), n = x.dim(1), in = x.dim(2);
  const int64_t h = node.attr<LstmAttrs>().hidden_size, g4 = 4 * h;
  if (in + h != layer.rows || g4 != layer.cols) throw InternalError("LSTM rows do not match the layer matrix");
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
  init(6, cs);
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
    for (int64_t b = 0; b < n; ++b) {
      const float* g = gates.data() + b * g4;
      float* hv = hs.data() + b * h;
      float* cv = cs.data() + b * h;
      for (int64_t j = 0; j < h; ++j) {
        const float i = sigmoid(g[j]), o = sigmoid(g[h + j]), f = sigmoid(g[2 * h + j]), c = std::tanh(g[3 * h + j]);
        cv[j] = f * cv[j] + i * c;
        hv[j] = o * std::tanh(cv[j]);
      }
    }
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
  put(2, cs);
}

ChipExecutor::ChipExecutor(const compiler::Program& program, const Graph& graph, const chip::ChipSpec& chip,
                           FunctionalOptions options)
    : m_impl(std::make_unique<Impl>(program, graph, chip, std::move(options))) {
  Impl& im = *m_impl;
  ThreadScope threads(im.options.threads);
  std::vector<char> run = ref::live_nodes(graph);
  im.prepare_layers();
  for (const LayerRun& l : im.layers) run[static_cast<size_t>(l.node)] = 1;
  ref::fold_constant_nodes(im.graph, im.store, im.engine, run);
  im.plan_steps(run);
}

ChipExecutor::~ChipExecutor() = default;

void ChipExecutor::set_time(double t_s) {
  ThreadScope threads(m_impl->options.threads);
  for (LayerRun& l : m_impl->layers) {
    for (auto& t : l.tiles) t->set_time(t_s);
  }
}

// With one thread a batch runs as sub-batches of kSubBatch samples when every graph input and
// output carries the batch at axis 0: a sub-batch's activations stay in the caches between layers
// (ResNet-20's first stage: 1 MB for 16 samples, 8 MB for 128; +18 % images/s at batch 128), and
// the outputs do not depend on the split. Not with several threads: each sub-batch adds a parallel
// region (a barrier) per node, which cost more than the caches gave on a loaded 2-core machine.
std::vector<Tensor> ChipExecutor::run(const std::vector<Tensor>& inputs, int64_t sample_offset) {
  Impl& im = *m_impl;
  if (sample_offset < 0) throw Error("sample offset must be ≥ 0", ErrorContext{.field = "sample_offset"});
  const int64_t batch = im.validate(inputs);
  bool axis0 = true;
  for (ValueId id : im.graph.inputs) axis0 = axis0 && im.graph.value(id).batch_axis == 0;
  for (ValueId id : im.graph.outputs) axis0 = axis0 && im.graph.value(id).batch_axis == 0 && im.store.constant(id) == nullptr;
  ThreadScope threads(im.options.threads);
  const int64_t sub_batch = threads.threads() == 1 ? kSubBatch : batch;
  if (!axis0 || batch <= sub_batch) return im.run_batch(inputs, batch, sample_offset);
  std::vector<std::vector<Tensor>> parts;
  for (int64_t b0 = 0; b0 < batch; b0 += sub_batch) {
    const int64_t b1 = std::min(batch, b0 + sub_batch);
    std::vector<Tensor> sub;
    sub.reserve(inputs.size());
    for (const Tensor& t : inputs) sub.push_back(t.slice_outer(b0, b1));
    parts.push_back(im.run_batch(sub, b1 - b0, sample_offset + b0));
  }
  std::vector<Tensor> outputs;
  for (size_t o = 0; o < parts[0].size(); ++o) {
    Shape shape = parts[0][o].shape();
    shape[0] = batch;
    Tensor out(parts[0][o].dtype(), shape);
    size_t at = 0;
    for (const std::vector<Tensor>& part : parts) {
      std::memcpy(out.raw() + at, part[o].raw(), part[o].nbytes());
      at += part[o].nbytes();
    }
    outputs.push_back(std::move(out));
  }
  return outputs;
}

std::vector<Tensor> ChipExecutor::Impl::run_batch(const std::vector<Tensor>& inputs, int64_t batch,
                                                  int64_t sample_offset) {
  StoreRun scope(store, batch);
  for (size_t i = 0; i < inputs.size(); ++i) store.set(graph.inputs[i], Buffer{inputs[i], {}});
  for (StepRun& step : steps) {
    if (step.layer >= 0) {
      run_layer(layers[static_cast<size_t>(step.layer)], batch, sample_offset);
    } else {
      RunContext ctx(store, step.spec, nullptr);
      step.kernel->run(ctx);
      store.release_temps();
      if (step.fixed) round_outputs(step);
    }
    for (ValueId v : step.release) store.release(v);
  }
  store.stream().wait();
  std::vector<Tensor> outputs;
  outputs.reserve(graph.outputs.size());
  for (ValueId id : graph.outputs) {
    const Tensor* c = store.constant(id);
    outputs.push_back(c != nullptr ? c->clone() : store.plain(id).clone());
  }
  return outputs;
}

int64_t ChipExecutor::tiles() const {
  int64_t n = 0;
  for (const LayerRun& l : m_impl->layers) n += static_cast<int64_t>(l.tiles.size());
  return n;
}

int64_t ChipExecutor::analog_layers() const { return static_cast<int64_t>(m_impl->layers.size()); }

}  // namespace aimc::functional
