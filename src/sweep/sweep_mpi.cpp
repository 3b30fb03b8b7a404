#include "sweep/sweep_mpi.h"

#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "core/error.h"
#include "core/json_text.h"
#include "sweep/sweep_store.h"

namespace aimc::sweep {

namespace {

// Messages: a worker sends kReady (empty) first and then kResult (a record) after each point; rank 0
// answers each with kWork (the point's position in the enumeration, or -1: stop).
constexpr int kReady = 1, kResult = 2, kWork = 3;

std::string to_message(const PointRecord& r) {
  nlohmann::json cols = nlohmann::json::array();
  for (const auto& [name, cell] : r.columns) {
    if (const auto* s = std::get_if<std::string>(&cell)) cols.push_back({name, *s});
    else if (const auto* i = std::get_if<int64_t>(&cell)) cols.push_back({name, *i});
    else cols.push_back({name, std::get<double>(cell)});
  }
  return json_text(nlohmann::json{{"key", r.key},
                                  {"index", r.index},
                                  {"status", r.status},
                                  {"message", r.message},
                                  {"wall_s", r.wall_s},
                                  {"columns", cols},
                                  {"result", r.result_json}});
}

PointRecord from_message(const std::string& text) {
  const nlohmann::json j = nlohmann::json::parse(text);
  PointRecord r;
  r.key = j.at("key").get<std::string>();
  r.index = j.at("index").get<int64_t>();
  r.status = j.at("status").get<std::string>();
  r.message = j.at("message").get<std::string>();
  r.wall_s = j.at("wall_s").get<double>();
  r.result_json = j.at("result").get<std::string>();
  for (const nlohmann::json& c : j.at("columns")) {
    const nlohmann::json& v = c.at(1);
    if (v.is_string()) r.columns.emplace_back(c.at(0).get<std::string>(), v.get<std::string>());
    else if (v.is_number_integer()) r.columns.emplace_back(c.at(0).get<std::string>(), v.get<int64_t>());
    else r.columns.emplace_back(c.at(0).get<std::string>(), v.get<double>());
  }
  return r;
}

std::string receive(int source, int tag, MPI_Status& status) {
  MPI_Probe(source, tag, MPI_COMM_WORLD, &status);
  int bytes = 0;
  MPI_Get_count(&status, MPI_CHAR, &bytes);
  std::string buf(static_cast<size_t>(bytes), '\0');
  MPI_Recv(buf.data(), bytes, MPI_CHAR, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  return buf;
}

void send_work(int rank, int64_t position) { MPI_Send(&position, 1, MPI_INT64_T, rank, kWork, MPI_COMM_WORLD); }

SweepSummary schedule(const SweepSpec& spec, SweepStore& store, int size,
                      const std::function<void(const SweepProgress&)>& on_point) {
  const std::vector<SweepPoint> points = enumerate_points(spec);
  const std::set<std::string> done = store.finished_keys();
  SweepSummary sum;
  sum.points = static_cast<int64_t>(points.size());
  sum.ranks = size - 1;
  std::deque<int64_t> pending;
  for (size_t i = 0; i < points.size(); ++i) {
    if (done.count(points[i].key) > 0) ++sum.already_done;
    else pending.push_back(static_cast<int64_t>(i));
  }
  int64_t finished = sum.already_done;
  int working = size - 1;
  while (working > 0) {
    MPI_Status st;
    const std::string msg = receive(MPI_ANY_SOURCE, MPI_ANY_TAG, st);
    if (st.MPI_TAG == kResult) {
      const PointRecord rec = from_message(msg);
      if (store.write(rec)) {
        ++sum.ran;
        if (rec.status != "ok") ++sum.failed;
      } else {
        ++sum.by_others;  // another process on this database finished it first
      }
      ++finished;  // a record's index is its point's position in `points`
      if (on_point)
        on_point({.done = finished, .total = sum.points, .label = point_label(spec, points[static_cast<size_t>(rec.index)])});
    }
    if (pending.empty()) {
      send_work(st.MPI_SOURCE, -1);
      --working;
    } else {
      send_work(st.MPI_SOURCE, pending.front());
      pending.pop_front();
    }
  }
  return sum;
}

void work(const SweepSpec& spec, PointContext& context) {
  const std::vector<SweepPoint> points = enumerate_points(spec);
  MPI_Send(nullptr, 0, MPI_CHAR, 0, kReady, MPI_COMM_WORLD);
  for (;;) {
    int64_t position = -1;
    MPI_Recv(&position, 1, MPI_INT64_T, 0, kWork, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (position < 0) return;
    std::string msg;
    try {
      msg = to_message(run_point(spec, points[static_cast<size_t>(position)], context));
    } catch (const std::exception& e) {
      // A bug, not the point's problem: the job stops (the database keeps what was finished).
      std::fprintf(stderr, "aimc: internal error on a sweep worker: %s\n", e.what());
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
    MPI_Send(msg.data(), static_cast<int>(msg.size()), MPI_CHAR, 0, kResult, MPI_COMM_WORLD);
  }
}

// MPI_Finalize on every exit from run_sweep_mpi.
struct MpiSession {
  MpiSession() {
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  }
  ~MpiSession() { MPI_Finalize(); }
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
};

}  // namespace

bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"}) {
    if (std::getenv(v) != nullptr) return true;
  }
  return false;
}

SweepSummary run_sweep_mpi(const MpiSweepOptions& o, const chip::PresetLibrary& presets,
                           const std::function<void(const SweepProgress&)>& on_point) {
  const MpiSession session;
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  // Every rank reads the sweep file; rank 0 also checks the inputs and binds the database. Rank 0's
  // verdict is broadcast so that all stop together on a problem (which rank 0 alone reports).
  std::optional<SweepSpec> spec;
  std::optional<SweepStore> store;
  std::optional<PointContext> context;
  std::exception_ptr problem;
  try {
    spec = load_sweep(o.spec_path, presets);
    context.emplace(*spec, presets, o.threads);
    if (rank == 0) {
      check_database_path(*spec, o.db);
      check_sweep_inputs(*spec, *context);
      store.emplace(o.db);
      store->attach(*spec, o.extend);
    }
  } catch (...) {
    problem = std::current_exception();
  }
  int ok = problem ? 0 : 1, all_ok = 0;
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (all_ok == 0) {
    if (rank == 0 && problem) std::rethrow_exception(problem);
    if (rank == 0)
      throw Error("a sweep worker could not read the sweep file (run it alone to see why)", ErrorContext{.file = o.spec_path});
    return {.failed = -1};
  }
  if (size == 1) return run_sweep(*spec, *store, *context, on_point);
  if (rank == 0) {
    try {
      return schedule(*spec, *store, size, on_point);
    } catch (const std::exception& e) {
      // The workers wait for work: stop them all (what was written stays in the database).
      std::fprintf(stderr, "aimc: error: %s\n", e.what());
      MPI_Abort(MPI_COMM_WORLD, 2);
    }
  }
  work(*spec, *context);
  return {.failed = -1};
}

}  // namespace aimc::sweep
