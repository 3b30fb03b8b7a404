// aimc compile: map an ONNX model onto a chip and write the Program (JSON), the mapping report, or both.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdlib>
#include <iostream>

#include "chip/loader.h"
#include "commands.h"
#include "compiler/pass.h"
#include "compiler/pipeline.h"
#include "core/error.h"
#include "core/text_file.h"
#include "experiment/program_source.h"
#include "presets.h"
#include "program/program.h"
#include "progress.h"
#include "report/compile_report.h"

namespace aimc::cli {

namespace {
struct CompileArgs {
  std::string model;
  std::string chip;
  std::string schedule = "pipelined";
  std::string replicate = "auto";
  std::string pipeline;
  std::string output;
  bool report = false;
  ResultFiles out;
  bool print_ir = false;
  bool list_passes = false;
  uint64_t seed = 0;
  std::string calibration_data;
  int64_t calibration_samples = kDefaultCalibrationSamples;
  bool allow_quantize = false;
  bool force = false;
  bool quiet = false;
};

void run_compile(const CompileArgs& a) {
  if (a.list_passes) {
    for (const compiler::PassInfo& p : compiler::registered_passes()) {
      fmt::print("{:<18} {}\n", p.name, p.summary);
      for (const compiler::PassOption& o : p.options) {
        const std::string range = o.range();
        fmt::print("  {}={} ({}) {}\n", o.name, o.default_value,
                   o.type == "enum" ? fmt::format("{}", fmt::join(o.choices, "|")) : o.type + (range.empty() ? "" : ", " + range),
                   o.help);
      }
    }
    return;
  }
  if (a.model.empty() || a.chip.empty()) throw Error("compile needs --model and --chip", ErrorContext{.field = "--model"});
  program::schedule_kind_from_string(a.schedule);
  compiler::default_pipeline(a.schedule, a.replicate);  // checks --replicate
  std::vector<std::string> inputs = dataset_paths(a.calibration_data);
  inputs.insert(inputs.end(), {a.model, a.chip});
  check_outputs({{"-o", a.output}, {"--json", a.out.json}, {"--csv", a.out.csv}}, inputs, a.force);
  const chip::ChipSpec chip = chip::load_chip(a.chip, preset_library());
  experiment::CompileSettings cs;
  cs.pipeline = a.pipeline;
  cs.schedule = a.schedule;
  cs.replicate = a.replicate;
  cs.print_ir_after_all = a.print_ir;
  cs.seed = a.seed;
  cs.allow_quantize = a.allow_quantize;
  cs.calibration_data = a.calibration_data;
  cs.calibration_samples = a.calibration_samples;
  Progress compiling("compile", !a.quiet && !a.print_ir);
  cs.on_pass = compile_progress(compiling);
  const program::Program program = experiment::load_or_compile({.model = a.model}, chip, cs).program;
  compiling.finish();
  const std::string graph_name = program.graph_name;
  print_warnings(program.warnings);
  if (!a.output.empty()) program::save_program(program, a.output);
  write_results(a.out, report::compile_json(program), report::compile_table(program));
  if (a.report) {
    fmt::print("{}", cli_spelling(report::compile_text(program)));
  } else {
    fmt::print("{} on {}: {} crossbars of {} used, {} tiles, {} schedule{}{}\n", graph_name, chip.name, program.crossbars_used(),
               program.crossbars_available, program.tiles.size(), program::to_string(program.schedule.kind),
               program.schedule.reloads() ? fmt::format(", {} reload segments", program.schedule.segments.size()) : "",
               a.output.empty() ? "" : ", program written to " + a.output);
  }
}
}  // namespace

void add_compile(CLI::App& app) {
  auto args = std::make_shared<CompileArgs>();
  CLI::App* sub = app.add_subcommand("compile", "Map a network onto a chip: tiles, placement, digital ops, transfers, schedule");
  sub->add_option("--model", args->model, "ONNX model");
  sub->add_option("--chip", args->chip, "preset name or chip .yaml file");
  sub->add_option("--schedule", args->schedule, "layer | pipelined | data-parallel (default pipelined)");
  sub->add_option("--replicate", args->replicate, "auto | none: replicate bottleneck layers into free crossbars (default auto)");
  sub->add_option("--pipeline", args->pipeline,
                  "pass pipeline, e.g. 'fold-batchnorm,quantize,...,schedule{kind=layer}' (overrides --schedule/--replicate)");
  sub->add_option("-o,--output", args->output, "write the Program (JSON) to this file");
  sub->add_flag("--report", args->report, "print the mapping report");
  add_result_flags(sub, args->out, "the mapping report");
  sub->add_flag("--print-ir-after-all", args->print_ir, "print the IR after every pass (stderr)");
  sub->add_flag("--list-passes", args->list_passes, "list the passes with their options and exit");
  sub->add_option("--seed", args->seed, "seed of the synthetic calibration inputs");
  sub->add_option("--calibration-data", args->calibration_data,
                  "calibrate input ranges on real samples: mnist:DIR | cifar10:DIR | npy:X.npy | tokens:TEXT "
                  "(default: synthetic inputs uniform in [0, 1))");
  sub->add_option("--calibration-samples", args->calibration_samples,
                  fmt::format("with --calibration-data: the first N samples (default {})", kDefaultCalibrationSamples))
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  sub->add_flag("--allow-quantize", args->allow_quantize,
                "accept fp32 weights rounded to a low-precision chip (recorded; compile only warns)");
  add_force_flag(sub, args->force);
  add_quiet_flag(sub, args->quiet);
  sub->callback([args] { run_compile(*args); });
}

}  // namespace aimc::cli
