// The Program file's schema, written once: every key with its type and meaning. The reader refuses a
// key it lacks (a typo in a hand-edited Program is an error naming it, not silently ignored), `aimc
// results program-schema` prints it, docs/program.md holds it, and a test checks that every key the
// writer emits is listed.
#pragma once

#include <string>
#include <vector>

namespace aimc::program {

struct ProgramKeyDoc {
  std::string path;  // keys joined by '.', "[]" for list elements; ".*" below it is opaque (not checked)
  std::string type;
  std::string meaning;
};

const std::vector<ProgramKeyDoc>& program_keys();

// The keys an object at `path` may hold ("" the file itself; list indices as "[]"): the last segment
// of each listed path directly below it. Empty when nothing is listed below `path`.
const std::vector<std::string>& allowed_keys(const std::string& path);

// The schema as Markdown (a table of path, type, meaning).
std::string program_schema_markdown();

}  // namespace aimc::program
