// aimc chip characterize: a core's MVM error on random matrices and inputs, source by source,
// against the published total (experiment::characterize; docs/characterize.md).
#include <fmt/format.h>

#include "chip/loader.h"
#include "commands.h"
#include "core/text_file.h"
#include "experiment/mvm_error.h"
#include "presets.h"
#include "report/characterize_report.h"

namespace aimc::cli {

namespace {
struct CharacterizeArgs {
  std::string chip;
  std::vector<std::string> read_modes;
  experiment::MvmErrorOptions options;
  bool fit = false;
  ResultFiles out;
  bool force = false;
};

void run_characterize(const CharacterizeArgs& a) {
  check_outputs({{"--json", a.out.json}, {"--csv", a.out.csv}}, {a.chip}, a.force);
  const chip::ChipSpec c = chip::load_chip(a.chip, preset_library());
  const experiment::Characterization r = experiment::characterize(c, a.read_modes, a.options, a.fit);
  fmt::print("{}", report::characterize_text(r));
  write_results(a.out, report::characterize_json(r), report::characterize_table(r));
}
}  // namespace

void add_chip_characterize(CLI::App* chip) {
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
  add_result_flags(k, ch->out, "the figures");
  add_force_flag(k, ch->force);
  k->callback([ch] { run_characterize(*ch); });
}

}  // namespace aimc::cli
