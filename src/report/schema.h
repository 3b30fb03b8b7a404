// The result schema: every key the JSON writers of src/report emit, with its unit and meaning, in
// one table. `aimc results schema` prints it and docs/results.md holds it (a test keeps the two, and
// the writers' keys, equal). Bump kSchemaVersion when a key is renamed, removed or changes meaning.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace aimc::report {

inline constexpr int kSchemaVersion = 1;

// A key path: object keys joined by '.', "[]" for the elements of an array ("layers[].name"); a
// path ending in ".*" stands for every key below it (maps whose keys are names, e.g. components).
struct KeyDoc {
  std::string path;
  std::string unit;  // s, J, pJ, mm², B, count, fraction (0..1), text, ...
  std::string meaning;
};

struct ResultDoc {
  std::string kind;  // "compile" | "eval" | "perf" | "characterize": the JSON's "result"
  std::string summary;
  std::vector<KeyDoc> keys;
  std::vector<std::string> csv_columns;
  std::string csv_rows;  // what one CSV row is
};

// A result JSON's first keys: {"schema_version": kSchemaVersion, "result": kind}.
nlohmann::ordered_json result_header(const std::string& kind);

const std::vector<ResultDoc>& result_docs();
const ResultDoc& result_doc(const std::string& kind);

// Every key path of `json` (arrays' elements merged), for checking writers against the table.
std::vector<std::string> key_paths(const nlohmann::ordered_json& json);
// The paths of `json` that no KeyDoc of `doc` covers.
std::vector<std::string> undocumented_keys(const ResultDoc& doc, const nlohmann::ordered_json& json);

// The schema as Markdown: per result its keys (path, unit, meaning) and its CSV columns.
std::string schema_markdown();

}  // namespace aimc::report
