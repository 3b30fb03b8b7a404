// quantize: the precision and scales of every weighted layer, from the chip's encoders
// (cores.input.bits, cores.weights, cores.adc.bits) and from the model:
//   - FakeQuant nodes on a layer's input or weights (QDQ models) give their scale and bit width;
//   - otherwise the weight scale is max|W| / (2^(b−1) − 1) per layer or per column (binary: mean|W|;
//     analog weights: max|W|), and the input step comes from a calibration batch run through the
//     digital reference: max|x| / (2^(b−1) − 1) for signed inputs, max x / (2^b − 1) for unsigned.
// Signed inputs on a chip with unsigned rows are fed offset binary (x + offset, offset = the
// calibrated range or −qmin·step); binary activations (a Sign's output) take 1 bit there (a word
// line on or off). On a comparator chip, a layer read only by a Sign is binarised by the comparators
// (adc_bits 1); any other layer needs the comparators' multi-level read-out (cores.adc.readout_bits).
// The graph is not changed: the simulators quantise as the chip does, from these numbers.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <optional>
#include <vector>

#include "compiler/pass.h"
#include "compiler/passes/common.h"
#include "core/error.h"
#include "core/reductions.h"
#include "core/rng.h"
#include "ir/conv_window.h"
#include "program/weights.h"
#include "reference/batch_parts.h"
#include "reference/executor.h"

namespace aimc::compiler {

namespace {

int64_t bits_of_range(int32_t qmin, int32_t qmax) {
  int64_t levels = int64_t{qmax} - qmin + 1, b = 0;
  while ((int64_t{1} << b) < levels) ++b;
  return std::max<int64_t>(b, 1);
}

// The activity counts of one tensor's values at a layer's input codes (Quantize::ActivityCounter).
// Cloned for x86-64-v3 and v4, where nearbyint and popcount are single instructions: the baseline
// build calls libm and libgcc per value, 7 % of a ResNet-18 eval's time. The same counts either way.
struct CodeCounts {
  double lo = 0, hi = 0, offset = 0, step = 1;
  bool twos_complement = false;
  uint64_t mask = 0;
  int64_t zeros = 0, magnitude = 0, ones = 0;

  // The code the rows take for value x, and the bits its bit-planes carry (two's complement, else the
  // magnitude): one definition for every count below (inlined into count_codes' clones).
  [[gnu::always_inline]] int64_t code(double x) const {
    return static_cast<int64_t>(std::clamp(std::nearbyint((x + offset) / step), lo, hi));
  }
  [[gnu::always_inline]] uint64_t plane_bits(int64_t c) const {
    return (twos_complement ? static_cast<uint64_t>(c) : static_cast<uint64_t>(c < 0 ? -c : c)) & mask;
  }
};

__attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4"))) void count_codes(const float* x, int64_t n,
                                                                                               CodeCounts& k) {
  int64_t zeros = 0, magnitude = 0, ones = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t c = k.code(static_cast<double>(x[i]));
    zeros += c == 0;
    magnitude += c < 0 ? -c : c;
    ones += std::popcount(k.plane_bits(c));
  }
  k.zeros += zeros;
  k.magnitude += magnitude;
  k.ones += ones;
}

// A layer's input vectors as the crossbar rows see them: a conv's im2col rows in (c, kh, kw) order per
// group (its window, ir/conv_window.h; the padding's value where the window lies outside), else the
// input's last axis.
struct VectorGeometry : ConvWindow {
  bool conv = false;
  int64_t rows = 0;  // Gemm / MatMul: the vector length
};

// Bit-planes that are all 0 on a block of an array's rows, per input vector (InputActivity::
// empty_plane_fraction): each group's rows cut into blocks of `block` from its first (the partition
// pass's greedy split), a plane empty when no code of the block has its bit set.
struct PlaneCounts {
  VectorGeometry g;
  int64_t block = 0, bits = 0;
  int64_t empty = 0, total = 0;
  std::vector<uint64_t> pattern;  // one sample's code bit patterns

