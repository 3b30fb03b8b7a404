#include "experiment/program_source.h"

#include <fmt/format.h>

#include <filesystem>

#include "compiler/pipeline.h"
#include "core/error.h"
#include "data/dataset.h"
#include "onnx/importer.h"
#include "sim/metrics.h"

namespace aimc::experiment {

namespace {
// Given calibration samples: one array per model input, in its order, each in its input's layout (the batch at
// its batch axis, as the chip runs it), of its dtype and other dims, all of the same number of samples.
void check_calibration_batch(const Graph& graph, const std::vector<Tensor>& batches) {
  const ErrorContext where{.field = "calibration_data"};
  if (batches.size() != graph.inputs.size()) {
    throw Error(fmt::format("{} array(s) of samples for a model of {} input(s); expected one per input, in the model's "
                            "input order",
                            batches.size(), graph.inputs.size()),
                where);
  }
  int64_t samples = -1;
  for (size_t i = 0; i < batches.size(); ++i) {
    const Tensor& batch = batches[i];
    const Value& in = graph.value(graph.inputs[i]);
    const auto b = static_cast<size_t>(std::max(in.batch_axis, 0));
    Shape want = in.shape, got = batch.shape();
    if (got.size() == want.size()) want[b] = got[b];
    if (got != want || batch.dtype() != in.dtype) {
      if (got.size() == want.size()) want[b] = -1;
      throw Error(fmt::format("samples {} {} do not match the model input '{}' {} {} (the batch at axis {})",
                              dtype_name(batch.dtype()), shape_str(got), in.name, dtype_name(in.dtype), shape_str(want), b),
                  where);
    }
    if (batch.numel() == 0) throw Error(fmt::format("no samples in {}; expected at least one", shape_str(got)), where);
    if (samples >= 0 && got[b] != samples) {
      throw Error(fmt::format("the array for input '{}' holds {} samples, the first input's {}; expected as many for "
                              "every input",
                              in.name, got[b], samples),
                  where);
    }
    samples = got[b];
    if (in.batch_axis <= 0) check_finite_samples(batch, got[b], where);  // else: token ids, integers
  }
}

// Arrays of samples were given (an empty one too: refused, not taken for "no samples given").
bool calibration_batch_given(const CompileSettings& s) { return !s.calibration_batch.empty(); }

int64_t batch_of(const Graph& graph, const Tensor& batch) {
  const int axis = graph.value(graph.inputs[0]).batch_axis;
  return batch.dim(axis > 0 ? axis : 0);
}
}  // namespace

std::vector<Tensor> calibration_inputs(const Graph& graph, const std::string& spec, int64_t samples) {
  if (samples < 1) {
    throw Error(fmt::format("{}: expected a whole number ≥ 1 (or 0: synthetic inputs, no data read)", samples),
                ErrorContext{.field = "calibration_samples"});
  }
  Dataset data;
  try {
    data = load_dataset(spec, samples);
  } catch (const Error& e) {
    // The spec parser names its usual option; here the spec came from calibration_data.
    if (e.context().field != "data") throw;
    ErrorContext c = e.context();
    c.field = "calibration_data";
    throw Error(e.message(), c);
  }
  if (data.kind == "tokens") {
    const LanguageModelLayout layout = check_language_model_data(graph, data, spec);
    return {language_model_batch(data.inputs, layout.input_batch_axis)};
  }
  check_unlabelled_data(graph, data, spec);  // calibration reads the samples only: labels need not be there
  return {data.inputs};
}

LoadedProgram compile_model(Graph imported, const std::string& model_path, const chip::ChipSpec& chip, const CompileSettings& s) {
  LoadedProgram out;
  out.model_path = model_path;
  out.imported = std::move(imported);
  Graph g = out.imported;
  if (!model_path.empty()) g.name = std::filesystem::path(model_path).stem().string();  // messages name the model file
  compiler::CompileOptions opt;
  opt.pipeline = s.pipeline;
  opt.schedule = s.schedule;
  opt.replicate = s.replicate;
  opt.model_path = model_path;
  opt.seed = s.seed;
  if (calibration_batch_given(s)) {
    if (!s.calibration_data.empty()) {
      throw Error("give calibration samples or a calibration dataset, not both", ErrorContext{.field = "calibration_data"});
    }
    check_calibration_batch(out.imported, s.calibration_batch);
    opt.calibration.inputs = s.calibration_batch;
    opt.calibration.source = fmt::format("{} given samples", batch_of(out.imported, s.calibration_batch.front()));
  } else if (!s.calibration_data.empty() && s.calibration_samples != 0) {  // 0: synthetic inputs; < 0 refused
    opt.calibration.inputs = calibration_inputs(out.imported, s.calibration_data, s.calibration_samples);
    opt.calibration.source =
        fmt::format("{}, first {} samples", s.calibration_data, batch_of(out.imported, opt.calibration.inputs.at(0)));
  }
  opt.allow_quantize = s.allow_quantize;
  opt.print_ir_after_all = s.print_ir_after_all;
  opt.on_pass = s.on_pass;
  out.program = compiler::compile(g, chip, opt);
  out.prepared = compiler::prepare_graph(out.imported, out.program, /*check_weights=*/false);
  return out;
}

program::Program load_checked_program(const std::string& path, const chip::ChipSpec& chip, const CompileSettings& s) {
  if (!s.calibration_data.empty() || calibration_batch_given(s)) {
    throw Error(fmt::format("a compiled Program keeps the calibration it was compiled with ({}); calibrate when "
                            "compiling (`calibration_data`) or use the model (`model`)",
                            path),
                ErrorContext{.field = "calibration_data"});
  }
  program::Program p = program::load_program(path);
  program::check_chip(p, chip, path);
  return p;
}

void require_model(const LoadedProgram& loaded, const std::string& what) {
  if (loaded.has_model) return;
  throw Error(fmt::format("records no model file (it was compiled from ONNX bytes or a torch module), and {} needs the "
                          "network's weights; compile it from a model file to keep it reusable",
                          what),
              ErrorContext{.file = loaded.program_path, .field = "program"});
}

LoadedProgram load_or_compile(const ProgramSource& source, const chip::ChipSpec& chip, const CompileSettings& s) {
  if (source.model.empty() == source.program.empty()) {
    throw Error("give exactly one of a model and a compiled Program (`program`)", ErrorContext{.field = "model"});
  }
  LoadedProgram out;
  if (!source.program.empty()) {
    out.program = load_checked_program(source.program, chip, s);
    out.program_path = source.program;
    out.model_path = out.program.model_path;
    if (out.model_path.empty()) {  // compiled from bytes or a torch module: nothing to read or check
      out.has_model = false;
      return out;
    }
    if (!std::filesystem::exists(out.model_path)) {
      const auto beside = std::filesystem::path(source.program).parent_path() / out.model_path;
      if (std::filesystem::exists(beside)) out.model_path = beside.string();
    }
    program::check_model(out.program, out.model_path);
    out.imported = import_onnx(out.model_path);
    out.prepared = compiler::prepare_graph(out.imported, out.program);
    return out;
  }
  return compile_model(import_onnx(source.model), source.model, chip, s);
}

}  // namespace aimc::experiment
