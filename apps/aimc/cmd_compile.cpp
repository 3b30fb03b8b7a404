// aimc compile: map an ONNX model onto a chip and write the Program (JSON), the mapping report, or both.
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "chip/loader.h"
#include "commands.h"
#include "presets.h"
#include "compiler/pass.h"
#include "compiler/pipeline.h"
#include "compiler/program.h"
#include "compiler/report.h"
#include "core/error.h"
#include "core/text_file.h"
#include "onnx/importer.h"

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
  std::string json;
  bool print_ir = false;
  bool list_passes = false;
  uint64_t seed = 0;
};

void run_compile(const CompileArgs& a) {
  if (a.list_passes) {
    for (const compiler::PassInfo& p : compiler::registered_passes()) {
      fmt::print("{:<18} {}\n", p.name, p.summary);
      for (const compiler::PassOption& o : p.options) {
        fmt::print("  {}={} ({}) {}\n", o.name, o.default_value, o.type == "enum" ? fmt::format("{}", fmt::join(o.choices, "|")) : o.type, o.help);
      }
    }
    return;
  }
  if (a.model.empty() || a.chip.empty()) throw Error("compile needs --model and --chip", ErrorContext{.field = "--model"});
  compiler::schedule_kind_from_string(a.schedule);
  compiler::default_pipeline(a.schedule, a.replicate);  // checks --replicate
  const chip::ChipSpec chip = chip::load_chip(a.chip, preset_library());
  Graph graph = import_onnx(a.model);
  graph.name = std::filesystem::path(a.model).stem().string();  // messages name the model file
  compiler::CompileOptions opt;
  opt.pipeline = a.pipeline;
  opt.schedule = a.schedule;
  opt.replicate = a.replicate;
  opt.model_path = a.model;
  opt.print_ir_after_all = a.print_ir;
  opt.seed = a.seed;
  const compiler::Program program = compiler::compile(graph, chip, opt);
  if (!a.output.empty()) compiler::save_program(program, a.output);
  if (!a.json.empty()) write_text_file(a.json, compiler::report_json(program).dump(2) + "\n");
  if (a.report) {
    fmt::print("{}", compiler::report_text(program));
  } else {
    fmt::print("{} on {}: {} crossbars of {} used, {} tiles, {} schedule{}{}\n", graph.name, chip.name, program.crossbars_used(),
               program.crossbars_available, program.tiles.size(), compiler::to_string(program.schedule.kind),
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
  sub->add_option("--pipeline", args->pipeline, "pass pipeline, e.g. 'fold-batchnorm,quantize,...,schedule{kind=layer}' (overrides --schedule/--replicate)");
  sub->add_option("-o,--output", args->output, "write the Program (JSON) to this file");
  sub->add_flag("--report", args->report, "print the mapping report");
  sub->add_option("--json", args->json, "write the mapping report as JSON to this file");
  sub->add_flag("--print-ir-after-all", args->print_ir, "print the IR after every pass (stderr)");
  sub->add_flag("--list-passes", args->list_passes, "list the passes with their options and exit");
  sub->add_option("--seed", args->seed, "seed of the synthetic calibration inputs");
  sub->callback([args] { run_compile(*args); });
}

}  // namespace aimc::cli