  void add(const float* x, int64_t numel, const CodeCounts& k) {
    const auto bits_of = [&](double v) { return k.plane_bits(k.code(v)); };
    const uint64_t pad = bits_of(0.0);
    const auto count = [&](uint64_t any) {
      empty += bits - std::popcount(any);
      total += bits;
    };
    if (!g.conv) {
      for (int64_t v = 0; v + g.rows <= numel; v += g.rows) {
        for (int64_t b0 = 0; b0 < g.rows; b0 += block) {
          uint64_t any = 0;
          for (int64_t r = b0; r < std::min(g.rows, b0 + block); ++r) any |= bits_of(x[v + r]);
          count(any);
        }
      }
      return;
    }
    const int64_t per_sample = g.c * g.h * g.w, cg = g.c / g.group, rows_g = cg * g.kh * g.kw;
    pattern.resize(static_cast<size_t>(per_sample));
    for (int64_t s0 = 0; s0 + per_sample <= numel; s0 += per_sample) {
      for (int64_t i = 0; i < per_sample; ++i) pattern[static_cast<size_t>(i)] = bits_of(x[s0 + i]);
      for (int64_t oy = 0; oy < g.oh; ++oy) {
        for (int64_t ox = 0; ox < g.ow; ++ox) {
          for (int64_t gi = 0; gi < g.group; ++gi) {
            for (int64_t b0 = 0; b0 < rows_g; b0 += block) {
              uint64_t any = 0;
              for (int64_t r = b0; r < std::min(rows_g, b0 + block); ++r) {
                const int64_t e = g.window_element(oy, ox, gi, r);
                any |= e < 0 ? pad : pattern[static_cast<size_t>(e)];
              }
              count(any);
            }
          }
        }
      }
    }
  }
};

// The magnitude of the column outputs a layer's converters digitise (InputActivity::
// mean_output_fraction), on chips whose conversion energy scales with it: for a few input vectors per
// sample (at most kVectorsPerSample, evenly spaced), each group's rows cut into blocks of the
// array's rows and its columns into blocks of the array's logical columns (a tile), the column's
// partial sum over the block's rows / the converter's full scale (adc.full_scale × the largest input
// the rows take × the tile's largest |weight|: the tile model's range), clipped at 1.
struct OutputCounts {
  static constexpr int64_t kVectorsPerSample = 8;
  VectorGeometry g;
  int64_t groups = 1, rows_g = 0, cols_g = 0, row_block = 0, col_block = 0;
  int64_t row_blocks = 0, col_blocks = 0;  // per group (prepare)
  std::vector<float> w;                    // the layer matrix, rows × (groups · cols_g)
  std::vector<float> tile_max;             // per (group, row block, column block): the tile's largest |weight|
  double full_scale = 0;                   // adc.full_scale × the largest input value the rows take
  double offset = 0;                       // offset binary: the rows take x + offset
  double sum = 0;
  int64_t count = 0;
  std::vector<float> v, y;

  void prepare() {
    row_blocks = (rows_g + row_block - 1) / row_block;
    col_blocks = (cols_g + col_block - 1) / col_block;
    tile_max.assign(static_cast<size_t>(groups * row_blocks * col_blocks), 0.0f);
    const int64_t cols = groups * cols_g;
    for (int64_t gi = 0; gi < groups; ++gi) {
      for (int64_t r = 0; r < rows_g; ++r) {
        for (int64_t c = 0; c < cols_g; ++c) {
          float& m = tile_max[static_cast<size_t>((gi * row_blocks + r / row_block) * col_blocks + c / col_block)];
          m = std::max(m, std::abs(w[static_cast<size_t>((gi * rows_g + r) * cols + gi * cols_g + c)]));
        }
      }
    }
    v.resize(static_cast<size_t>(rows_g));
    y.resize(static_cast<size_t>(cols_g));
  }
  // One vector of group gi (its rows in v): every tile's columns.
  void count_vector(int64_t gi) {
    const int64_t cols = groups * cols_g;
    for (int64_t rb = 0; rb < row_blocks; ++rb) {
      std::fill(y.begin(), y.end(), 0.0f);
      for (int64_t r = rb * row_block; r < std::min(rows_g, (rb + 1) * row_block); ++r) {
        const float xr = v[static_cast<size_t>(r)];
        if (xr == 0.0f) continue;
        const float* wr = w.data() + (gi * rows_g + r) * cols + gi * cols_g;
        for (int64_t c = 0; c < cols_g; ++c) y[static_cast<size_t>(c)] += xr * wr[c];
      }
      for (int64_t c = 0; c < cols_g; ++c) {
        const double fs = full_scale * tile_max[static_cast<size_t>((gi * row_blocks + rb) * col_blocks + c / col_block)];
        sum += fs > 0 ? std::min(std::abs(static_cast<double>(y[static_cast<size_t>(c)])) / fs, 1.0) : 0.0;
        ++count;
      }
    }
  }
  // x: the layer's input for `samples` samples (NCHW for a conv, [..., rows] vectors otherwise).
  void add(const float* x, int64_t numel, int64_t samples) {
    const auto in = [&](float value) { return value + static_cast<float>(offset); };
    if (!g.conv) {
      const int64_t n = numel / std::max<int64_t>(g.rows, 1), per = std::max<int64_t>(n / std::max<int64_t>(samples, 1), 1);
      for (int64_t s0 = 0; s0 < n; s0 += per) {
        const int64_t take = std::min(per, kVectorsPerSample);
        for (int64_t j = 0; j < take; ++j) {
          const int64_t vi = s0 + j * per / take;
          if (vi >= n) break;
          for (int64_t r = 0; r < g.rows; ++r) v[static_cast<size_t>(r)] = in(x[vi * g.rows + r]);
          count_vector(0);
        }
      }
      return;
    }
    const int64_t per_sample = g.c * g.h * g.w, positions = g.oh * g.ow;
    const int64_t take = std::min(positions, kVectorsPerSample);
    for (int64_t s0 = 0; s0 + per_sample <= numel; s0 += per_sample) {
      for (int64_t j = 0; j < take; ++j) {
        const int64_t p = j * positions / take, oy = p / g.ow, ox = p % g.ow;
        for (int64_t gi = 0; gi < g.group; ++gi) {
          for (int64_t r = 0; r < rows_g; ++r) {
            const int64_t e = g.window_element(oy, ox, gi, r);
            v[static_cast<size_t>(r)] = in(e < 0 ? 0.0f : x[s0 + e]);
          }
          count_vector(gi);
        }
      }
    }
  }
};

