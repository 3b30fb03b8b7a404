// aimc sweep: a design-space sweep (src/sweep, docs/sweep.md) — every point of a sweep file compiled,
// evaluated and timed, each finished point written to an SQLite database at once; the same command
// again resumes where a killed run stopped. Under mpirun, rank 0 hands the points out and writes, the
// other ranks compute (src/sweep/sweep_mpi.h). --export csv prints a database's points.
#include <fmt/format.h>

#include <filesystem>

#include "commands.h"
#include "core/input_file.h"
#include "core/text_file.h"
#include "core/threads.h"
#include "presets.h"
#include "progress.h"
#ifdef AIMC_HAVE_MPI
#include "sweep/sweep_mpi.h"
#endif
#include "sweep/sweep_front.h"
#include "sweep/sweep_run.h"
#include "sweep/sweep_spec.h"
#include "sweep/sweep_store.h"

namespace aimc::cli {

namespace {

struct SweepArgs {
  std::string spec;
  std::string db;
  std::string export_format;
  bool best = false;
  std::string objectives;
  bool extend = false;
  bool dry_run = false;
  int threads = 1;
  bool quiet = false;
};

// The default database: the sweep file's name with .db (sweeps/adc.yaml -> sweeps/adc.db).
std::string default_db(const std::string& spec) { return std::filesystem::path(spec).replace_extension(".db").string(); }

// The database an inspecting option (--best, --export) reads: --db, or the one the sweep file names.
std::string existing_db(const SweepArgs& a, const char* option) {
  const std::string db = !a.db.empty() ? a.db : a.spec.empty() ? "" : default_db(a.spec);
  if (db.empty()) {
    throw Error(fmt::format("{} needs --db FILE (or the sweep file, whose database it names)", option),
                ErrorContext{.field = "--db"});
  }
  require_regular_file(db, "a sweep database (.db)");
  return db;
}

void run(const SweepArgs& a) {
  if (a.best) {
    const std::string db = existing_db(a, "--best");
    const sweep::SweepStore store(db, sweep::SweepStore::Access::Read);
    const report::Table table = store.table();
    const std::vector<sweep::Objective> obj =
        a.objectives.empty() ? sweep::default_objectives(table) : sweep::parse_objectives(a.objectives);
    const report::Table front = sweep::pareto_front(table, store.parameter_columns(), obj);
    std::string goals;
    for (const sweep::Objective& o : obj)
      goals += fmt::format("{}{} ({})", goals.empty() ? "" : ", ", o.column, o.maximise ? "max" : "min");
    fmt::print("Pareto front of {}: {} of {} points; objectives {}\n{}", db, front.rows.size(), table.rows.size(), goals,
               sweep::aligned_text(front));
    return;
  }
  if (!a.export_format.empty()) {
    if (a.export_format != "csv") throw Error("expected csv", ErrorContext{.field = "--export"});
    const sweep::SweepStore store(existing_db(a, "--export"), sweep::SweepStore::Access::Read);
    fmt::print("{}", sweep::export_csv(store));
    return;
  }
  if (a.spec.empty()) {
    throw Error("give the sweep file (aimc sweep SPEC.yaml), or --export csv --db FILE", ErrorContext{.field = "SPEC"});
  }
  const std::string db = a.db.empty() ? default_db(a.spec) : a.db;
  Progress progress("sweep", !a.quiet);
  const auto on_point = [&](const sweep::SweepProgress& p) {
    progress.update(p.done, p.total, fmt::format("{}/{} {}", p.done, p.total, p.label));
  };
  sweep::SweepSummary s;
#ifdef AIMC_HAVE_MPI
  if (sweep::launched_by_mpi() && !a.dry_run) {
    s = sweep::run_sweep_mpi({.spec_path = a.spec, .db = db, .extend = a.extend, .threads = a.threads}, preset_library(),
                             on_point);
    if (s.failed < 0) return;  // a worker rank: rank 0 reports
  } else                       // NOLINT(readability-misleading-indentation): the block below is the single-process sweep
#endif
  {
    const sweep::SweepSpec spec = sweep::load_sweep(a.spec, preset_library());
    if (a.dry_run) {
      for (const sweep::SweepPoint& p : sweep::enumerate_points(spec)) fmt::print("{}\n", sweep::point_label(spec, p));
      return;
    }
    sweep::check_database_path(spec, db);
    sweep::PointContext context(spec, preset_library(), a.threads);
    sweep::check_sweep_inputs(spec, context);  // before the database is made: a sweep that cannot start leaves none
    sweep::SweepStore store(db);
    store.attach(spec, a.extend);
    s = sweep::run_sweep(spec, store, context, on_point);
  }
  progress.finish();
  fmt::print("{}: {} points: {} already in {}, {} run{}{} ({} could not run: see the status and message columns)\n", a.spec,
             s.points, s.already_done, db, s.ran, s.ranks > 1 ? fmt::format(" on {} worker ranks", s.ranks) : "",
             s.by_others > 0 ? fmt::format(", {} by another process on the database meanwhile", s.by_others) : "", s.failed);
}

}  // namespace

void add_sweep(CLI::App& app) {
  auto args = std::make_shared<SweepArgs>();
  CLI::App* sub = app.add_subcommand(
      "sweep", "Run a design-space sweep file (chips x models x axes) into an SQLite database; rerun to resume");
  sub->add_option("SPEC", args->spec, "the sweep file (docs/sweep.md)");
  sub->add_option("--db", args->db, "SQLite database of results (default: the sweep file's name with .db)");
  sub->add_flag("--extend", args->extend,
                "add the points of a changed sweep file (new chips, models or values) to its existing database");
  sub->add_option("--export", args->export_format, "print the database's points instead of running: csv");
  sub->add_flag("--best", args->best, "print the Pareto front of the database's points instead of running");
  sub->add_option("--objectives", args->objectives,
                  "with --best: COLUMN:max|min,... (default: accuracy at the longest drift time, energy per inference, "
                  "inferences/s)");
  sub->add_flag("--dry-run", args->dry_run, "list the points without running them");
  sub->add_option("--threads", args->threads, "threads for each point's evaluation (per rank under mpirun)")
      ->check(CLI::Range(1, kMaxThreads));
  add_quiet_flag(sub, args->quiet);
  sub->callback([args] { run(*args); });
}

}  // namespace aimc::cli
