#include "chip/schema/schema_doc.h"

#include <fmt/format.h>

#include <set>

namespace aimc::chip {

namespace {
const char* presence_text(Presence p) {
  switch (p) {
    case Presence::Required:
      return "required";
    case Presence::Defaulted:
      return "default";
    case Presence::Optional:
      return "optional";
  }
  return "";
}

std::string cell(std::string s) {
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

void render(const SchemaDoc& doc, const std::string& path, std::set<const SchemaDoc*>& seen, std::string& out) {
  if (!seen.insert(&doc).second) return;
  out += fmt::format("### {}\n\n{}\n\n", path.empty() ? std::string("Top level") : "`" + path + "`", doc.help);
  out += "| key | presence | value | meaning |\n|---|---|---|---|\n";
  for (const FieldDoc& f : doc.fields) {
    std::string presence = presence_text(f.presence);
    if (f.presence == Presence::Defaulted) presence += " `" + f.default_text + "`";
    out += fmt::format("| `{}` | {} | {} | {} |\n", f.key, presence, cell(f.expected), cell(f.help));
  }
  if (!doc.rules.empty()) {
    out += "\nRules:\n\n";
    for (const std::string& r : doc.rules) out += "- " + r + "\n";
  }
  out += "\n";
  for (const FieldDoc& f : doc.fields) {
    if (f.nested) {
      render(*f.nested, (path.empty() ? f.key : path + "." + f.key) + f.nested_suffix, seen, out);
    }
  }
}
}  // namespace

std::string schema_markdown(const SchemaDoc& doc, const std::string& title_path) {
  std::string out;
  std::set<const SchemaDoc*> seen;
  render(doc, title_path, seen, out);
  return out;
}

}  // namespace aimc::chip
