// The sweep-file reader on arbitrary YAML: every file is a sweep or is refused with aimc::Error. Chip axes
// reach the chip loader (each value applied to each base chip); a sweep's points are enumerated and each
// point's option values applied as a run would, for sweeps small enough to enumerate in a fuzzer's run.
#include "fuzz_util.h"
#include "sweep/sweep_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const aimc::chip::PresetLibrary presets({AIMC_SOURCE_DIR "/presets"});
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  aimc::fuzz::expect_clean([&] {
    const aimc::sweep::SweepSpec spec = aimc::sweep::parse_sweep(yaml, "fuzz.yaml", presets);
    const int64_t points = spec.random ? spec.samples : aimc::sweep::grid_size(spec).value_or(0);
    if (points > 4096) return;
    for (const aimc::sweep::SweepPoint& p : aimc::sweep::enumerate_points(spec)) {
      aimc::sweep::FixedOptions f = spec.fixed;
      for (size_t a = 0; a < spec.axes.size(); ++a) {
        const aimc::sweep::Axis& axis = spec.axes[a];
        if (axis.target != aimc::sweep::AxisTarget::Chip) {
          aimc::sweep::apply_axis(f, axis, axis.values[static_cast<size_t>(p.values[a])]);
        }
      }
    }
  });
  return 0;
}
