// The description of a schema, kept beside the parsing rules so one declaration drives parsing,
// validation, `aimc chip schema` and docs/chip-yaml.md (STYLE P3).
#pragma once

#include <string>
#include <vector>

namespace aimc::chip {

enum class Presence { Required, Defaulted, Optional };

struct SchemaDoc;

struct FieldDoc {
  std::string key;
  Presence presence = Presence::Required;
  std::string expected;      // "an integer in 1..65536"
  std::string default_text;  // for Defaulted fields
  std::string help;
  const SchemaDoc* nested = nullptr;  // the map or list element's own fields, if any
  std::string nested_suffix;          // how the nested map hangs below the key: "", ".<name>", "[]"
};

struct SchemaDoc {
  std::string name;  // "adc"
  std::string help;
  std::vector<FieldDoc> fields;
  std::vector<std::string> rules;  // cross-field rules, in words
};

// Markdown: one table per map, nested maps after their parent, each once. `title_path` is the
// YAML path shown in the heading ("cores.adc").
std::string schema_markdown(const SchemaDoc& doc, const std::string& title_path);

}  // namespace aimc::chip
