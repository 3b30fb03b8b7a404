#include "sweep/sweep_store.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

#include "aimc/version.h"
#include "core/error.h"
#include "core/json_text.h"

namespace aimc::sweep {

namespace {

constexpr const char* kSchema = "aimc-sweep-1";

std::string quoted(const std::string& name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string now_utc() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// A prepared statement, finalised on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql, const std::string& file) : m_file(file) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &m_stmt, nullptr) != SQLITE_OK) {
      throw Error(fmt::format("sweep database: {} ({})", sqlite3_errmsg(db), sql.substr(0, 60)), ErrorContext{.file = file});
    }
  }
  ~Statement() { sqlite3_finalize(m_stmt); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  sqlite3_stmt* get() const { return m_stmt; }
  void bind(int i, const report::Cell& c) {
    if (const auto* s = std::get_if<std::string>(&c)) sqlite3_bind_text(m_stmt, i, s->c_str(), -1, SQLITE_TRANSIENT);
    else if (const auto* n = std::get_if<int64_t>(&c)) sqlite3_bind_int64(m_stmt, i, *n);
    else sqlite3_bind_double(m_stmt, i, std::get<double>(c));
  }
  bool step() {
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw Error(fmt::format("sweep database: {}", sqlite3_errmsg(sqlite3_db_handle(m_stmt))), ErrorContext{.file = m_file});
  }
  std::string text(int col) const {
    const unsigned char* t = sqlite3_column_text(m_stmt, col);
    return t == nullptr ? "" : reinterpret_cast<const char*>(t);
  }
  report::Cell cell(int col) const {
    switch (sqlite3_column_type(m_stmt, col)) {
      case SQLITE_INTEGER:
        return static_cast<int64_t>(sqlite3_column_int64(m_stmt, col));
      case SQLITE_FLOAT:
        return sqlite3_column_double(m_stmt, col);
      default:
        return text(col);
    }
  }

 private:
  sqlite3_stmt* m_stmt = nullptr;
  std::string m_file;
};

}  // namespace

