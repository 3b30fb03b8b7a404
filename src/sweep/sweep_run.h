// Running a sweep: each point compiles its model onto its chip (the base chip with the point's chip
// axes applied), then evaluates and times it as the sweep file says, with the point's own seed, and
// becomes one PointRecord. A point that cannot run (it does not fit, a read mode the chip lacks, ...)
// is recorded with its message; it does not stop the sweep. run_sweep writes each finished point to
// the store at once and skips the points the store already holds.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "chip/chip_spec.h"
#include "chip/presets.h"
#include "data/dataset.h"
#include "sweep/sweep_spec.h"
#include "sweep/sweep_store.h"

namespace aimc::sweep {

// What points share: the base chips and the models' datasets, loaded once.
class PointContext {
 public:
  PointContext(const SweepSpec& spec, chip::PresetLibrary presets, int threads);
  const chip::PresetLibrary& presets() const { return m_presets; }
  int threads() const { return m_threads; }
  const chip::ChipSpec& base_chip(int index);
  const Dataset& dataset(int model);

 private:
  const SweepSpec& m_spec;
  chip::PresetLibrary m_presets;
  int m_threads;
  std::map<int, chip::ChipSpec> m_chips;
  std::map<int, Dataset> m_data;
};

// Never throws aimc::Error for a point's own problem (status "error" with the message); a bug still throws.
PointRecord run_point(const SweepSpec& spec, const SweepPoint& point, PointContext& context);

struct SweepProgress {
  int64_t done = 0, total = 0;  // points finished (earlier runs included) of all
  std::string label;            // the point that just finished
};

struct SweepSummary {
  int64_t points = 0, already_done = 0, ran = 0, failed = 0;
  int64_t by_others = 0;  // finished meanwhile by another process on the same database
  int ranks = 1;          // processes that computed points (MPI: the workers)
};

// The sweep's own inputs, checked before the database is made and any point runs: a missing model or
// dataset is the sweep file's mistake (Error), not a point's.
void check_sweep_inputs(const SweepSpec& spec, PointContext& context);

// The database a sweep writes must not be one of its inputs (the sweep file, a chip file, a model, a
// dataset file): Error naming both, before the database is opened.
void check_database_path(const SweepSpec& spec, const std::string& db);

// Runs every point `store` lacks, in order, writing each as it finishes. Pre: check_sweep_inputs passed (the
// callers check before they make the database).
SweepSummary run_sweep(const SweepSpec& spec, SweepStore& store, PointContext& context,
                       const std::function<void(const SweepProgress&)>& on_point = {});

// "hermes, mnist_lenet.onnx, cores.adc.bits=6, seed=1": a point as a person reads it.
std::string point_label(const SweepSpec& spec, const SweepPoint& point);

}  // namespace aimc::sweep
