// aimc chip: list the preset chips, show one with its computed peak figures, validate chip files,
// print the chip YAML schema (characterize: cmd_characterize.cpp).
#include <fmt/format.h>

#include <cstdlib>

#include "chip/loader.h"
#include "chip/reference_doc.h"
#include "chip/resolved.h"
#include "chip/summary.h"
#include "commands.h"
#include "core/error.h"
#include "core/json_text.h"
#include "core/text_file.h"
#include "presets.h"

namespace aimc::cli {

namespace {
void run_list() {
  const chip::PresetLibrary library = preset_library();
  const std::vector<chip::PresetEntry> entries = library.list();
  if (entries.empty()) {
    std::string dirs;
    for (const auto& d : library.dirs()) dirs += (dirs.empty() ? "" : ", ") + d.string();
    throw Error("no chip presets found in " + dirs + "; set AIMC_PRESETS to a folder of .yaml files");
  }
  fmt::print("{:<16} {:>6} {:>12}  {:<14} {}\n", "name", "cores", "crossbar", "device", "description");
  for (const chip::PresetEntry& e : entries) {
    const chip::ChipSpec c = chip::load_chip_file(e.path.string(), library);
    fmt::print("{:<16} {:>6} {:>12}  {:<14} {}\n", e.name, c.cores.count, fmt::format("{}x{}", c.cores.rows, c.cores.cols),
               c.cores.device.technology, c.description);
  }
}

struct ShowArgs {
  std::string chip;
  std::string json;
  std::string yaml;
  bool force = false;
};

void run_show(const ShowArgs& a) {
  check_outputs({{"--json", a.json}, {"--yaml", a.yaml}}, {a.chip}, a.force);
  const chip::ChipSpec c = chip::load_chip(a.chip, preset_library());
  // With `--json -` or `--yaml -`, stdout carries only that document.
  if (a.json != "-" && a.yaml != "-") fmt::print("{}", chip::chip_summary_text(c));
  if (!a.json.empty()) write_text_file(a.json, json_text(chip::chip_summary_json(c), 2) + "\n");
  if (!a.yaml.empty()) write_text_file(a.yaml, chip::resolved_yaml(c));
}

void run_validate(const std::vector<std::string>& files) {
  const chip::PresetLibrary library = preset_library();
  for (const std::string& f : files) {
    const chip::ChipSpec c = chip::load_chip(f, library);
    fmt::print("{}: ok ({}, {} core{} of {}x{} {})\n", f, c.name, c.cores.count, c.cores.count == 1 ? "" : "s", c.cores.rows,
               c.cores.cols, c.cores.device.technology);
  }
}
}  // namespace

void add_chip(CLI::App& app) {
  CLI::App* chip = app.add_subcommand("chip", "Chip descriptions: list presets, show one with its peak figures, validate");
  chip->require_subcommand(1);

  chip->add_subcommand("list", "List the preset chips")->callback(run_list);

  auto show = std::make_shared<ShowArgs>();
  CLI::App* s = chip->add_subcommand("show", "Summary and computed peak figures of a preset or a chip file");
  s->add_option("chip", show->chip, "preset name or chip .yaml file")->required();
  s->add_option("--json", show->json, "also write the summary, peak figures and resolved spec as JSON (- for stdout)");
  s->add_option("--yaml", show->yaml, "also write the resolved chip (bases merged, defaults filled) as YAML (- for stdout)");
  add_force_flag(s, show->force);
  s->callback([show] { run_show(*show); });

  auto files = std::make_shared<std::vector<std::string>>();
  CLI::App* v = chip->add_subcommand("validate", "Check chip files; the first error is reported and exits with 2");
  v->add_option("files", *files, "chip .yaml files (or preset names)")->required();
  v->callback([files] { run_validate(*files); });

  add_chip_characterize(chip);

  chip->add_subcommand("schema", "Print the reference of every chip YAML key (Markdown)")->callback([] {
    fmt::print("{}\n", chip::chip_schema_reference());
  });
}

}  // namespace aimc::cli
