// aimc chip: list the preset chips, show one with its computed peak figures, validate chip files,
// print the chip YAML schema.
#include <fmt/format.h>

#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "chip/loader.h"
#include "chip/reference_doc.h"
#include "chip/resolved.h"
#include "chip/summary.h"
#include "commands.h"
#include "core/error.h"
#include "core/text_file.h"
#include "experiment/mvm_error.h"
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
  if (!a.json.empty()) write_text_file(a.json, chip::chip_summary_json(c).dump(2) + "\n");
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
struct CharacterizeArgs {
  std::string chip;
  std::vector<std::string> read_modes;
  experiment::MvmErrorOptions options;
  bool fit = false;
  std::string json;
  bool force = false;
};

std::string pct(double v) { return fmt::format("{:.3f}%", 100 * v); }

// The MVM-error measurement per read mode, each source added in turn, against the published total.
void run_characterize(const CharacterizeArgs& a) {
  check_outputs({{"--json", a.json}}, {a.chip}, a.force);
  const chip::ChipSpec c = chip::load_chip(a.chip, preset_library());
  std::vector<std::string> modes = a.read_modes;
  if (modes.empty()) {
    for (const chip::ReadModeSpec& m : c.cores.read_modes) modes.push_back(m.name);
  }
  for (const std::string& m : modes) experiment::with_output_noise(c, m, 0.0);  // unknown mode: error before output
  fmt::print(
      "MVM error of {} ({} random {}x{} matrices x {} random input vectors, read {} s after programming;\n"
      "error relative to the largest exact output; docs/characterize.md)\n",
      c.name, a.options.matrices, c.cores.rows, c.cores.cols, a.options.vectors, a.options.t_s);
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const std::string& mode : modes) {
    experiment::MvmErrorOptions o = a.options;
    o.read_mode = mode;
    const experiment::MvmErrorBreakdown b = experiment::characterize_mvm_error(c, o);
    fmt::print("\nread mode {}\n  {:<36} {:>9} {:>9} {:>9} {:>9}\n", b.read_mode, "sources", "sigma", "mean", "p99 |e|",
               "rel L2");
    auto row = [&](const std::string& label, const experiment::MvmErrorStats& s) {
      fmt::print("  {:<36} {:>9} {:>9} {:>9} {:>9}\n", label, pct(s.sigma), pct(s.mean), pct(s.p99_abs), pct(s.rel_l2));
      return nlohmann::ordered_json{
          {"sigma", s.sigma}, {"mean", s.mean}, {"p99_abs", s.p99_abs}, {"rel_l2", s.rel_l2}, {"outputs", s.outputs}};
    };
    nlohmann::ordered_json j{{"read_mode", b.read_mode}};
    if (b.has_devices) j["converters_only"] = row("converters (ideal devices)", b.converters);
    j["with_devices"] = row("+ devices (programming, drift, read)", b.devices);
    j["total"] = row(fmt::format("+ output noise {} of FS (total)", pct(b.out_noise_rel_std)), b.total);
    j["out_noise_rel_std"] = b.out_noise_rel_std;
    if (b.measured >= 0) {
      const double gap = b.total.sigma / b.measured - 1;
      fmt::print("  published total sigma {}: simulated {} ({:+.1f}%)\n", pct(b.measured), pct(b.total.sigma), 100 * gap);
      j["measured_sigma"] = b.measured;
    }
    if (a.fit) {
      if (b.measured < 0) {
        if (!a.read_modes.empty()) {
          throw Error(fmt::format("read mode '{}' has no measured_mvm_error_rel_std to fit the output noise to", b.read_mode),
                      ErrorContext{.field = "cores.read_modes." + b.read_mode + ".measured_mvm_error_rel_std"});
        }
        fmt::print("  no published total (measured_mvm_error_rel_std): nothing to fit\n");
        out.push_back(j);
        continue;
      }
      const double fitted = experiment::fit_output_noise(c, o, b.measured);
      fmt::print("  fitted out_noise_rel_std = {:.5f} (the output noise that makes the simulated total {})\n", fitted,
                 pct(b.measured));
      j["fitted_out_noise_rel_std"] = fitted;
    }
    out.push_back(j);
  }
  if (!a.json.empty()) write_text_file(a.json, out.dump(2) + "\n");
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

  auto ch = std::make_shared<CharacterizeArgs>();
  CLI::App* k = chip->add_subcommand(
      "characterize", "Measure a core's MVM error on random matrices and inputs, source by source, against the published figure");
  k->add_option("chip", ch->chip, "preset name or chip .yaml file")->required();
  k->add_option("--read-mode", ch->read_modes, "read mode(s) to measure (default: all)");
  k->add_option("--matrices", ch->options.matrices, "random weight matrices, each on its own crossbar (default 4)")
      ->check(CLI::Range(int64_t{1}, int64_t{1024}));
  k->add_option("--vectors", ch->options.vectors, "random input vectors per matrix (default 512)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  k->add_option("--time", ch->options.t_s, "seconds after programming of the read (default 0)")->check(CLI::Range(0.0, 1e10));
  k->add_option("--seed", ch->options.seed, "seed");
  k->add_flag("--fit", ch->fit, "fit each read mode's out_noise_rel_std to its measured_mvm_error_rel_std");
  k->add_option("--json", ch->json, "also write the figures as JSON to this file");
  add_force_flag(k, ch->force);
  k->callback([ch] { run_characterize(*ch); });

  chip->add_subcommand("schema", "Print the reference of every chip YAML key (Markdown)")->callback([] {
    fmt::print("{}\n", chip::chip_schema_reference());
  });
}

}  // namespace aimc::cli
