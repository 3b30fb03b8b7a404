// The MVM-error characterisation (experiment::Characterization) as JSON, as a table (CSV) and as
// text for people.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "experiment/mvm_error.h"
#include "report/table.h"

namespace aimc::report {

nlohmann::ordered_json characterize_json(const experiment::Characterization& c);
// One row per read mode.
Table characterize_table(const experiment::Characterization& c);
std::string characterize_text(const experiment::Characterization& c);

}  // namespace aimc::report
