// The eval result (experiment::EvalResult) as JSON, as a table (CSV) and as text for people.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "experiment/evaluate.h"
#include "report/table.h"

namespace aimc::report {

nlohmann::ordered_json eval_json(const experiment::EvalResult& r);
// One row per drift time.
Table eval_table(const experiment::EvalResult& r);
std::string eval_text(const experiment::EvalResult& r);

}  // namespace aimc::report
