#include "report/schema.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <set>

#include "aimc/version.h"
#include "core/error.h"

namespace aimc::report {

namespace {

const std::vector<KeyDoc> kCommon = {
    {"schema_version", "count", "version of this schema; bumped when a key is renamed, removed or changes meaning"},
    {"result", "text", "which result: compile, eval, perf or characterize"},
    {"aimc_version", "text", "the aimc that wrote it"},
};

std::vector<KeyDoc> with_common(std::vector<KeyDoc> keys) {
  keys.insert(keys.begin(), kCommon.begin(), kCommon.end());
  return keys;
}

ResultDoc compile_doc() {
  return {
      "compile",
      "The mapping of a network onto a chip (`aimc compile --json/--csv`), computed from the Program alone.",
      with_common({
          {"model", "text", "the ONNX model compiled (empty: given as bytes)"},
          {"model_sha256", "text", "its SHA-256 (empty: given as bytes)"},
          {"chip", "text", "the chip's name"},
          {"chip_sha256", "text", "SHA-256 of the resolved chip the Program was compiled for"},
          {"arrangement", "count", "the chip's core grid (cores.arrangement), for floor plans"},
          {"schedule", "text", "layer, pipelined or data-parallel"},
          {"crossbars_used", "count", "crossbars holding at least one tile (over all reload segments)"},
          {"crossbars_available", "count", "crossbars of the chip"},
          {"tiles_placed", "count", "tiles (weight blocks) placed, replicas included"},
          {"cores_used", "count", "cores holding at least one tile"},
          {"cores_available", "count", "cores of the chip"},
          {"cell_utilisation", "fraction", "cells holding weights / cells of the used crossbars"},
          {"cells_holding_weights", "count", "cells holding weights"},
          {"shared_crossbars[].segment", "id", "reload segment of a crossbar holding several tiles"},
          {"shared_crossbars[].core", "id", "its core"},
          {"shared_crossbars[].array", "id", "its array within the core"},
          {"shared_crossbars[].tiles", "ids", "the tiles it holds"},
          {"shared_crossbars[].layers", "ids", "their layers"},
          {"shared_crossbars[].blocks", "text", "each tile as L<layer>[rows,cols]@row,col"},
          {"shared_crossbars[].shares_rows_or_columns", "bool", "some two tiles share rows or columns (they run in turn)"},
          {"reload_segments", "count", "weight segments programmed in turn (1: all weights stay on chip)"},
          {"programming.cells_written", "count", "cells written per pass over the segments"},
          {"programming.write_operations", "count", "write operations per pass over the segments"},
          {"traffic.bytes_per_inference", "B", "bytes moved per inference (on and off chip)"},
          {"traffic.on_chip_bytes_per_inference", "B", "bytes moved on chip per inference"},
          {"traffic.off_chip_bytes_per_inference", "B", "bytes to or from the host per inference"},
          {"traffic.hop_bytes_per_inference", "B·hops", "bytes × network hops per inference"},
          {"traffic.by_kind.*", "B", "bytes per inference by transfer kind"},
          {"bottleneck.layer", "text", "the layer of the stage with the most MVMs per crossbar"},
          {"bottleneck.mvms_per_inference", "count", "its MVMs per crossbar per inference"},
          {"calibration", "text", "where the input ranges came from (data and samples, or synthetic)"},
          {"layers[].name", "text", "the layer (its ONNX node)"},
          {"layers[].kind", "text", "conv, gemm, matmul, lstm, gru"},
          {"layers[].rows", "count", "rows of its weight matrix (inputs)"},
          {"layers[].cols", "count", "columns of its weight matrix (outputs)"},
          {"layers[].groups", "count", "convolution groups (block-diagonal matrices)"},
          {"layers[].tiles", "count", "tiles of one replica"},
          {"layers[].crossbars", "count", "crossbars one replica occupies"},
          {"layers[].replicas", "count", "copies of the layer's weights"},
          {"layers[].cell_utilisation", "fraction", "its cells / the cells of its crossbars"},
          {"layers[].cores", "ids", "cores holding its tiles"},
          {"layers[].vectors_per_inference", "count", "input vectors (MVMs) per inference"},
          {"layers[].weight_bits", "bits", "weight precision on the chip (0: analog)"},
          {"layers[].input_bits", "bits", "input precision at the rows, sign included"},
          {"layers[].input_range", "input units", "[low, high] the encoder's codes cover"},
          {"layers[].calibration", "text", "where its input range came from"},
          {"layers[].adc_full_scale", "output units", "the ADC's full scale (differential cells only)"},
          {"digital_units.*", "count", "digital ops per unit kind"},
          {"off_chip_ops", "text", "ops run on the host, as node (op)"},
          {"warnings", "text", "the compiler's warnings"},
      }),
      {"model", "chip", "schedule", "layer", "kind", "rows", "cols", "tiles", "crossbars", "replicas", "cell_utilisation",
       "vectors_per_inference", "weight_bits", "input_bits", "input_low", "input_high", "cores"},
      "one per layer",
  };
}

ResultDoc eval_doc() {
  return {
      "eval",
      "Accuracy (or perplexity, or output error) of the digital reference and of the chip over time since programming "
      "(`aimc eval --json/--csv`). `<metric>` below is `accuracy` (a fraction), `perplexity` or `output_error`.",
      with_common({
          {"model", "text", "the ONNX model"},
          {"data", "text", "the dataset spec"},
          {"samples", "count", "samples evaluated"},
          {"metric", "text",
           "accuracy (fraction of samples classified right), perplexity (per token), or output_error (data without "
           "labels: ‖chip − reference‖₂ / ‖reference‖₂ over every element of the model's first output, the fp32 "
           "reference's on the same samples)"},
          {"digital.accuracy", "fraction", "the fp32 reference's accuracy"},
          {"digital.output_error", "fraction", "0: the reference the chip's outputs are compared with"},
          {"digital.perplexity", "-", "the fp32 reference's perplexity per token"},
          {"digital.bits_per_token", "bits", "log2 of its perplexity (language models)"},
          {"chip[].t_s", "s", "time since programming"},
          {"chip[].accuracy_mean", "fraction", "mean over the programming draws"},
          {"chip[].accuracy_std", "fraction", "sample standard deviation over the draws (0 for one)"},
          {"chip[].accuracy", "fraction", "each draw's accuracy"},
          {"chip[].output_error_mean", "fraction",
           "mean output error over the draws (output_error_std, output_error: as "
           "for accuracy)"},
          {"chip[].perplexity_mean", "-", "mean perplexity over the draws"},
          {"chip[].perplexity_std", "-", "its sample standard deviation"},
          {"chip[].perplexity", "-", "each draw's perplexity"},
          {"chip[].bits_per_token_mean", "bits", "log2 of the mean perplexity"},
          {"chip[].repeats", "count", "programming draws at this time"},
          {"chip[].adc_saturated_fraction", "fraction",
           "with --adc-saturation: ADC conversions that gave the converter's largest code (or most negative, when "
           "signed) or, in a four-phase read, had a phase at the phase full scale, over every analog layer and draw; "
           "null without conversions (comparators decide, they do not convert)"},
          {"chip[].adc_saturation[].layer", "text", "an analog layer"},
          {"chip[].adc_saturation[].conversions", "count", "its ADC conversions, summed over the draws"},
          {"chip[].adc_saturation[].saturated", "count", "how many of them saturated"},
          {"seed", "-", "seed of draw 0; draw r uses seed + r"},
          {"repeats", "count", "programming draws"},
          {"read_mode", "text", "the read mode asked for (empty: the chip's first)"},
          {"drift_compensation", "text", "chip (as the chip says), none, global or per-column"},
          {"drift_compensation_readout", "text", "chip (as the chip says), read-path or exact"},
          {"gemm_precision", "text",
           "the analog tiles' GEMM operands: fp32 (exact), bf16 (conductances rounded to 8 significant bits) or "
           "int8 (each column's conductances on an 8-bit grid)"},
          {"calibration", "text", "where the input ranges came from"},
          {"replicated_layers", "count", "layers with several replicas, each programmed independently"},
          {"chip_name", "text", "the chip's name"},
          {"tiles", "count", "tiles programmed"},
          {"timing.chip_ms_per_sample", "ms", "simulation wall time per sample on the chip (the batches; drift_s apart)"},
          {"timing.digital_ms_per_sample", "ms", "wall time per sample of the fp32 reference"},
          {"timing.programming_s", "s", "wall time to program the simulated chip, per draw"},
          {"timing.drift_s", "s", "wall time to compute the devices' state at a drift time, per time and draw"},
          {"timing.threads", "count", "threads"},
          {"timing.wait_policy", "text", "how idle threads waited: passive (the CLI's default), active, or default (unset)"},
          {"timing.malloc_huge_pages", "bool",
           "malloc asked for transparent huge pages (GLIBC_TUNABLES glibc.malloc.hugetlb=1, the CLI's default)"},
          {"timing.batch", "count", "samples per batch"},
          {"resolved_chip.*", "-", "the chip as simulated, every parameter resolved (docs/chip-yaml.md)"},
      }),
      {"model", "chip", "data", "read_mode", "metric", "samples", "digital", "t_s", "mean", "std", "repeats", "seed"},
      "one per time since programming (`mean`, `std` and `digital` in the unit of `metric`)",
  };
}

ResultDoc perf_doc() {
  return {
      "perf",
      "Latency, throughput, energy and utilisation from the event simulation (`aimc perf --json/--csv`). "
      "Figures named `..._per_inference` are per inference; `total_...` and `makespan_s` cover the whole run "
      "of `images` inferences.",
      with_common({
          {"chip", "text", "the chip's name"},
          {"arrangement", "count", "the chip's core grid (cores.arrangement), for floor plans"},
          {"model", "text", "the network (or peak)"},
          {"schedule", "text", "layer, pipelined or data-parallel"},
          {"read_mode", "text", "the read mode simulated"},
          {"images", "count", "inferences in the run"},
          {"batch", "count", "inferences per batch"},
          {"chunks", "count", "slices each inference streams through the pipeline in (1: whole-inference tasks)"},
          {"chunks_candidates", "count",
           "`chunks` auto: the slicings it chose among (the one with which the analytic model ends the run soonest); "
           "empty when chunks was given"},
          {"stage_buffers", "count",
           "items (slices, or inferences where they run whole) whose input each stage holds at once, besides the "
           "producer slices a halo reads whole; null: unbounded"},
          {"slices_gather", "text",
           "the first stage (its layers) where the slices gather and the inference runs whole; null: none"},
          {"slices_resume", "list of text",
           "the stages after it where the inference streams in slices again (after a squeeze-and-excitation)"},
          {"segments", "count", "reload segments"},
          {"latency_s", "s", "latency of one inference alone on the chip"},
          {"mean_latency_s", "s",
           "mean latency under the run's load, released at once: each inference from its release to its result"},
          {"critical_path_s", "s", "the critical path of one inference"},
          {"makespan_s", "s", "the whole run, first input to last output"},
          {"inferences_per_s", "1/s", "steady-state throughput, timed as throughput_basis says"},
          {"throughput_basis", "text",
           "periodic: the completions repeat every throughput_period inferences between the fill and the drain, the "
           "throughput being that many over a repeat's time; "
           "after-warm-up: they do not repeat yet, timed from the first batch's or round's end (an estimate); run: "
           "the run is too short (fewer than two batches or rounds over the copies), its inferences over its time"},
          {"throughput_period", "count", "inferences per repeat of the completions (0 unless periodic)"},
          {"throughput_warm_up", "count",
           "the warm-up's inferences (a batch, a round over data-parallel copies, or 1): a period is a whole number of "
           "them, and more than two periods give a steady state"},
          {"array_bound_inferences_per_s", "1/s",
           "the crossbars' bound: crossbars used / their summed MVM time per inference (all busy, no waits or reloads)"},
          {"macs_per_inference", "MAC", "multiply-accumulates per inference"},
          {"tops", "TOPS", "2 × MACs × inferences/s / 10¹²"},
          {"efficiency.peak_tops", "TOPS",
           "chip show's peak in the read mode, at the network's input precision (null object: no MVMs)"},
          {"efficiency.input_bits", "bits", "the peak's input precision: the analog layers' with the most MACs"},
          {"efficiency.weight_bits", "bits", "the peak's weight precision (null: analog weights)"},
          {"efficiency.global_mapping", "fraction", "crossbars the network uses / crossbars on the chip"},
          {"efficiency.local_mapping", "ratio", "analog MACs per unit of their MVM time / a full array's at the peak"},
          {"efficiency.pipeline", "fraction", "throughput / the crossbars' bound (imbalance, transfers, digital work, reloads)"},
          {"efficiency.digital_macs", "ratio", "all MACs / analog MACs; the five factors multiply to tops"},
          {"area_mm2", "mm²", "chip area (null when the chip gives none)"},
          {"tops_per_mm2", "TOPS/mm²", "TOPS per area (null without area)"},
          {"tops_per_w", "TOPS/W", "with all energy, static included"},
          {"tops_per_w_dynamic", "TOPS/W", "with dynamic energy only"},
          {"tops_per_w_mvm", "TOPS/W", "with the array MVMs' energy only"},
          {"energy_per_inference_j", "J", "energy per inference, all components"},
          {"dynamic_energy_per_inference_j", "J", "dynamic energy per inference"},
          {"data_independent_energy_per_inference_j", "J", "energy per inference with every row drive priced in full"},
          {"input_activity_from", "text", "the data whose input activity priced the row drives (null: none)"},
          {"inferences_per_s_per_w", "1/J", "inferences per second per watt"},
          {"total_programming_s", "s", "time spent writing weights over the run"},
          {"bottleneck.stage", "id", "the stage bounding throughput"},
          {"bottleneck.layer", "text", "its first layer"},
          {"bottleneck.service_s", "s", "its service time per inference"},
          {"bottleneck.resource", "text", "the busiest resource"},
          {"bottleneck.resource_busy_s", "s", "its busy time per inference"},
          {"layers[].stage", "id", "the layer's stage"},
          {"layers[].name", "text", "the layer"},
          {"layers[].macs_per_inference", "MAC", "its MACs per inference"},
          {"layers[].mvms_per_inference", "count", "its array MVMs per inference"},
          {"layers[].service_s", "s", "its stage's busiest resource per inference"},
          {"layers[].time_s", "s", "mean span of its stage per inference"},
          {"layers[].buffer_peak_inferences", "count",
           "the most of its stage's input held at once (from the producer's sending on), in inferences; null: not "
           "measured (analytic)"},
          {"layers[].buffer_peak_bytes", "B", "those bytes, on the stage's cores"},
          {"layers[].cores", "count", "cores it runs on"},
          {"layers[].energy_per_inference_j", "J", "its energy per inference"},
          {"layers[].energy_per_inference_by_component_j.*", "J", "its energy per inference by component"},
          {"critical_path[].stage", "id", "a stage on one inference's critical path"},
          {"critical_path[].name", "text", "its layer"},
          {"critical_path[].time_s", "s", "time the inference spends in it"},
          {"critical_path[].waiting_s", "s", "of which waiting for a resource its own tasks hold"},
          {"critical_path[].analog_s", "s", "of which array MVMs"},
          {"critical_path[].digital_s", "s", "of which digital units"},
          {"critical_path[].network_s", "s", "of which on-chip transfers"},
          {"critical_path[].memory_s", "s", "of which the off-chip memory's link"},
          {"critical_path[].host_link_s", "s", "of which the host link (a chip without an off-chip memory)"},
          {"critical_path[].host_s", "s", "of which host ops"},
          {"critical_path[].barrier_s", "s",
           "of which waits with none of its tasks running: barriers, slices gathering, halos, room in the next stage's buffers"},
          {"critical_path[].resource", "text", "the resource it spends longest on"},
          {"host.gops", "Gop/s", "the host's throughput used (chip host.gops, or --host-gops; 0: free)"},
          {"host.ops_per_inference", "op", "ops placed on the host per inference"},
          {"host.busy_s_per_inference", "s", "the host's busy time per inference"},
          {"host.latency_share", "fraction", "share of one inference's latency on the host (critical path)"},
          {"host.energy_share", "fraction", "share of the energy spent on the host"},
          {"host.link_bytes_per_inference", "B",
           "bytes over the host link per inference, both ways (0: the chip has an off-chip memory)"},
          {"host.link_busy_s_per_inference", "s", "the host link's busy time per inference, the busier way"},
          {"host.link_energy_share", "fraction", "share of the energy spent on the host link"},
          {"cores[].core", "id", "a core with work"},
          {"cores[].crossbar_busy_fraction", "fraction", "its crossbars' busy time / makespan, the mean over its arrays"},
          {"cores[].digital_busy_fraction", "fraction", "its digital units' busy time / makespan, the mean over them"},
          {"cores[].total_crossbar_busy_s", "s", "its crossbars' busy time over the run, summed over its arrays"},
          {"cores[].total_digital_busy_s", "s", "its digital units' busy time over the run, summed over them"},
          {"cores[].buffer_peak_bytes", "B",
           "the most input of its stages it held at once (a warning when above its memories); null: not measured (analytic)"},
          {"cores[].energy_per_inference_j", "J", "its energy per inference"},
          {"links[].link", "text", "a network link"},
          {"links[].busy_fraction", "fraction", "its busy time / makespan"},
          {"links[].total_bytes", "B", "bytes it carried over the run"},
          {"energy_per_inference_by_component_j.*", "J", "energy per inference by component"},
          {"total_actions.array_mvms", "count", "array MVMs over the run"},
          {"total_actions.array_evaluations", "count", "array evaluations (bit planes × phases) over the run"},
          {"total_actions.adc_conversions", "count", "ADC conversions over the run"},
          {"total_actions.dac_drives", "count", "row drives over the run"},
          {"total_actions.dac_drive_activity", "count", "row drives weighted by input activity"},
          {"total_actions.adc_output_activity", "count",
           "ADC conversions weighted by their output's magnitude / full scale (measured; else = adc_conversions)"},
          {"total_actions.skipped_plane_mvms", "count",
           "MVM-equivalents of bit-planes skipped as all zero (skip_zero_planes) over the run"},
          {"total_actions.skipped_conversions", "count", "ADC conversions those skipped planes would have taken"},
          {"total_actions.digital_ops", "count", "digital unit operations over the run"},
          {"total_actions.buffer_read_bytes", "B", "buffer reads over the run"},
          {"total_actions.buffer_write_bytes", "B", "buffer writes over the run"},
          {"total_actions.offchip_bytes", "B", "off-chip traffic over the run"},
          {"total_actions.bit_hops", "bit·hops", "network bits × hops over the run"},
          {"total_actions.cells_written", "count", "cells written over the run"},
          {"total_actions.write_operations", "count", "write operations over the run"},
          {"total_actions.write_pulses", "count", "write pulses over the run"},
          {"total_actions.verify_reads", "count", "verify reads over the run"},
          {"unpriced", "text", "actions the chip gives no energy for"},
          {"warnings", "text", "the simulation's warnings (buffers filled past their room or beyond the cores' memories)"},
          {"simulator.kind", "text", "event (the discrete-event simulation) or analytic (the same figures in closed form)"},
          {"simulator.events", "count", "events simulated"},
          {"simulator.wall_s", "s", "simulation wall time (setting up the tasks included)"},
          {"simulator.events_per_s", "1/s", "events per wall second"},
      }),
      {"model", "chip", "schedule", "read_mode", "images", "stage", "layer", "macs_per_inference", "mvms_per_inference",
       "service_s", "time_s", "energy_per_inference_j", "cores"},
      "one per layer (per-inference figures), then a column `energy_per_inference_<component>_j` per energy "
      "component of the run",
  };
}

ResultDoc characterize_doc() {
  const auto stats = [](const std::string& prefix, const std::string& what) {
    return std::vector<KeyDoc>{
        {prefix + ".sigma", "fraction", "σ of the error e = (y_chip − x·W) / max|x·W|, " + what},
        {prefix + ".mean", "fraction", "mean of e, " + what},
        {prefix + ".p99_abs", "fraction", "99th percentile of |e|, " + what},
        {prefix + ".rel_l2", "fraction", "‖y_chip − x·W‖₂ / ‖x·W‖₂, " + what},
        {prefix + ".outputs", "count", "outputs measured (matrices × vectors × columns)"},
    };
  };
  std::vector<KeyDoc> keys = {
      {"chip", "text", "the chip's name"},
      {"matrices", "count", "random weight matrices, each on its own crossbar"},
      {"vectors", "count", "random input vectors per matrix"},
      {"t_s", "s", "time since programming of the read"},
      {"seed", "-", "seed"},
      {"read_modes[].read_mode", "text", "the read mode measured"},
      {"read_modes[].out_noise_rel_std", "fraction", "the read mode's output noise (σ relative to full scale)"},
      {"read_modes[].measured_sigma", "fraction", "the published total σ (absent when none)"},
      {"read_modes[].fitted_out_noise_rel_std", "fraction", "with --fit: the output noise that reproduces it"},
  };
  for (const auto& [prefix, what] : {std::pair{"read_modes[].converters_only", "ideal devices (differential cells only)"},
                                     std::pair{"read_modes[].with_devices", "with the device model"},
                                     std::pair{"read_modes[].total", "with the output noise too"}}) {
    for (KeyDoc& k : stats(prefix, what)) keys.push_back(std::move(k));
  }
  return {
      "characterize",
      "A core's MVM error on random matrices and inputs, source by source (`aimc chip characterize --json/--csv`; "
      "docs/characterize.md).",
      with_common(std::move(keys)),
      {"chip", "read_mode", "converters_sigma", "devices_sigma", "total_sigma", "total_p99_abs", "out_noise_rel_std",
       "measured_sigma", "fitted_out_noise_rel_std"},
      "one per read mode (empty cells where a figure does not apply)",
  };
}

void collect(const nlohmann::ordered_json& j, const std::string& prefix, std::set<std::string>& out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      const std::string path = prefix.empty() ? k : prefix + "." + k;
      out.insert(path);
      collect(v, path, out);
    }
  } else if (j.is_array()) {
    for (const auto& v : j) collect(v, prefix + "[]", out);
  }
}

