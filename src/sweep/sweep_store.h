// A sweep's results in SQLite: one row per finished point, with every parameter and metric as a
// column beside the point's full result JSON, each written in its own transaction — a run killed at
// any moment (kill -9 included) keeps every point it finished and none half-written, and the same
// sweep started again skips them (finished_keys). The database records the sweep it belongs to: a
// changed sweep file is refused, or — asked explicitly — extended with new points when its fixed
// options and axis names are unchanged.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "report/table.h"
#include "sweep/sweep_spec.h"

struct sqlite3;

namespace aimc::sweep {

struct PointRecord {
  std::string key;  // SweepPoint::key
  int64_t index = 0;
  std::string status;   // "ok" | "error" (the point could not run: it does not fit, a bad option value, ...)
  std::string message;  // the error's one line
  double wall_s = 0;
  std::vector<std::pair<std::string, report::Cell>> columns;  // parameters, then metrics
  std::string result_json;                                    // {"point": ..., "compile": ..., "eval": ..., "perf": ...}
};

class SweepStore {
 public:
  enum class Access {
    Write,  // a sweep's: created when absent; an existing file must be an aimc sweep database or empty
    Read,   // --best, --export, reports: an existing aimc sweep database, opened read-only (never changed)
  };
  // Opens `path`. Throws Error naming the file when it is not an aimc sweep database (or, to write, a new
  // or empty file): another program's SQLite database is neither read as one nor given aimc's tables.
  explicit SweepStore(const std::string& path, Access access = Access::Write);
  ~SweepStore();
  SweepStore(const SweepStore&) = delete;
  SweepStore& operator=(const SweepStore&) = delete;

  // Binds the database to `spec`. A new database records it; one holding another sweep is refused
  // unless `extend` and the two differ only in their chips, models, values and sampling (Error
  // naming the file and what to do).
  void attach(const SweepSpec& spec, bool extend);
  std::set<std::string> finished_keys() const;
  int64_t finished_count() const;
  // The columns that say which point a row is: chip, model, data and the sweep's axes.
  std::vector<std::string> parameter_columns() const;
  // Whether the point is in the database (written by this process or another on the same file).
  bool has(const std::string& key) const;
  // One point, in one transaction; columns the table lacks are added first. False, with nothing written, when
  // the point is already there (another process on this database finished it first): a point is written once.
  bool write(const PointRecord& record);
  // Every point (parameters, status, metrics; not the result JSON), in sweep order.
  report::Table table() const;
  // The result JSON of every point, in sweep order.
  std::vector<std::string> results() const;

 private:
  void exec(const std::string& sql) const;
  std::string meta(const std::string& key) const;
  void set_meta(const std::string& key, const std::string& value);
  std::vector<std::string> point_columns() const;
  std::string m_path;
  sqlite3* m_db = nullptr;
};

// `aimc sweep --export csv`: the store's table as CSV.
std::string export_csv(const SweepStore& store);

}  // namespace aimc::sweep
