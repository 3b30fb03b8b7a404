// The state the passes work on: a copy of the imported Graph, the validated chip, the Program being
// built, and the mapping's intermediate forms (blocks and crossbar bins) that only passes see.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "chip/chip_spec.h"
#include "core/tensor.h"
#include "ir/graph.h"
#include "program/program.h"

namespace aimc::compiler {

// The compiler writes Programs (src/program): it names their types plainly.
using namespace ::aimc::program;  // NOLINT(google-build-using-namespace)

// A block of a layer's matrix (pass `partition`): rows [r0, r1) × columns [c0, c1) of group `group`.
struct Block {
  int32_t layer = 0;
  int32_t group = 0;
  int64_t r0 = 0, r1 = 0, c0 = 0, c1 = 0;
};

// One crossbar's worth of blocks (pass `pack`), each at a row offset and a physical column offset.
struct BinEntry {
  int32_t block = 0;
  int64_t row_offset = 0, col_offset = 0;
};
struct Bin {
  std::vector<BinEntry> entries;
  int32_t layer = -1;  // the one layer it holds, -1 when blocks of several layers share it
};

// Calibration inputs for `quantize` (empty: synthetic inputs drawn from `seed`).
struct CalibrationData {
  std::vector<Tensor> inputs;  // graph input order, batch at each input's batch axis
  std::string source;          // where they came from (for the Program and the report)
};

struct CompileContext {
  Graph graph;
  chip::ChipSpec chip;
  Program program;
  std::map<std::string, Quantization> node_quant;  // by node name (pass `quantize`)
  std::map<std::string, float> value_range;        // max |v| of node outputs (f32) in the calibration run, by
                                                   // value name (pass `quantize`)
  std::vector<int32_t> layer_node;                 // node index of each layer (graph after fold-batchnorm)
  std::vector<Block> blocks;
  std::vector<Bin> bins;                                 // per replica-0; replicas duplicate a layer's bins
  ScheduleKind schedule_kind = ScheduleKind::Pipelined;  // from the pipeline's `schedule` pass
  // From the pipeline's `replicate` pass (pass `pack` weighs what the crossbars it leaves are worth): whether it
  // replicates (mode=auto), and its budget and total (replication_room, passes/common.h).
  bool replicates = false;
  int64_t replicate_budget = -1, replicate_total = -1;
  CalibrationData calibration;
  uint64_t seed = 0;
  bool allow_quantize = false;  // CompileOptions::allow_quantize
  bool calibrate = true;        // false in compile()'s fit check: ranges are not needed to place tiles

  int64_t crossbars() const { return chip.cores.count * chip.cores.arrays; }
  // Text of the mapping state after a pass (graph summary, layers, blocks, bins, tiles...).
  std::string to_text() const;
};

}  // namespace aimc::compiler
