// Program JSON: every file either loads or is refused with aimc::Error; one that loads and names a
// shipped chip is checked against it and timed by the performance simulator, which must not crash
// on any Program the loader accepts.
#include "chip/loader.h"
#include "fuzz_util.h"
#include "program/program.h"
#include "sim/perf/perf_sim.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const aimc::chip::PresetLibrary presets({AIMC_SOURCE_DIR "/presets"});
  const std::string path = aimc::fuzz::write_input(data, size, "input.program.json");
  aimc::fuzz::expect_clean([&] {
    const aimc::program::Program p = aimc::program::load_program(path);
    bool known = false;
    for (const std::string& n : presets.names()) known = known || n == p.chip_name;
    if (!known) return;
    const aimc::chip::ChipSpec chip = aimc::chip::load_chip(p.chip_name, presets);
    aimc::program::check_chip(p, chip, path);
    aimc::perf::simulate(chip, p, aimc::perf::PerfOptions{.images = 2});
  });
  return 0;
}
