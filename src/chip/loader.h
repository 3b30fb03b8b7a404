// Loading a chip description: YAML → validated ChipSpec. A file may start from another chip with
// `base: NAME` (a preset) or `base: path/to/file.yaml` (relative to the file) and override keys:
// maps merge key by key, lists are replaced, `entry: null` removes a named entry (a read mode, a
// digital unit, a memory). Every error is an aimc::Error reading `FILE:LINE: yaml.path: message`.
#pragma once

#include <string>

#include "chip/chip_spec.h"
#include "chip/presets.h"

namespace aimc::chip {

// `ref` is a preset name (looked up in `presets`) or a file path.
ChipSpec load_chip(const std::string& ref, const PresetLibrary& presets);

// A chip file. Relative `base:` paths are resolved against the file's folder.
ChipSpec load_chip_file(const std::string& path, const PresetLibrary& presets);

// YAML text; `label` stands for the file name in messages and `dir` resolves relative bases.
ChipSpec parse_chip(const std::string& yaml, const std::string& label, const PresetLibrary& presets,
                    const std::string& dir = ".");

}  // namespace aimc::chip
