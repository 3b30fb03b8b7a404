// The SQLite store: a point per transaction, resumable (the keys it holds), bound to one sweep
// (another is refused, a changed one extended only when asked), and its table in sweep order.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.h"
#include "sweep/sweep_spec.h"
#include "sweep/sweep_store.h"
#include "test_presets.h"

namespace aimc::sweep {
namespace {

using test::presets;

std::string temp_db(const std::string& name) {
  const std::string path = (std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid()) + ".db")).string();
  std::filesystem::remove(path);
  return path;
}

SweepSpec spec_with(const std::string& bits, const std::string& extra = "") {
  return parse_sweep("chips: [hermes]\nmodels: [m.onnx]\naxes:\n  cores.adc.bits: " + bits + "\n" + extra, "s.yaml", presets());
}

PointRecord record(const SweepPoint& p, double metric) {
  PointRecord r;
  r.key = p.key;
  r.index = p.index;
  r.status = "ok";
  r.columns = {{"cores.adc.bits", int64_t{4}}, {"perf.tops", metric}, {"compile.schedule", std::string("pipelined")}};
  r.result_json = "{}";
  return r;
}

TEST(SweepStore, KeepsEveryWrittenPointAcrossReopening) {
  const std::string db = temp_db("store_keep");
  const SweepSpec s = spec_with("[4, 6, 8]");
  const std::vector<SweepPoint> pts = enumerate_points(s);
  {
    SweepStore store(db);
    store.attach(s, false);
    store.write(record(pts[2], 3.5));
    store.write(record(pts[0], 1.5));
  }
  SweepStore store(db);
  store.attach(s, false);
  EXPECT_EQ(store.finished_count(), 2);
  EXPECT_EQ(store.finished_keys(), (std::set<std::string>{pts[0].key, pts[2].key}));
  const report::Table t = store.table();
  ASSERT_EQ(t.rows.size(), 2U);
  EXPECT_THAT(t.columns, ::testing::Contains("perf.tops"));
  EXPECT_EQ(std::get<int64_t>(t.rows[0][0]), 0);  // sweep order, not write order
  EXPECT_THAT(export_csv(store), ::testing::HasSubstr("point_index,status,message,wall_s,finished_at,cores.adc.bits,perf.tops"));
  // A point is written once: a second write of the same key is refused and leaves the store as it was.
  EXPECT_TRUE(store.has(pts[0].key));
  EXPECT_FALSE(store.has(pts[1].key));
  EXPECT_FALSE(store.write(record(pts[0], 9)));
  EXPECT_EQ(store.finished_count(), 2);
  std::filesystem::remove(db);
}

TEST(SweepStore, AnotherSweepIsRefusedAChangedOneExtendedOnlyWhenAsked) {
  const std::string db = temp_db("store_attach");
  {
    SweepStore store(db);
    store.attach(spec_with("[4, 6]"), false);
  }
  SweepStore store(db);
  EXPECT_NO_THROW(store.attach(spec_with("[4, 6]"), false));
  try {
    store.attach(spec_with("[4, 6, 8]"), false);
    FAIL() << "a changed sweep was accepted";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("pass --extend"));
  }
  EXPECT_NO_THROW(store.attach(spec_with("[4, 6, 8]"), true));
  EXPECT_NO_THROW(store.attach(spec_with("[4, 6, 8]"), false));  // now it is that sweep
  try {
    store.attach(spec_with("[4, 6, 8]", "eval: {repeats: 2}\n"), true);
    FAIL() << "other fixed options were accepted";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("another sweep"));
  }
  std::filesystem::remove(db);
}

TEST(SweepStore, AFileThatIsNotADatabaseIsRefused) {
  const std::string path = temp_db("store_notdb");
  std::ofstream(path) << "chips: [hermes]\nthis is a sweep file, not a database\n";
  EXPECT_THROW(SweepStore{path}, Error);
  std::filesystem::remove(path);
}

// Another program's SQLite database is neither read as a sweep's nor given aimc's tables: --export on one
// added them and printed an empty table (until 2026-12-08). Readers open read-only and change nothing.
TEST(SweepStore, OnlyItsOwnDatabasesAreReadOrWritten) {
  const std::string foreign = temp_db("store_foreign"), empty = temp_db("store_empty"), db = temp_db("store_ours");
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(foreign.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "CREATE TABLE t (a); CREATE TABLE meta (k, v)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  std::ofstream(empty).close();
  const auto error = [](const std::string& path, SweepStore::Access a) {
    try {
      SweepStore store(path, a);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  for (const auto access : {SweepStore::Access::Read, SweepStore::Access::Write}) {
    EXPECT_EQ(error(foreign, access),
              foreign + ": not an aimc sweep database (its tables: meta, t); expected one that aimc sweep wrote" +
                  (access == SweepStore::Access::Write ? ", or a new file (nothing was changed)" : ""));
  }
  sqlite3_open(foreign.c_str(), &other);  // its tables as they were
  int tables = 0;
  sqlite3_exec(
      other, "SELECT name FROM sqlite_master",
      [](void* n, int, char**, char**) {
        ++*static_cast<int*>(n);
        return 0;
      },
      &tables, nullptr);
  sqlite3_close(other);
  EXPECT_EQ(tables, 2);
  EXPECT_EQ(error(empty, SweepStore::Access::Read),
            empty + ": not an aimc sweep database (it has no tables); expected one that aimc sweep wrote");
  EXPECT_EQ(std::filesystem::file_size(empty), 0U);                  // read-only: not even made a database
  EXPECT_EQ(error(empty, SweepStore::Access::Write), "(no error)");  // an empty file is a new database
  EXPECT_EQ(error(empty, SweepStore::Access::Read), "(no error)");
  {
    SweepStore w(db);
    w.attach(spec_with("[4, 6]"), false);
    w.write(record(enumerate_points(spec_with("[4, 6]"))[0], 1.0));
  }
  const SweepStore r(db, SweepStore::Access::Read);
  EXPECT_EQ(r.finished_count(), 1);
  EXPECT_THROW(SweepStore(db, SweepStore::Access::Read).write(record(enumerate_points(spec_with("[4, 6]"))[1], 2.0)), Error);
  std::filesystem::remove(foreign);
  std::filesystem::remove(empty);
  std::filesystem::remove(db);
}

}  // namespace
}  // namespace aimc::sweep
