// The chip loader on arbitrary YAML (with `base:` naming the shipped presets): every file either
// validates or is refused with aimc::Error.
#include "chip/loader.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const aimc::chip::PresetLibrary presets({AIMC_SOURCE_DIR "/presets"});
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  aimc::fuzz::expect_clean([&] { aimc::chip::parse_chip(yaml, "fuzz.yaml", presets, AIMC_SOURCE_DIR "/presets"); });
  return 0;
}
