#include "sweep/sweep_front.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "core/error.h"

namespace aimc::sweep {

namespace {

std::optional<double> number(const report::Cell& c) {
  if (const auto* i = std::get_if<int64_t>(&c)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&c)) return *d;
  return std::nullopt;
}

size_t column_index(const report::Table& t, const std::string& name) {
  const auto it = std::find(t.columns.begin(), t.columns.end(), name);
  if (it == t.columns.end()) {
    throw Error(fmt::format("the sweep has no column '{}' (aimc sweep --export csv lists them)", name),
                ErrorContext{.field = "objectives"});
  }
  return static_cast<size_t>(it - t.columns.begin());
}

std::string cell_text(const report::Cell& c) {
  if (const auto* s = std::get_if<std::string>(&c)) return *s;
  if (const auto* i = std::get_if<int64_t>(&c)) return std::to_string(*i);
  return fmt::format("{:.6g}", std::get<double>(c));
}

}  // namespace

std::vector<Objective> parse_objectives(const std::string& text) {
  std::vector<Objective> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find(',', start), text.size());
    const std::string part = text.substr(start, end - start);
    const size_t colon = part.rfind(':');
    const std::string dir = colon == std::string::npos ? "" : part.substr(colon + 1);
    if (part.empty() || (dir != "max" && dir != "min")) {
      throw Error(fmt::format("'{}': expected COLUMN:max or COLUMN:min, comma-separated", part),
                  ErrorContext{.field = "objectives"});
    }
    out.push_back({part.substr(0, colon), dir == "max"});
    start = end + 1;
  }
  return out;
}

std::vector<Objective> default_objectives(const report::Table& table) {
  std::vector<Objective> out;
  // The chip's accuracy (or perplexity, or output error) at the longest drift time: the last mean column written.
  for (auto it = table.columns.rbegin(); it != table.columns.rend(); ++it) {
    if (it->rfind("eval.accuracy_mean@", 0) == 0 || it->rfind("eval.perplexity_mean@", 0) == 0 ||
        it->rfind("eval.output_error_mean@", 0) == 0) {
      out.push_back({*it, it->rfind("eval.accuracy", 0) == 0});
      break;
    }
  }
  for (const Objective& o : {Objective{"perf.energy_per_inference_j", false}, Objective{"perf.inferences_per_s", true}}) {
    if (std::find(table.columns.begin(), table.columns.end(), o.column) != table.columns.end()) out.push_back(o);
  }
  if (out.empty()) {
    throw Error("the sweep measured no accuracy or performance (run: [eval, perf]); name the objectives",
                ErrorContext{.field = "objectives"});
  }
  return out;
}

report::Table pareto_front(const report::Table& table, const std::vector<std::string>& parameters,
                           const std::vector<Objective>& objectives) {
  const size_t status = column_index(table, "status"), index = column_index(table, "point_index");
  std::vector<size_t> obj, par;
  for (const Objective& o : objectives) obj.push_back(column_index(table, o.column));
  for (const std::string& p : parameters) par.push_back(column_index(table, p));
  // Each candidate's objective values, signed so that larger is better.
  std::vector<std::pair<size_t, std::vector<double>>> cand;
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const auto& row = table.rows[r];
    if (cell_text(row[status]) != "ok") continue;
    std::vector<double> v;
    for (size_t k = 0; k < obj.size(); ++k) {
      const std::optional<double> x = number(row[obj[k]]);
      if (!x) break;
      v.push_back(objectives[k].maximise ? *x : -*x);
    }
    if (v.size() == obj.size()) cand.emplace_back(r, std::move(v));
  }
  const auto dominates = [](const std::vector<double>& a, const std::vector<double>& b) {
    bool better = false;
    for (size_t k = 0; k < a.size(); ++k) {
      if (a[k] < b[k]) return false;
      better = better || a[k] > b[k];
    }
    return better;
  };
  report::Table front;
  front.columns.push_back("point_index");
  for (const std::string& p : parameters) front.columns.push_back(p);
  for (const Objective& o : objectives) front.columns.push_back(o.column);
  for (const auto& point : cand) {
    const size_t r = point.first;
    const bool beaten =
        std::any_of(cand.begin(), cand.end(), [&](const auto& other) { return dominates(other.second, point.second); });
    if (beaten) continue;
    std::vector<report::Cell> row{table.rows[r][index]};
    for (size_t p : par) row.push_back(table.rows[r][p]);
    for (size_t k : obj) row.push_back(table.rows[r][k]);
    front.rows.push_back(std::move(row));
  }
  return front;
}

std::string aligned_text(const report::Table& table) {
  std::vector<size_t> width;
  for (const std::string& c : table.columns) width.push_back(c.size());
  for (const auto& row : table.rows) {
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], cell_text(row[c]).size());
  }
  std::string out;
  const auto line = [&](const std::vector<std::string>& cells) {
    for (size_t c = 0; c < cells.size(); ++c)
      out += fmt::format("{:<{}}{}", cells[c], width[c], c + 1 < cells.size() ? "  " : "\n");
  };
  line(table.columns);
  for (const auto& row : table.rows) {
    std::vector<std::string> cells;
    for (const report::Cell& c : row) cells.push_back(cell_text(c));
    line(cells);
  }
  return out;
}

}  // namespace aimc::sweep
