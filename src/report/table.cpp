#include "report/table.h"

#include <fmt/format.h>

#include "core/error.h"

namespace aimc::report {

namespace {
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string csv_cell(const Cell& c) {
  if (const auto* s = std::get_if<std::string>(&c)) return csv_field(*s);
  if (const auto* i = std::get_if<int64_t>(&c)) return fmt::format("{}", *i);
  return fmt::format("{}", std::get<double>(c));
}

void append_line(std::string& out, const std::vector<std::string>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + fields[i];
  out += "\n";
}
}  // namespace

std::string to_csv(const Table& table) {
  std::string out;
  std::vector<std::string> header;
  for (const std::string& c : table.columns) header.push_back(csv_field(c));
  append_line(out, header);
  for (const auto& row : table.rows) {
    if (row.size() != table.columns.size()) {
      throw InternalError(fmt::format("table row has {} cells for {} columns", row.size(), table.columns.size()));
    }
    std::vector<std::string> fields;
    for (const Cell& c : row) fields.push_back(csv_cell(c));
    append_line(out, fields);
  }
  return out;
}

}  // namespace aimc::report