class Quantize final : public Pass {
 public:
  std::string_view name() const override { return "quantize"; }
  std::string_view summary() const override {
    return "choose each layer's input, weight and ADC precision and scales (chip encoders, FakeQuant nodes, calibration)";
  }
  std::vector<PassOption> options() const override {
    return {{"granularity",
             "enum",
             "auto",
             "weight scales per layer or per output column; auto: per column where the cores' digital units apply a "
             "per-column scale (an `affine` op, e.g. HERMES's LDPU), else per layer",
             {"auto", "per-layer", "per-channel"}},
            {"calibration",
             "enum",
             "auto",
             "auto: run a calibration batch through the digital reference; none: no input steps",
             {"auto", "none"}},
            {"samples", "int", "4", "calibration samples when no calibration data is given", {}, 1},
            {"part",
             "int",
             "0",
             "calibration samples run through the reference at once (0: as many as keep their activations "
             "within 32 MB); the results do not depend on it",
             {},
             0},
            {"weight-bits", "int", "0", "weight precision (0: the chip's)", {}, 0, 32},
            {"input-bits", "int", "0", "input precision (0: the chip's)", {}, 0, 32}};
  }

  void run(CompileContext& ctx) override {
    const Graph& g = ctx.graph;
    const chip::CoreSpec& core = ctx.chip.cores;
    const int64_t in_bits = int_option("input-bits") > 0 ? int_option("input-bits") : core.input.bits;
    const int64_t min_in_bits = chip::min_level_bits(core.input);
    if (in_bits < min_in_bits || in_bits > core.input.bits) {
      throw Error(
          fmt::format("quantize{{input-bits={}}}: the chip's inputs take {}..{} bits", in_bits, min_in_bits, core.input.bits),
          ErrorContext{.field = "pipeline"});
    }
    const int64_t w_bits = chip_weight_bits(core);
    std::vector<int32_t> nodes;
    std::vector<ValueId> calibrate;
    std::vector<std::pair<float, std::string>> quantized;  // layers whose fp32 weights the compiler rounds to the chip's grid
    int64_t from_fq = 0;
    const bool unsigned_rows = core.input.sign == chip::InputSign::Unsigned;
    const auto readers = value_readers(g);
    for (size_t i = 0; i < g.num_nodes(); ++i) {
      auto layer = describe_layer(g, static_cast<int32_t>(i));
      if (!layer) continue;
      const Node& n = g.node(static_cast<int32_t>(i));
      Quantization q;
      q.adc_bits = adc_bits(ctx, static_cast<int32_t>(i), *layer, readers);
      q.input_bits = in_bits;
      q.weight_bits = w_bits;
      q.source = "chip";
      // Weights: a FakeQuant on the weight input fixes precision and scale.
      const Value& wv = g.value(n.input(1));
      if (wv.producer >= 0 && g.node(wv.producer).op == OpKind::FakeQuant) {
        const auto& fq = g.node(wv.producer).attr<FakeQuantAttrs>();
        q.weight_bits = bits_of_range(fq.qmin, fq.qmax);
        q.weight_scale = fq.scale;
        q.source = "fake-quant";
        ++from_fq;
      } else {
        const Tensor m = layer_matrix(g, *layer, static_cast<int32_t>(i));
        q.weight_scale = weight_scales(m, q.weight_bits, per_channel(core));
        q.weight_error_rms = grid_error(m, q.weight_bits, q.weight_scale);
        if (q.weight_error_rms > 0) quantized.emplace_back(q.weight_error_rms, n.name);
      }
      // Inputs: a per-tensor FakeQuant right before the layer (through reshapes, e.g. a Flatten)
      // fixes the input step.
      const Value* xp = &g.value(n.input(0));
      while (xp->producer >= 0 && g.node(xp->producer).op == OpKind::Reshape) xp = &g.value(g.node(xp->producer).inputs[0]);
      const Value& xv = *xp;
      if (xv.producer >= 0 && g.node(xv.producer).op == OpKind::FakeQuant &&
          g.node(xv.producer).attr<FakeQuantAttrs>().scale.size() == 1) {
        const auto& fq = g.node(xv.producer).attr<FakeQuantAttrs>();
        q.input_step = fq.scale[0];
        // A 1-bit range (e.g. 0..1) on a bipolar level encoder takes 2 bits: codes −1..1 hold it exactly.
        q.input_bits = std::clamp<int64_t>(bits_of_range(fq.qmin, fq.qmax), min_in_bits, core.input.bits);
        q.input_signed = fq.qmin < 0;
        if (q.input_signed && unsigned_rows) q.input_offset = static_cast<float>(-fq.qmin) * q.input_step;
        q.source = "fake-quant";
      } else {
        if (unsigned_rows && xv.producer >= 0 && g.node(xv.producer).op == OpKind::Sign) q.input_bits = 1;
        calibrate.push_back(n.input(0));
      }
      ctx.node_quant[n.name] = q;
      nodes.push_back(static_cast<int32_t>(i));
    }
    if (!quantized.empty()) {
      // The largest errors (a line, not a table: every layer's is in the Program's layers[].quant.weight_error_rms).
      constexpr size_t kListed = 5;
      if (quantized.size() > kListed)
        std::stable_sort(quantized.begin(), quantized.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
      std::vector<std::string> listed;
      for (size_t k = 0; k < std::min(kListed, quantized.size()); ++k)
        listed.push_back(fmt::format("{} ({:.1f}%)", quantized[k].second, 100 * quantized[k].first));
      if (quantized.size() > kListed)
        listed.push_back(fmt::format("and {} more: the Program's layers[].quant.weight_error_rms", quantized.size() - kListed));
      ctx.program.warnings.push_back(fmt::format(
          "{} layer(s) have fp32 weights that the chip stores at {} ({}): the compiler rounds them (rms error / max|W| "
          "per layer{}: {}). Export the model quantisation-aware (QDQ FakeQuant weights, or binarised weights) for "
          "accuracy; an evaluation refuses this without `allow_quantize`",
          quantized.size(), w_bits == 1 ? "1 bit (binary)" : fmt::format("{} bits", w_bits),
          core.weights.scheme == chip::WeightScheme::Binary ? "cores.weights.scheme: binary" : "cores.weights.bits",
          quantized.size() > kListed ? ", largest first" : "", fmt::join(listed, ", ")));
    }
    if (option("calibration") == "auto" && !calibrate.empty()) {
      ctx.program.calibration = ctx.calibration.inputs.empty()
                                    ? fmt::format("synthetic: {} samples, f32 inputs uniform in [0, 1)", int_option("samples"))
                                    : (ctx.calibration.source.empty() ? "given samples" : ctx.calibration.source);
      if (ctx.calibration.inputs.empty()) warn_if_synthetic_misfits(ctx);
    }
    if (option("calibration") == "auto" && ctx.calibrate) run_calibration(ctx, nodes);
    statistics()["layers"] = static_cast<int64_t>(nodes.size());
    statistics()["from-fake-quant"] = from_fq;
    statistics()["calibrated"] = option("calibration") == "auto" ? static_cast<int64_t>(calibrate.size()) : 0;
  }

 private:
  static int64_t adc_bits(const CompileContext& ctx, int32_t node, const Layer& layer,
                          const std::vector<std::vector<int32_t>>& readers) {
    const chip::CoreSpec& core = ctx.chip.cores;
    if (core.adc.kind != chip::AdcKind::Comparator) return core.adc.bits;
    const ErrorContext where{.node = layer.name};
    if (read_only_by_sign(ctx.graph, node, readers)) {
      if (layer.group_rows > core.rows) {
        throw Error(fmt::format("a comparator decides on a whole column: the layer's {} rows exceed the crossbar's {}",
                                layer.group_rows, core.rows),
                    where);
      }
      return 1;
    }
    if (core.adc.readout_bits == 0) {
      throw Error(
          "the layer's output is not binarised by a Sign and the chip's comparators have no multi-level read-out "
          "(cores.adc.readout_bits)",
          where);
    }
    return core.adc.readout_bits;
  }

  // Per-column weight scales: each output column mapped onto the full conductance (or code) range,
  // the column's own scale undone by the core's digital affine step — what a chip with a per-column
  // scale does with a batch-norm-folded layer, whose columns differ by the norm's γ/σ.
  bool per_channel(const chip::CoreSpec& core) const {
    const std::string& g = option("granularity");
    if (g != "auto") return g == "per-channel";
    return std::any_of(core.digital.begin(), core.digital.end(), [](const chip::DigitalUnitSpec& u) {
      return std::find(u.ops.begin(), u.ops.end(), chip::DigitalOp::Affine) != u.ops.end();
    });
  }

  // rms of (W − W rounded to the chip's grid) / max|W| over the layer: 0 when the weights already sit
  // on the grid (a binarised or integer export) or the chip keeps analog weights (bits 0) or ≥ 8 bits.
  static float grid_error(const Tensor& m, int64_t bits, const std::vector<float>& scale) {
    if (bits == 0 || bits >= 8) return 0.0f;
    const int64_t R = m.dim(0), C = m.dim(1);
    const float* w = m.data<float>();
    const double q_max = bits == 1 ? 1.0 : static_cast<double>((int64_t{1} << (bits - 1)) - 1);
    double err2 = 0, w_max = 0;
    for (int64_t i = 0; i < R * C; ++i) w_max = std::max(w_max, static_cast<double>(std::fabs(w[i])));
    for (int64_t r = 0; r < R; ++r) {
      for (int64_t c = 0; c < C; ++c) {
        const double s = scale.size() == 1 ? scale[0] : scale[static_cast<size_t>(c)];
        const double v = w[r * C + c];
        const double q = bits == 1 ? (v == 0 ? 0.0 : std::copysign(s, v)) : std::clamp(std::nearbyint(v / s), -q_max, q_max) * s;
        err2 += (v - q) * (v - q);
      }
    }
    const double rms = w_max > 0 ? std::sqrt(err2 / static_cast<double>(R * C)) / w_max : 0.0;
    return rms > 1e-4 ? static_cast<float>(rms) : 0.0f;
  }

  // Synthetic calibration feeds uniform [0, 1) pixels. A model that normalises or quantises its own
  // inputs (Sub/Div/Mul/Add, BatchNormalization or FakeQuant before its first weighted layer, past
  // layout and pooling ops — as the models in models/ do) expects exactly that; one whose first
  // weighted layer reads the raw input likely expects normalised inputs (e.g. torchvision's
  // mean/std), whose range the synthetic samples do not cover: warn once.
  static void warn_if_synthetic_misfits(CompileContext& ctx) {
    const Graph& g = ctx.graph;
    const auto readers = value_readers(g);
    auto transparent = [](OpKind op) {
      switch (op) {
        case OpKind::Reshape:
        case OpKind::Transpose:
        case OpKind::Slice:
        case OpKind::Pad:
        case OpKind::Resize:
        case OpKind::Concat:
        case OpKind::Split:
        case OpKind::Cast:
        case OpKind::MaxPool:
        case OpKind::AveragePool:
        case OpKind::GlobalAveragePool:
          return true;
        default:
          return false;
      }
    };
    for (ValueId id : g.inputs) {
      if (g.value(id).dtype != DType::f32) continue;
      std::vector<ValueId> frontier{id};
      bool raw = false;
      for (size_t k = 0; k < frontier.size() && !raw && k < 4096; ++k) {
        for (int32_t r : readers[static_cast<size_t>(frontier[k])]) {
          const Node& n = g.node(r);
          if (describe_layer(g, r)) raw = true;
          if (transparent(n.op)) {
            for (ValueId o : n.outputs) {
              if (o != kNoValue) frontier.push_back(o);
            }
          }
        }
      }
      if (raw) {
        ctx.program.warnings.push_back(
            fmt::format("input '{}' reaches a weighted layer without normalisation, but the input ranges were calibrated on "
                        "synthetic inputs uniform in [0, 1); if the model expects other values (e.g. mean/std-normalised images) "
                        "give real samples (`calibration_data`; an evaluation calibrates on its `data`)",
                        g.value(id).name));
        return;
      }
    }
  }

  int64_t chip_weight_bits(const chip::CoreSpec& core) const {
    const int64_t want = int_option("weight-bits");
    const auto& w = core.weights;
    ErrorContext where{.field = "pipeline"};
    switch (w.scheme) {
      case chip::WeightScheme::Binary:
        if (want > 1) throw Error(fmt::format("quantize{{weight-bits={}}}: the chip stores binary weights", want), where);
        return 1;
      case chip::WeightScheme::BitSliced:
        if (want > *w.bits) {
          throw Error(fmt::format("quantize{{weight-bits={}}}: the chip's bit-sliced weights take 1..{} bits", want, *w.bits),
                      where);
        }
        return want > 0 ? want : *w.bits;
      case chip::WeightScheme::Differential:
        if (want > 16) throw Error(fmt::format("quantize{{weight-bits={}}}: at most 16", want), where);
        return want > 0 ? want : w.bits.value_or(0);
    }
    return 0;
  }

  static std::vector<float> weight_scales(const Tensor& m, int64_t bits, bool per_channel) {
    const int64_t R = m.dim(0), C = m.dim(1);
    const float* w = m.data<float>();
    std::vector<double> mx(static_cast<size_t>(per_channel ? C : 1), 0.0), sum(mx.size(), 0.0);
    std::vector<int64_t> cnt(mx.size(), 0);
    for (int64_t r = 0; r < R; ++r) {
      for (int64_t c = 0; c < C; ++c) {
        const size_t k = per_channel ? static_cast<size_t>(c) : 0;
        const double a = std::fabs(w[r * C + c]);
        mx[k] = std::max(mx[k], a);
        if (a > 0) {
          sum[k] += a;
          ++cnt[k];
        }
      }
    }
    std::vector<float> s(mx.size());
    for (size_t k = 0; k < s.size(); ++k) {
      double v = bits == 1   ? (cnt[k] ? sum[k] / static_cast<double>(cnt[k]) : 0.0)
                 : bits == 0 ? mx[k]
                             : mx[k] / static_cast<double>((int64_t{1} << (bits - 1)) - 1);
      s[k] = static_cast<float>(v > 0 ? v : 1.0);
    }
    return s;
  }

  // Synthetic inputs: f32 uniform in [0, 1) (image pixels as the dataset readers give them);
  // integer inputs uniform over the rows of the table a Gather reads them with (token ids).
  std::vector<Tensor> synthetic_inputs(const CompileContext& ctx) const {
    const Graph& g = ctx.graph;
    const int64_t batch = std::max<int64_t>(1, int_option("samples"));
    auto readers = value_readers(g);
    std::vector<Tensor> out;
    Rng rng(ctx.seed, 0, RngPurpose::calibration);
    uint64_t counter = 0;
    for (ValueId id : g.inputs) {
      Shape s = g.runtime_shape(id, batch);
      const Value& v = g.value(id);
      Tensor t(v.dtype, s);
      int64_t vocab = 2;
      for (int32_t r : readers[static_cast<size_t>(id)]) {
        const Node& n = g.node(r);
        if (n.op == OpKind::Gather && n.input(1) == id && n.input(0) != kNoValue) vocab = g.value(n.input(0)).shape.at(0);
      }
      for (int64_t i = 0; i < t.numel(); ++i) {
        const double u = rng.uniform(counter++);
        switch (v.dtype) {
          case DType::f32:
            t.data<float>()[i] = static_cast<float>(u);
            break;
          case DType::i64:
            t.data<int64_t>()[i] = static_cast<int64_t>(u * static_cast<double>(vocab));
            break;
          case DType::i32:
            t.data<int32_t>()[i] = static_cast<int32_t>(u * static_cast<double>(vocab));
            break;
          case DType::u8:
            t.data<uint8_t>()[i] = static_cast<uint8_t>(u * 255.0);
            break;
          case DType::i8:
            t.data<int8_t>()[i] = static_cast<int8_t>(u * 255.0 - 128.0);
            break;
        }
      }
      out.push_back(std::move(t));
    }
    return out;
  }

  void run_calibration(CompileContext& ctx, const std::vector<int32_t>& nodes) const {
    Graph probe = ctx.graph;
    std::vector<std::string> names;
    for (int32_t ni : nodes) {
      const Node& n = probe.node(ni);
      Quantization& q = ctx.node_quant[n.name];
      if (q.input_step > 0) continue;
      probe.outputs.push_back(n.input(0));
      names.push_back(n.name);
    }
    // The other nodes' outputs: the ranges the digital units' fixed-point formats are chosen from.
    std::vector<ValueId> ranged;
    for (size_t i = 0; i < probe.num_nodes(); ++i) {
      if (std::find(nodes.begin(), nodes.end(), static_cast<int32_t>(i)) != nodes.end()) continue;
      for (ValueId o : probe.node(static_cast<int32_t>(i)).outputs) {
        if (o != kNoValue && probe.value(o).dtype == DType::f32) ranged.push_back(o);
      }
    }
    const size_t first = ctx.graph.outputs.size();
    probe.outputs.insert(probe.outputs.end(), ranged.begin(), ranged.end());
    const std::vector<Tensor> inputs = ctx.calibration.inputs.empty() ? synthetic_inputs(ctx) : ctx.calibration.inputs;
    ReferenceExecutor exec(probe, ReferenceOptions{.threads = 1});
    const size_t first_ranged = first + names.size();
    // Every value the probe reads is reduced part by part (a range, a min and max, activity counts),
    // so memory holds one part's activations, not the calibration set's (ViT-H/14's layer inputs and
    // digital values: about 1 GB per sample). Reductions of exact values: the split changes nothing.
    std::vector<float> range(ranged.size(), 0.0f), mx(names.size(), 0.0f), mn(names.size(), 0.0f);
    const int64_t part = int_option("part");
    std::vector<Tensor> whole;  // the outputs when one part holds every sample: kept for the second pass
    for_each_part(probe, inputs, exec, part, whole, [&](const std::vector<Tensor>& outs) {
      for (size_t k = 0; k < ranged.size(); ++k) {
        const Tensor& x = outs[first_ranged + k];
        range[k] = max_abs(x.data<float>(), x.numel(), range[k]);
      }
      for (size_t k = 0; k < names.size(); ++k) {
        const Tensor x = outs[first + k].as(DType::f32);
        extend_hull(x.data<float>(), x.numel(), mn[k], mx[k]);
      }
    });
    for (size_t k = 0; k < ranged.size(); ++k) ctx.value_range[probe.value(ranged[k]).name] = range[k];
    const auto& enc = ctx.chip.cores.input;
    std::vector<ActivityCounter> activity(names.size());
    for (size_t k = 0; k < names.size(); ++k) {
      Quantization& q = ctx.node_quant[names[k]];
      const bool signed_data = mn[k] < 0;
      const auto& node_layer =
          *std::find_if(nodes.begin(), nodes.end(), [&](int32_t ni) { return ctx.graph.node(ni).name == names[k]; });
      const OpKind op = ctx.graph.node(node_layer).op;
      const bool recurrent = op == OpKind::LSTM || op == OpKind::GRU;
      if (recurrent) mx[k] = std::max({mx[k], -mn[k], 1.0f});  // h ∈ (−1, 1)
      q.input_signed = signed_data || recurrent;
      const float range_k = std::max(mx[k], -mn[k]);
      const bool chip_signed = enc.sign != chip::InputSign::Unsigned;
      // The codes the encoder really has: a bipolar (or two's-complement) encoder gives ±(2^(b−1) − 1)
      // whatever the data's sign, so non-negative data (after a ReLU) uses 0 .. 2^(b−1) − 1 of them;
      // only unsigned rows give 0 .. 2^b − 1.
      // (A two's-complement bit-serial chip feeds non-negative data as unsigned planes: executor_prepare.)
      const bool symmetric_codes = enc.sign == chip::InputSign::Bipolar || (chip_signed && q.input_signed);
      const double levels = symmetric_codes ? std::ldexp(1.0, static_cast<int>(q.input_bits) - 1) - 1
                                            : std::ldexp(1.0, static_cast<int>(q.input_bits)) - 1;
      const float span = range_k > 0 ? range_k : 1.0f;
      // Offset binary on unsigned rows: [−range, range] onto codes 0 .. 2^b − 1.
      const bool offset = q.input_signed && !chip_signed;
      q.input_offset = offset ? span : 0.0f;
      q.input_step = static_cast<float>((offset ? 2.0 * span : span) / std::max(levels, 1.0));
      if (q.source == "chip") q.source = "calibration";
      activity[k] = ActivityCounter(q, levels, symmetric_codes, chip_signed);
      if (enc.skip_zero_planes && !recurrent) activity[k].planes = plane_counts(ctx, node_layer, q.input_bits);
      if (ctx.chip.cores.adc.output_energy_share > 0 && !recurrent && !ctx.calibration.inputs.empty())
        activity[k].outputs = output_counts(ctx, node_layer, q, activity[k].hi);
    }
    if (ctx.calibration.inputs.empty()) return;
    // Real data: the row activity at the steps just chosen, a second pass over the parts.
    for_each_part(probe, inputs, exec, part, whole, [&](const std::vector<Tensor>& outs) {
      for (size_t k = 0; k < names.size(); ++k) {
        const Tensor& x = outs[first + k];
        const int axis = probe.value(probe.outputs[first + k]).batch_axis;
        activity[k].add(x.as(DType::f32), axis >= 0 && axis < x.rank() ? x.dim(axis) : 1);
      }
    });
    for (size_t k = 0; k < names.size(); ++k) ctx.node_quant[names[k]].activity = activity[k].result();
  }

  // The empty-plane counter of layer node `ni`'s input vectors, in blocks of the chip's array rows.
  static PlaneCounts plane_counts(const CompileContext& ctx, int32_t ni, int64_t bits) {
    PlaneCounts p;
    p.block = ctx.chip.cores.rows;
    p.bits = bits;
    p.g = vector_geometry(ctx.graph, ni);
    return p;
  }

  // The column-output counter of layer node `ni` at its quantisation q (`hi`: the largest code its
  // rows take), tiled as the partition pass tiles it.
  static OutputCounts output_counts(const CompileContext& ctx, int32_t ni, const Quantization& q, double hi) {
    const Graph& g = ctx.graph;
    const Layer L = *describe_layer(g, ni);
    const Tensor W = program::layer_matrix(g, L, ni);
    OutputCounts o;
    o.g = vector_geometry(g, ni);
    o.groups = L.groups;
    o.rows_g = L.group_rows;
    o.cols_g = L.group_cols;
    o.row_block = ctx.chip.cores.rows;
    o.col_block = std::max<int64_t>(1, ctx.chip.cores.cols / chip::columns_per_weight(ctx.chip.cores.weights, q.weight_bits));
    o.w.assign(W.data<float>(), W.data<float>() + W.numel());
    o.full_scale = ctx.chip.cores.adc.full_scale.value_or(1.0) * hi * q.input_step;
    o.offset = q.input_offset;
    o.prepare();
    return o;
  }

  // How layer node `ni`'s input becomes its crossbar input vectors (a conv's windows, else rows).
  static VectorGeometry vector_geometry(const Graph& g, int32_t ni) {
    const Node& n = g.node(ni);
    VectorGeometry v;
    if (n.op != OpKind::Conv) {
      v.rows = describe_layer(g, ni)->rows;
      return v;
    }
    v.conv = true;
    static_cast<ConvWindow&>(v) =
        conv_window(n.attr<ConvAttrs>(), g.value(n.input(0)).shape, g.value(n.outputs[0]).shape, n.name);
    return v;
  }

  // Runs `exec` (on `probe`) over consecutive parts of the calibration samples and hands each part's
  // outputs to `reduce`: parts of `part` samples, or (0) of as many as keep the probe's outputs within
  // 32 MB (about the reference run's own buffers for a batch of a small network). When one part holds
  // every sample its outputs are kept in `whole` and reused by the next call.
  template <class Reduce>
  static void for_each_part(const Graph& probe, const std::vector<Tensor>& inputs, ReferenceExecutor& exec, int64_t part,
                            std::vector<Tensor>& whole, const Reduce& reduce) {
    if (!whole.empty()) {
      reduce(whole);
      return;
    }
    int64_t batch = 1;
    for (size_t i = 0; i < inputs.size() && i < probe.inputs.size(); ++i) {
      const int axis = probe.value(probe.inputs[i]).batch_axis;
      if (axis >= 0 && axis < inputs[i].rank()) batch = std::max(batch, inputs[i].dim(axis));
    }
    double bytes_per_sample = 0;
    for (ValueId o : probe.outputs) bytes_per_sample += static_cast<double>(per_inference_numel(probe, o)) * 4.0;
    constexpr double kBudget = 32.0 * (1 << 20);
    if (part <= 0) part = static_cast<int64_t>(kBudget / std::max(bytes_per_sample, 1.0));
    part = std::clamp<int64_t>(part, 1, batch);
    if (part == batch) {
      whole = exec.run(inputs);
      reduce(whole);
      return;
    }
    for (int64_t b0 = 0; b0 < batch; b0 += part) {
      const int64_t b1 = std::min(batch, b0 + part);
      std::vector<Tensor> sub;
      for (size_t i = 0; i < inputs.size(); ++i) {
        const int axis = i < probe.inputs.size() ? probe.value(probe.inputs[i]).batch_axis : -1;
        sub.push_back(axis >= 0 ? ref::batch_slice(inputs[i], axis, b0, b1) : inputs[i]);
      }
      reduce(exec.run(sub));
    }
  }

  // The codes real data drives the rows with (InputActivity), counted part by part: integer counts,
  // so the sum does not depend on the parts.
  struct ActivityCounter : CodeCounts {
    ActivityCounter() = default;
    ActivityCounter(const Quantization& q, double levels, bool symmetric, bool chip_signed)
        : CodeCounts{.lo = symmetric ? -levels : 0.0,
                     .hi = q.input_offset > 0 ? std::ldexp(1.0, static_cast<int>(q.input_bits)) - 1 : levels,
                     .offset = q.input_offset,
                     .step = q.input_step,
                     .twos_complement = chip_signed && q.input_signed,
                     .mask = q.input_bits >= 64 ? ~0ull : (1ull << q.input_bits) - 1},
          bits(q.input_bits) {}
    void add(const Tensor& x, int64_t batch) {
      count_codes(x.data<float>(), x.numel(), *this);
      if (planes) planes->add(x.data<float>(), x.numel(), *this);
      if (outputs) outputs->add(x.data<float>(), x.numel(), batch);
      samples += x.numel();
    }
    InputActivity result() const {
      const auto n = static_cast<double>(std::max<int64_t>(samples, 1));
      InputActivity a;
      a.samples = samples;
      a.zero_fraction = static_cast<double>(zeros) / n;
      a.mean_magnitude = static_cast<double>(magnitude) / n / std::max(hi, 1.0);
      a.ones_fraction = static_cast<double>(ones) / n / static_cast<double>(std::max<int64_t>(bits, 1));
      if (outputs && outputs->count > 0) a.mean_output_fraction = outputs->sum / static_cast<double>(outputs->count);
      if (planes && planes->total > 0) {
        a.empty_plane_fraction = static_cast<double>(planes->empty) / static_cast<double>(planes->total);
      }
      return a;
    }
    int64_t bits = 0, samples = 0;
    std::optional<PlaneCounts> planes;    // only on a chip that skips all-zero bit-planes
    std::optional<OutputCounts> outputs;  // only on a chip whose conversions cost by their output
  };
};

}  // namespace

std::unique_ptr<Pass> make_quantize_pass() { return std::make_unique<Quantize>(); }

}  // namespace aimc::compiler
