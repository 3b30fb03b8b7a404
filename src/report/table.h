// A result as one table (the CSV form, and the rows the Python module hands out): named columns,
// one row per drift time, per layer, ... Cells are numbers or text; CSV follows RFC 4180.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace aimc::report {

using Cell = std::variant<std::string, int64_t, double>;

struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;  // each as long as `columns`
};

// Header line, then one line per row; numbers in shortest round-trip form, text quoted when it holds
// a comma, a quote or a line break.
std::string to_csv(const Table& table);

}  // namespace aimc::report
