// The Pareto front of a sweep: the points no other point beats on every objective (accuracy up, energy
// per inference down, throughput up, by default), what `aimc sweep --best` prints and the report marks.
#pragma once

#include <string>
#include <vector>

#include "report/table.h"
#include "sweep/sweep_store.h"

namespace aimc::sweep {

struct Objective {
  std::string column;  // a column of the store's table
  bool maximise = true;
};

// "eval.accuracy_mean@1d:max,perf.energy_per_inference_j:min". Throws Error (field "objectives").
std::vector<Objective> parse_objectives(const std::string& text);

// The default objectives among `table`'s columns: the chip's accuracy at the longest drift time (or
// perplexity, minimised), energy per inference (min) and throughput (max), those the sweep measured.
std::vector<Objective> default_objectives(const report::Table& table);

// The rows of `table` with status ok and a number in every objective that no other such row dominates
// (at least as good on all objectives, better on one), in sweep order; the columns: point_index,
// `parameters`, then the objectives. Throws Error naming an objective the table lacks.
report::Table pareto_front(const report::Table& table, const std::vector<std::string>& parameters,
                           const std::vector<Objective>& objectives);

// A table as aligned text columns (for people).
std::string aligned_text(const report::Table& table);

}  // namespace aimc::sweep
