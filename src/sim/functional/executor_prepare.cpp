// prepare_layers(): each analog layer's tiles created from the Program, programmed, calibrated and
// arranged into column blocks of row-ordered tiles per replica; bias, per-column scales, input
// offset and comparator thresholds resolved.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "chip/device_registry.h"
#include "core/error.h"
#include "core/reductions.h"
#include "core/threads.h"
#include "program/weights.h"
#include "sim/functional/executor_impl.h"
#include "sim/functional/input_offset.h"

namespace aimc::functional {

namespace {

// The width of the digital unit that sums the layer's row splits (0: fp32, e.g. on the host).
int64_t partial_sum_width(const program::Program& p, const chip::ChipSpec& chip, int32_t layer) {
  for (const program::DigitalOp& op : p.digital_ops) {
    if (op.layer != layer || op.op != "partial-sum") continue;
    if (op.unit_index < 0) return 0;
    const auto i = static_cast<size_t>(op.unit_index);
    if (op.scope == program::Scope::Core && i < chip.cores.digital.size()) return chip.cores.digital[i].width_bits;
    if (op.scope == program::Scope::Chip && i < chip.digital.size()) return chip.digital[i].width_bits;
    return 0;
  }
  return 0;
}

chip::CoreSpec core_with_compensation(const chip::ChipSpec& chip, const FunctionalOptions& o) {
  chip::CoreSpec core = chip.cores;
  if (o.drift_compensation) core.drift_compensation.scheme = *o.drift_compensation;
  if (o.compensation_readout) core.drift_compensation.readout = *o.compensation_readout;
  return core;
}

// bf16 GEMM operands hold integers up to 256 in magnitude exactly: the input codes of at most 8 bits;
// int8 ones signed codes within ±127 (s8, or their magnitudes as u8) and unsigned codes up to 255.
void check_gemm_inputs(GemmPrecision precision, const device::IInputEncoder& enc, bool converters, const ErrorContext& where) {
  if (precision == GemmPrecision::fp32) return;
  const char* name = to_string(precision);
  if (!converters) throw Error(fmt::format("GEMM precision {} needs the chip's converters (the input codes)", name), where);
  const int64_t most = std::max(enc.code_max(), -enc.code_min());
  const int64_t limit = precision == GemmPrecision::bf16 ? 256 : enc.code_min() < 0 ? 127 : 255;
  if (most > limit) {
    throw Error(fmt::format("GEMM precision {} holds input codes up to {} in magnitude exactly; this layer's reach {} "
                            "({} input bits): use fp32",
                            name, limit, most, enc.bits()),
                where);
  }
}

}  // namespace

void ChipExecutor::Impl::prepare_layers() {
  const chip::CoreSpec core = core_with_compensation(chip, options);
  const bool data_parallel = program.schedule.kind == program::ScheduleKind::DataParallel;
  for (const program::Layer& layer : program.layers) {
    const ErrorContext where{.node = layer.name};
    const float step = layer.quant.input_step;
    if (options.converters && !(step > 0)) {
      throw Error("the layer has no input step (compile with calibration, or from a model with fake-quant inputs)", where);
    }
    LayerRun l;
    l.layer = &layer;
    l.node = program::layer_node(graph, layer);
    const Tensor matrix = program::layer_matrix(graph, layer, l.node);
    l.bias = program::layer_bias(graph, layer, l.node);
    // Fixed-point partial sums for differential analog cells, whose outputs are ADC codes × an LSB
    // derived below; binary and bit-sliced tiles already give exact integer multiples (fp32 sums).
    const bool differential = chip::technology_of(chip.cores).traits.differential();
    l.width_bits = options.converters && differential ? partial_sum_width(program, chip, layer.id) : 0;
    l.by_sample = data_parallel || layer.vectors_per_inference <= 1;

    TileOptions topt;
    topt.input_bits = layer.quant.input_bits;
    topt.weight_bits = layer.quant.weight_bits;
    topt.adc_bits = layer.quant.adc_bits;
    topt.converters = options.converters;
    topt.count_saturation = options.count_saturation;
    topt.gemm_precision = differential ? options.gemm_precision : GemmPrecision::fp32;
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
    // The tiles' weights and thresholds, in order; then their programming (independent: each draws
    // from its own counter-based streams), in parallel; then their arrangement into blocks.
    const std::vector<int32_t> ids = program.tiles_of(layer.id);
    std::vector<Tensor> weights(ids.size());
    std::vector<std::vector<float>> thresholds(ids.size());
    for (size_t k = 0; k < ids.size(); ++k) {
      const program::Tile& t = program.tiles.at(static_cast<size_t>(ids[k]));
      weights[k] = program::tile_weights(matrix, t);
      if (!l.col_scale.empty()) {
        float* wd = weights[k].data<float>();
        const int64_t tc = t.cols();
        for (int64_t r = 0; r < t.rows(); ++r) {
          for (int64_t c = 0; c < tc; ++c) wd[r * tc + c] /= l.col_scale[static_cast<size_t>(t.col_begin + c)];
        }
      }
      if (comparator) {
        if (t.rows() != layer.group_rows)
          throw Error("a comparator decides on a whole column; the layer is split over rows", where);
        std::vector<float>& threshold = thresholds[k];
        threshold.assign(static_cast<size_t>(t.cols()), 0.0f);
        for (int64_t c = 0; c < t.cols() && !l.bias.empty(); ++c) {
          const auto col = static_cast<size_t>(t.col_begin + c);
          threshold[static_cast<size_t>(c)] = -l.bias[col] / (l.col_scale.empty() ? 1.0f : l.col_scale[col]);
        }
      }
      if (t.replica < 0 || t.replica >= replicas) {
        throw Error(fmt::format("tile {} has replica {}, the layer has {}", t.id, t.replica, replicas), where);
      }
    }
    std::vector<std::unique_ptr<Tile>> tiles(ids.size());
    std::vector<float> tile_lsb(ids.size(), 0.0f);
    std::vector<char> reads_codes(ids.size(), 0);
    parallel_for(static_cast<int64_t>(ids.size()), [&](int64_t i) {
      const auto k = static_cast<size_t>(i);
      const program::Tile& t = program.tiles.at(static_cast<size_t>(ids[k]));
      tiles[k] = std::make_unique<Tile>(
          layer_core, TileContext{.seed = options.seed, .tile_id = static_cast<uint32_t>(t.id), .read_mode = options.read_mode},
          topt);
      Tile& tile = *tiles[k];
      check_gemm_inputs(topt.gemm_precision, tile.encoder(), options.converters, where);
      tile.program(weights[k]);
      if (options.converters) {
        tile.calibrate(step);
        // The tile's output LSB in the weight domain: ADC full scale (adc.full_scale × the largest
        // single-row product x_max·|w|max) over the largest ADC code.
        const double x_max = static_cast<double>(step) * static_cast<double>(tile.encoder().code_max());
        const double fs = chip.cores.adc.full_scale.value_or(1.0);
        const double code_max = std::max(1.0, static_cast<double>(tile.adc().code_max()));
        tile_lsb[k] = static_cast<float>(fs * x_max * static_cast<double>(max_abs(weights[k].data<float>(), weights[k].numel())) /
                                         code_max);
      }
      if (comparator) tile.set_thresholds(std::move(thresholds[k]));
      if (options.t_s) tile.set_time(*options.t_s);
      reads_codes[k] = static_cast<char>(options.encode_layers_once && l.input_offset == 0 && !comparator && tile.reads_codes());
      weights[k] = Tensor();
    });
    l.encode_once = !ids.empty() && std::all_of(reads_codes.begin(), reads_codes.end(), [](char r) { return r != 0; });
    if (l.encode_once) {  // the tiles' row ranges must cut the rows into segments, each a tile's range
      std::vector<int64_t>& cuts = l.row_segments;
      for (int32_t id : ids) {
        cuts.push_back(program.tiles.at(static_cast<size_t>(id)).row_begin);
        cuts.push_back(program.tiles.at(static_cast<size_t>(id)).row_end);
      }
      std::sort(cuts.begin(), cuts.end());
      cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
      const bool partition =
          cuts.front() == 0 && cuts.back() == layer.rows && std::all_of(ids.begin(), ids.end(), [&](int32_t id) {
            const program::Tile& t = program.tiles.at(static_cast<size_t>(id));
            const auto at = std::lower_bound(cuts.begin(), cuts.end(), t.row_begin);
            return at + 1 != cuts.end() && *(at + 1) == t.row_end;
          });
      if (!partition) {
        l.encode_once = false;
        cuts.clear();
      }
    }
    for (size_t k = 0; k < ids.size(); ++k) {
      const program::Tile& t = program.tiles.at(static_cast<size_t>(ids[k]));
      const size_t index = l.tiles.size();
      l.tiles.push_back(std::move(tiles[k]));
      l.placed.push_back(&t);
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
    const std::vector<const program::Tile*>& placed = l.placed;
    for (auto& blocks : l.blocks) {
      if (blocks.empty()) throw Error("a replica of the layer has no tiles", where);
      for (ColumnBlock& b : blocks) {
        std::sort(b.tiles.begin(), b.tiles.end(),
                  [&](size_t x, size_t y) { return placed[x]->row_begin < placed[y]->row_begin; });
        float lsb = 0;
        for (size_t i : b.tiles) {
          if (tile_lsb[i] > 0 && (lsb == 0 || tile_lsb[i] < lsb)) lsb = tile_lsb[i];
        }
        b.lsb = lsb;
      }
    }
    if (comparator) {
      l.bias.clear();       // applied by the comparators
      l.col_scale.clear();  // a ±1 decision is not rescaled
    }
    layers.push_back(std::move(l));
  }
}

}  // namespace aimc::functional
