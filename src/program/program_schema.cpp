#include "program/program_schema.h"

#include <fmt/format.h>

#include <map>
#include <set>

namespace aimc::program {

const std::vector<ProgramKeyDoc>& program_keys() {
  static const std::vector<ProgramKeyDoc> keys = {
      {"format", "text", "\"aimc-program\""},
      {"version", "integer", "the Program format's version"},
      {"chip.name", "text", "the chip compiled for"},
      {"chip.sha256", "text", "SHA-256 of the resolved chip (a Program is refused on another chip)"},
      {"chip.crossbar.rows", "integer", "crossbar rows"},
      {"chip.crossbar.cols", "integer", "crossbar columns"},
      {"chip.crossbars", "integer", "crossbars of the chip"},
      {"chip.resolved.*", "object", "the resolved chip (docs/chip-yaml.md)"},
      {"model.path", "text", "the ONNX model compiled (empty: given as bytes)"},
      {"model.sha256", "text", "its SHA-256 (checked when the Program is evaluated)"},
      {"model.graph", "text", "the model's graph name"},
      {"pipeline", "text", "the pass pipeline that made the Program"},
      {"calibration", "text", "where the input ranges came from"},
      {"warnings", "list of text", "the compiler's warnings"},
      {"statistics.*", "object", "per pass, its statistics"},
      {"layers[].id", "integer", "the layer's index"},
      {"layers[].name", "text", "its ONNX node"},
      {"layers[].kind", "text", "conv, gemm, matmul, lstm, gru"},
      {"layers[].rows", "integer", "rows of its weight matrix"},
      {"layers[].cols", "integer", "columns of its weight matrix"},
      {"layers[].groups", "integer", "block-diagonal groups (grouped convolutions)"},
      {"layers[].group_rows", "integer", "rows per group"},
      {"layers[].group_cols", "integer", "columns per group"},
      {"layers[].vectors_per_inference", "integer", "MVMs per inference"},
      {"layers[].output_rows", "integer", "conv: output rows along the outermost spatial axis (0: not a conv; optional)"},
      {"layers[].row_window", "object", "conv: its window along those rows (optional; perf's slice halo)"},
      {"layers[].row_window.input_rows", "integer", "input rows along that axis"},
      {"layers[].row_window.kernel", "integer", "the kernel's extent along it, dilation included"},
      {"layers[].row_window.stride", "integer", "its stride along it"},
      {"layers[].row_window.pad", "integer", "padding rows at the start"},
      {"layers[].columns_per_weight", "integer", "crossbar columns one weight takes"},
      {"layers[].replicas", "integer", "copies of the weights"},
      {"layers[].has_bias", "boolean", "the layer adds a bias"},
      {"layers[].input", "text", "the value it reads"},
      {"layers[].output", "text", "the value it writes"},
      {"layers[].weights_sha256", "text", "SHA-256 of its weights (checked against the model)"},
      {"layers[].quant.input_bits", "integer", "input precision at the rows, sign included"},
      {"layers[].quant.input_signed", "boolean", "the inputs take negative values"},
      {"layers[].quant.input_step", "number", "input units per code"},
      {"layers[].quant.input_offset", "number", "offset of unsigned codes (≥ 0; optional)"},
      {"layers[].quant.weight_bits", "integer", "weight precision (0: analog)"},
      {"layers[].quant.weight_scale", "list of numbers", "one scale, or one per column"},
      {"layers[].quant.adc_bits", "integer", "ADC bits of the layer's read-out"},
      {"layers[].quant.source", "text", "where the ranges came from"},
      {"layers[].quant.weight_error_rms", "number", "rms rounding error of fp32 weights (optional)"},
      {"layers[].quant.activity.zero_fraction", "fraction", "inputs that are zero (optional block)"},
      {"layers[].quant.activity.mean_magnitude", "fraction", "mean |code| / max code"},
      {"layers[].quant.activity.ones_fraction", "fraction", "bits that are 1 over the bit planes"},
      {"layers[].quant.activity.empty_plane_fraction", "fraction",
       "bit-planes all 0 on a block of the chip's array rows, per input vector (optional; skip_zero_planes chips)"},
      {"layers[].quant.activity.mean_output_fraction", "fraction",
       "mean |column partial sum| / the converter's full scale, clipped at 1 (optional; 1: not measured)"},
      {"layers[].quant.activity.samples", "integer", "calibration samples measured"},
      {"tiles[].id", "integer", "the tile's index"},
      {"tiles[].layer", "integer", "its layer"},
      {"tiles[].group", "integer", "its group of the layer"},
      {"tiles[].rows", "[begin, end)", "the layer rows it holds"},
      {"tiles[].cols", "[begin, end)", "the layer columns it holds"},
      {"tiles[].offset", "[row, column]", "where its block sits in the crossbar"},
      {"tiles[].replica", "integer", "which copy of the layer"},
      {"tiles[].core", "integer", "its core"},
      {"tiles[].array", "integer", "its array within the core"},
      {"tiles[].segment", "integer", "its reload segment"},
      {"tiles[].reduce_core", "integer", "the core that sums its partial results"},
      {"digital_ops[].id", "integer", "the op's index"},
      {"digital_ops[].node", "text", "its ONNX node"},
      {"digital_ops[].op", "text", "its canonical op"},
      {"digital_ops[].kind", "text or null", "the digital unit operation (null: layout only)"},
      {"digital_ops[].layer", "integer", "the layer it follows (-1: none)"},
      {"digital_ops[].scope", "text", "core, chip or host"},
      {"digital_ops[].unit", "text", "the unit that runs it"},
      {"digital_ops[].unit_index", "integer", "that unit's index in its scope"},
      {"digital_ops[].cores", "list of integers", "cores it runs on (core scope)"},
      {"digital_ops[].ops_per_inference", "integer", "operations per inference"},
      {"digital_ops[].frac_bits", "integer", "fixed-point fraction bits (optional)"},
      {"digital_ops[].output_rows", "integer", "conv or pooling: output rows along the outermost spatial axis (optional)"},
      {"digital_ops[].row_window", "object", "its window along those rows (optional; as layers[].row_window)"},
      {"digital_ops[].row_window.input_rows", "integer", "input rows along that axis"},
      {"digital_ops[].row_window.kernel", "integer", "the kernel's extent along it, dilation included"},
      {"digital_ops[].row_window.stride", "integer", "its stride along it"},
      {"digital_ops[].row_window.pad", "integer", "padding rows at the start"},
      {"transfers[].from", "\"host\" or object", "source: \"host\", {\"core\": N} or {\"unit\": N}"},
      {"transfers[].from.core", "integer", "a source core"},
      {"transfers[].from.unit", "integer", "a source chip-level unit"},
      {"transfers[].from.name", "text", "that unit's name (informative)"},
      {"transfers[].to", "\"host\" or object", "destination, as from"},
      {"transfers[].to.core", "integer", "a destination core"},
      {"transfers[].to.unit", "integer", "a destination chip-level unit"},
      {"transfers[].to.name", "text", "that unit's name (informative)"},
      {"transfers[].bytes_per_inference", "number",
       "bytes moved per inference (a share where the edge serves a share of the inferences)"},
      {"transfers[].value", "text",
       "the value moved: a graph value, or LAYER:psum, LAYER:gates, LAYER:h, OP:residual (read back from memory), NODE:input "
       "(from the host where activations are held there)"},
      {"transfers[].kind", "text", "input, output, activation, partial-sum, ..."},
      {"transfers[].hops", "integer", "network hops"},
      {"transfers[].stage", "integer", "the stage it belongs to (optional, with at)"},
      {"transfers[].at", "text",
       "when in the stage: start, before-mvm (made by its digital ops ahead of the MVMs), after-mvm, end"},
      {"transfers[].multicast", "integer", "its multicast group (-1: none; optional)"},
      {"transfers[].copy", "integer",
       "data-parallel: the network copy whose inferences it carries (-1: every copy's, or not data-parallel; optional)"},
      {"schedule.kind", "text", "layer, pipelined or data-parallel"},
      {"schedule.network_replicas", "integer",
       "data-parallel copies of the network, each holding one replica of every layer; 1 for other schedules"},
      {"schedule.reloads", "boolean", "several segments (informative)"},
      {"schedule.stages[].id", "integer", "the stage's index"},
      {"schedule.stages[].layers", "list of integers", "its layers"},
      {"schedule.stages[].cores", "list of integers", "its cores"},
      {"schedule.stages[].digital_ops", "list of integers", "its digital ops, in order"},
      {"schedule.stages[].digital_ops_before_mvms", "integer",
       "how many of the first digital_ops run before its MVMs (ops ahead of the first layer; optional, 0)"},
      {"schedule.stages[].mvms_per_inference", "number", "MVMs per crossbar per inference"},
      {"schedule.segments[].id", "integer", "the segment's index"},
      {"schedule.segments[].layers", "list of integers", "its layers"},
      {"schedule.segments[].tiles", "list of integers", "its tiles"},
      {"schedule.segments[].cells_written", "integer", "cells programmed for it"},
      {"schedule.segments[].write_operations", "integer", "write operations for it"},
  };
  return keys;
}

const std::vector<std::string>& allowed_keys(const std::string& path) {
  // Every parent's keys, gathered once: a Program's reader asks for each object it reads (thousands of tiles).
  static const std::map<std::string, std::vector<std::string>> by_parent = [] {
    std::map<std::string, std::set<std::string>> keys;
    for (const ProgramKeyDoc& k : program_keys()) {
      std::string p = k.path;
      if (p.ends_with(".*")) p.resize(p.size() - 2);
      // "layers[].quant.input_bits": "layers" is a key of "", "quant" of "layers[]", "input_bits" of "layers[].quant".
      std::string parent;
      for (size_t start = 0; start <= p.size();) {
        const size_t end = std::min(p.find('.', start), p.size());
        std::string segment = p.substr(start, end - start);
        keys[parent].insert(segment.ends_with("[]") ? segment.substr(0, segment.size() - 2) : segment);
        parent = parent.empty() ? segment : parent + "." + segment;
        start = end + 1;
      }
    }
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& [parent, set] : keys) out.emplace(parent, std::vector<std::string>(set.begin(), set.end()));
    return out;
  }();
  static const std::vector<std::string> none;
  const auto it = by_parent.find(path);
  return it == by_parent.end() ? none : it->second;
}

std::string program_schema_markdown() {
  std::string o = "| key | type | meaning |\n|---|---|---|\n";
  for (const ProgramKeyDoc& k : program_keys()) o += fmt::format("| `{}` | {} | {} |\n", k.path, k.type, k.meaning);
  return o;
}

}  // namespace aimc::program