bool covers(const KeyDoc& d, const std::string& path) {
  if (d.path == path) return true;
  if (d.path.size() >= 2 && d.path.ends_with(".*")) {
    const std::string stem = d.path.substr(0, d.path.size() - 1);  // "a.b."
    return path.starts_with(stem) || path == stem.substr(0, stem.size() - 1);
  }
  return false;
}

}  // namespace

nlohmann::ordered_json result_header(const std::string& kind) {
  result_doc(kind);  // a kind the schema lists
  return {{"schema_version", kSchemaVersion}, {"result", kind}, {"aimc_version", kVersion}};
}

const std::vector<ResultDoc>& result_docs() {
  static const std::vector<ResultDoc> docs = {compile_doc(), eval_doc(), perf_doc(), characterize_doc()};
  return docs;
}

const ResultDoc& result_doc(const std::string& kind) {
  for (const ResultDoc& d : result_docs()) {
    if (d.kind == kind) return d;
  }
  throw InternalError("no result schema '" + kind + "'");
}

std::vector<std::string> key_paths(const nlohmann::ordered_json& json) {
  std::set<std::string> out;
  collect(json, "", out);
  return {out.begin(), out.end()};
}

std::vector<std::string> undocumented_keys(const ResultDoc& doc, const nlohmann::ordered_json& json) {
  std::vector<std::string> missing;
  for (const std::string& path : key_paths(json)) {
    bool found = false;
    for (const KeyDoc& d : doc.keys) found = found || covers(d, path);
    // An object's own path is documented through its children ("timing" through "timing.threads").
    for (const KeyDoc& d : doc.keys) found = found || d.path.starts_with(path + ".") || d.path.starts_with(path + "[]");
    if (!found) missing.push_back(path);
  }
  return missing;
}

std::string schema_markdown() {
  std::string o = fmt::format(
      "Every result JSON carries `schema_version` ({}) and `result` (its kind). Key paths join object keys with `.`; "
      "`[]` marks the elements of an array, `.*` a map keyed by names.\n",
      kSchemaVersion);
  for (const ResultDoc& d : result_docs()) {
    o += fmt::format("\n### {}\n\n{}\n\n| key | unit | meaning |\n|---|---|---|\n", d.kind, d.summary);
    for (const KeyDoc& k : d.keys) o += fmt::format("| `{}` | {} | {} |\n", k.path, k.unit, k.meaning);
    o += fmt::format("\nCSV (`--csv`), {}: `{}`\n", d.csv_rows, fmt::join(d.csv_columns, "`, `"));
  }
  return o;
}

}  // namespace aimc::report
