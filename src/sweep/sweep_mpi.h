// A sweep over MPI (`mpirun -np N aimc sweep SPEC.yaml`): rank 0 hands the points out one at a time as
// ranks ask for work and writes each result to the database as it arrives; ranks 1..N-1 compute them
// (run_point, with the point's own seed, so the database is the one a single process writes). Built
// only where Debian's OpenMPI is found (AIMC_HAVE_MPI); the single-process sweep needs none of it.
//
// A rank that dies ends the job (MPI's default); the points it and the others had in flight are not in
// the database, so running the same command again runs exactly those and the points never started.
#pragma once

#include <functional>
#include <string>

#include "sweep/sweep_run.h"
#include "sweep/sweep_spec.h"

namespace aimc::sweep {

// True when this process was started by an MPI launcher (mpirun, srun with PMI).
bool launched_by_mpi();

struct MpiSweepOptions {
  std::string spec_path, db;
  bool extend = false;
  int threads = 1;  // per rank
};

// Initialises MPI, runs the sweep and finalises it. Every rank calls it. Rank 0 returns the summary
// and reports progress; a problem found before any point runs (a bad sweep file, a database of
// another sweep) is thrown on rank 0, and the other ranks return an empty summary with `failed` = -1.
SweepSummary run_sweep_mpi(const MpiSweepOptions& options, const chip::PresetLibrary& presets,
                           const std::function<void(const SweepProgress&)>& on_point = {});

}  // namespace aimc::sweep