SweepStore::SweepStore(const std::string& path, Access access) : m_path(path) {
  const int flags = access == Access::Read ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  if (sqlite3_open_v2(path.c_str(), &m_db, flags, nullptr) != SQLITE_OK) {
    const std::string why = m_db != nullptr ? sqlite3_errmsg(m_db) : "out of memory";
    sqlite3_close(m_db);
    throw Error(fmt::format("cannot open the sweep database: {}", why), ErrorContext{.file = path});
  }
  sqlite3_busy_timeout(m_db, 10000);
  try {
    // A file that is not a database fails on its first read. Another program's tables (no aimc schema in a
    // meta table) are neither read as a sweep's nor joined by aimc's.
    std::vector<std::string> tables;
    for (Statement st(m_db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", m_path); st.step();) {
      tables.push_back(st.text(0));
    }
    const bool has_meta = std::find(tables.begin(), tables.end(), "meta") != tables.end();
    std::string schema;
    if (has_meta) {
      try {
        schema = meta("schema");
      } catch (const Error&) {  // a table named meta of another layout
      }
    }
    if (schema.empty() && (access == Access::Read || !tables.empty())) {
      std::string names;
      for (size_t i = 0; i < tables.size() && i < 5; ++i) names += fmt::format("{}{}", i > 0 ? ", " : "", tables[i]);
      throw Error(fmt::format("not an aimc sweep database ({}); expected {}",
                              tables.empty() ? "it has no tables" : "its tables: " + names + (tables.size() > 5 ? ", ..." : ""),
                              access == Access::Read ? "one that aimc sweep wrote"
                                                     : "one that aimc sweep wrote, or a new file (nothing was changed)"),
                  ErrorContext{.file = path});
    }
    if (!schema.empty() && schema != kSchema) {
      throw Error(fmt::format("not an aimc sweep database ({}); expected {}", schema, kSchema), ErrorContext{.file = path});
    }
    if (access == Access::Read || !schema.empty()) return;
    // A new database: its tables and schema in one transaction (a kill between them left tables with no schema);
    // another aimc sweep starting on it at the same moment may have made them since the check above.
    exec("BEGIN IMMEDIATE");
    exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    exec(
        "CREATE TABLE IF NOT EXISTS points (point_key TEXT PRIMARY KEY, point_index INTEGER NOT NULL, status TEXT NOT NULL, "
        "message TEXT, wall_s REAL, finished_at TEXT, result_json TEXT)");
    exec(fmt::format("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', '{}')", kSchema));
    exec("COMMIT");
    if (const std::string now = meta("schema"); now != kSchema) {
      throw Error(fmt::format("not an aimc sweep database ({}); expected {}", now, kSchema), ErrorContext{.file = path});
    }
  } catch (...) {
    sqlite3_close(m_db);
    throw;
  }
}

SweepStore::~SweepStore() { sqlite3_close(m_db); }

void SweepStore::exec(const std::string& sql) const {
  char* err = nullptr;
  if (sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string why = err != nullptr ? err : "unknown error";
    sqlite3_free(err);
    throw Error(fmt::format("sweep database: {}", why), ErrorContext{.file = m_path});
  }
}

std::string SweepStore::meta(const std::string& key) const {
  Statement st(m_db, "SELECT value FROM meta WHERE key = ?", m_path);
  st.bind(1, key);
  return st.step() ? st.text(0) : "";
}

void SweepStore::set_meta(const std::string& key, const std::string& value) {
  Statement st(m_db, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", m_path);
  st.bind(1, key);
  st.bind(2, value);
  st.step();
}

void SweepStore::attach(const SweepSpec& spec, bool extend) {
  const std::string hash = meta("sweep_sha256");
  if (hash.empty()) {
    exec("BEGIN IMMEDIATE");
    set_meta("sweep_sha256", spec.hash);
    set_meta("fixed_sha256", spec.fixed_hash);
    nlohmann::json axes = nlohmann::json::array();
    for (const Axis& a : spec.axes) axes.push_back(a.name);
    set_meta("axes", json_text(axes));
    set_meta("sweep_file", spec.file);
    set_meta("aimc_version", kVersion);
    set_meta("created", now_utc());
    exec("COMMIT");
    return;
  }
  if (hash == spec.hash) return;
  const std::string was = meta("sweep_file");
  if (meta("fixed_sha256") != spec.fixed_hash) {
    throw Error(fmt::format("holds the results of another sweep ({}, with other fixed options or axes); give a new --db, "
                            "or change only chips, models and axis values and pass --extend",
                            was),
                ErrorContext{.file = m_path});
  }
  if (!extend) {
    throw Error(fmt::format("holds the results of a different version of this sweep ({}); pass --extend to add the new "
                            "points to it, or give a new --db",
                            was),
                ErrorContext{.file = m_path});
  }
  exec("BEGIN IMMEDIATE");
  set_meta("sweep_sha256", spec.hash);
  set_meta("sweep_file", spec.file);
  exec("COMMIT");
}

std::set<std::string> SweepStore::finished_keys() const {
  std::set<std::string> keys;
  Statement st(m_db, "SELECT point_key FROM points", m_path);
  while (st.step()) keys.insert(st.text(0));
  return keys;
}

std::vector<std::string> SweepStore::parameter_columns() const {
  std::vector<std::string> cols = {"chip", "model", "data"};
  const std::string axes = meta("axes");
  if (!axes.empty()) {
    for (const auto& a : nlohmann::json::parse(axes)) cols.push_back(a.get<std::string>());
  }
  return cols;
}

int64_t SweepStore::finished_count() const {
  Statement st(m_db, "SELECT COUNT(*) FROM points", m_path);
  st.step();
  return sqlite3_column_int64(st.get(), 0);
}

std::vector<std::string> SweepStore::point_columns() const {
  std::vector<std::string> cols;
  Statement st(m_db, "SELECT name FROM pragma_table_info('points')", m_path);
  while (st.step()) cols.push_back(st.text(0));
  return cols;
}

bool SweepStore::has(const std::string& key) const {
  Statement st(m_db, "SELECT 1 FROM points WHERE point_key = ?", m_path);
  st.bind(1, key);
  return st.step();
}

bool SweepStore::write(const PointRecord& r) {
  exec("BEGIN IMMEDIATE");
  try {
    if (has(r.key)) {  // written meanwhile by another process on this database
      exec("ROLLBACK");
      return false;
    }
    const std::vector<std::string> have = point_columns();
    for (const auto& [name, value] : r.columns) {
      if (std::find(have.begin(), have.end(), name) == have.end()) exec("ALTER TABLE points ADD COLUMN " + quoted(name));
    }
    std::string names = "point_key, point_index, status, message, wall_s, finished_at, result_json";
    std::string marks = "?, ?, ?, ?, ?, ?, ?";
    for (const auto& col : r.columns) {
      names += ", " + quoted(col.first);
      marks += ", ?";
    }
    Statement st(m_db, fmt::format("INSERT INTO points ({}) VALUES ({})", names, marks), m_path);
    st.bind(1, r.key);
    st.bind(2, r.index);
    st.bind(3, r.status);
    st.bind(4, r.message);
    st.bind(5, r.wall_s);
    st.bind(6, now_utc());
    st.bind(7, r.result_json);
    int i = 8;
    for (const auto& col : r.columns) st.bind(i++, col.second);
    st.step();
    exec("COMMIT");
    return true;
  } catch (...) {
    exec("ROLLBACK");
    throw;
  }
}

report::Table SweepStore::table() const {
  report::Table t;
  for (const std::string& c : point_columns()) {
    if (c != "point_key" && c != "result_json") t.columns.push_back(c);
  }
  std::string select;
  for (const std::string& c : t.columns) select += (select.empty() ? "" : ", ") + quoted(c);
  Statement st(m_db, fmt::format("SELECT {} FROM points ORDER BY point_index", select), m_path);
  while (st.step()) {
    std::vector<report::Cell> row;
    for (size_t c = 0; c < t.columns.size(); ++c) row.push_back(st.cell(static_cast<int>(c)));
    t.rows.push_back(std::move(row));
  }
  return t;
}

std::vector<std::string> SweepStore::results() const {
  std::vector<std::string> out;
  Statement st(m_db, "SELECT result_json FROM points ORDER BY point_index", m_path);
  while (st.step()) out.push_back(st.text(0));
  return out;
}

std::string export_csv(const SweepStore& store) { return report::to_csv(store.table()); }

}  // namespace aimc::sweep
