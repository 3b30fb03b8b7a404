// The generated schema reference: every key of a chip file, from the parameter tables. It is the
// `aimc chip schema` output and the generated part of docs/chip-yaml.md (a test keeps them equal).
#pragma once

#include <string>

namespace aimc::chip {

std::string chip_schema_reference();

}  // namespace aimc::chip
