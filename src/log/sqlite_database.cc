#include "log/sqlite_database.h"

#include <sqlite3.h>

#include <charconv>
#include <cstring>
#include <thread>
#include <utility>

namespace mtc::log {

namespace {

// Busy and locked mean another writer holds the database: retrying may
// help. Constraint violations are the caller's: a uniqueness check lost
// (kConflict) or a reference to a row that does not exist.
Error SqliteError(sqlite3* db, int rc, std::string_view what) {
  ErrorCode code = ErrorCode::kIo;
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      code = ErrorCode::kUnavailable;
      break;
    case SQLITE_CONSTRAINT:
      code =
          rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY
              ? ErrorCode::kConflict
              : ErrorCode::kInvalidArgument;
      break;
    default:
      break;
  }
  std::string message(what);
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return Error(code, std::move(message));
}

Status Exec(sqlite3* db, const char* sql) {
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db, rc, sql);
  return OkStatus();
}

struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using UniqueStmt = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// Binds `params` to the `$n` parameters of `stmt`, by number.
Status Bind(sqlite3* db, sqlite3_stmt* stmt, std::span<const SqlValue> params) {
  int count = sqlite3_bind_parameter_count(stmt);
  for (int i = 1; i <= count; i++) {
    const char* name = sqlite3_bind_parameter_name(stmt, i);
    size_t number = 0;
    if (name == nullptr || name[0] != '$' ||
        std::from_chars(name + 1, name + std::strlen(name), number).ec !=
            std::errc() ||
        number < 1 || number > params.size()) {
      return Error(ErrorCode::kInternal,
                   std::string("parameter ") + (name ? name : "?") + " of " +
                       sqlite3_sql(stmt) + " has no value (" +
                       std::to_string(params.size()) + " given)");
    }
    const SqlValue& value = params[number - 1];
    int rc = SQLITE_OK;
    if (std::holds_alternative<std::nullptr_t>(value)) {
      rc = sqlite3_bind_null(stmt, i);
    } else if (const int64_t* n = std::get_if<int64_t>(&value)) {
      rc = sqlite3_bind_int64(stmt, i, *n);
    } else if (const std::string* s = std::get_if<std::string>(&value)) {
      rc = sqlite3_bind_text64(stmt, i, s->data(), s->size(), SQLITE_TRANSIENT,
                               SQLITE_UTF8);
    } else {
      const auto& b = std::get<std::vector<uint8_t>>(value);
      // An empty vector may have no data pointer, which SQLite would bind as
      // NULL rather than as an empty blob.
      rc = b.empty() ? sqlite3_bind_zeroblob(stmt, i, 0)
                     : sqlite3_bind_blob64(stmt, i, b.data(), b.size(),
                                           SQLITE_TRANSIENT);
    }
    if (rc != SQLITE_OK) return SqliteError(db, rc, "bind");
  }
  return OkStatus();
}

SqlValue Column(sqlite3_stmt* stmt, int i) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_INTEGER:
      return static_cast<int64_t>(sqlite3_column_int64(stmt, i));
    case SQLITE_TEXT: {
      const unsigned char* text = sqlite3_column_text(stmt, i);
      return std::string(reinterpret_cast<const char*>(text),
                         sqlite3_column_bytes(stmt, i));
    }
    case SQLITE_BLOB: {
      const auto* data =
          static_cast<const uint8_t*>(sqlite3_column_blob(stmt, i));
      return std::vector<uint8_t>(data, data + sqlite3_column_bytes(stmt, i));
    }
    case SQLITE_NULL:
      return nullptr;
    default:  // SQLITE_FLOAT: no store uses one
      return std::string(
          reinterpret_cast<const char*>(sqlite3_column_text(stmt, i)));
  }
}

class SqliteTransaction : public SqlTransaction {
 public:
  explicit SqliteTransaction(sqlite3* db) : db_(db) {}

  Status ExecuteScript(std::string_view sql) override {
    std::string text(sql);
    return Exec(db_, text.c_str());
  }

 protected:
  Result<std::vector<SqlRow>> RunQuery(
      std::string_view sql, std::span<const SqlValue> params) override {
    MTC_ASSIGN_OR_RETURN(UniqueStmt stmt, Prepare(sql, params));
    std::vector<SqlRow> rows;
    while (true) {
      int rc = sqlite3_step(stmt.get());
      if (rc == SQLITE_DONE) return rows;
      if (rc != SQLITE_ROW) return SqliteError(db_, rc, sql);
      int n = sqlite3_column_count(stmt.get());
      std::vector<SqlValue> columns;
      columns.reserve(n);
      for (int i = 0; i < n; i++) columns.push_back(Column(stmt.get(), i));
      rows.emplace_back(std::move(columns));
    }
  }

  Result<int64_t> RunExecute(std::string_view sql,
                             std::span<const SqlValue> params) override {
    MTC_ASSIGN_OR_RETURN(UniqueStmt stmt, Prepare(sql, params));
    int rc = sqlite3_step(stmt.get());
    if (rc == SQLITE_ROW) {
      return Error(ErrorCode::kInternal,
                   "unexpected row from " + std::string(sql));
    }
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, sql);
    return static_cast<int64_t>(sqlite3_changes64(db_));
  }

 private:
  Result<UniqueStmt> Prepare(std::string_view sql,
                             std::span<const SqlValue> params) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()),
                                &raw, nullptr);
    UniqueStmt stmt(raw);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, sql);
    MTC_RETURN_IF_ERROR(Bind(db_, stmt.get(), params));
    return stmt;
  }

  sqlite3* db_;
};

// Switching a new file to WAL needs an exclusive lock, and SQLite answers
// SQLITE_BUSY at once rather than calling the busy handler when several
// processes open a new file together; so retry for as long as the busy
// timeout.
Status UseWal(sqlite3* db, const std::string& path,
              std::chrono::milliseconds busy_timeout) {
  auto deadline = std::chrono::steady_clock::now() + busy_timeout;
  SqliteTransaction tx(db);
  while (true) {
    auto rows = tx.Query("PRAGMA journal_mode=WAL");
    if (!rows.ok() && rows.error().code() == ErrorCode::kUnavailable &&
        std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    if (!rows.ok()) return rows.error();
    std::string mode;
    if (!rows->empty()) {
      auto text = rows->front().Text(0);
      if (text.ok()) mode = *text;
    }
    if (mode != "wal") {
      return Error(ErrorCode::kUnsupported,
                   "database " + path + " cannot use WAL mode (" + mode + ")");
    }
    return OkStatus();
  }
}

}  // namespace

Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::Open(
    const std::string& path, std::chrono::milliseconds busy_timeout) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  // From here the object owns the connection, even if opening failed.
  std::unique_ptr<SqliteDatabase> db(new SqliteDatabase(raw));
  if (rc != SQLITE_OK) {
    return SqliteError(raw, rc, "cannot open database " + path);
  }
  // Extended codes tell a uniqueness conflict from other constraints.
  sqlite3_extended_result_codes(raw, 1);
  rc = sqlite3_busy_timeout(raw, static_cast<int>(busy_timeout.count()));
  if (rc != SQLITE_OK) return SqliteError(raw, rc, "busy timeout");
  // A file that is not a database fails at the first read, here.
  MTC_RETURN_IF_ERROR(UseWal(raw, path, busy_timeout));
  MTC_RETURN_IF_ERROR(Exec(raw, "PRAGMA synchronous=FULL"));
  MTC_RETURN_IF_ERROR(Exec(raw, "PRAGMA foreign_keys=ON"));
  return db;
}

SqliteDatabase::SqliteDatabase(sqlite3* db) : db_(db) {}

SqliteDatabase::~SqliteDatabase() { sqlite3_close_v2(db_); }

Status SqliteDatabase::InTransaction(
    SqlMode mode, const std::function<Status(SqlTransaction&)>& body) {
  std::lock_guard<std::mutex> lock(mu_);
  // IMMEDIATE takes the write lock before the first read, so what a write
  // transaction reads cannot change before it commits.
  MTC_RETURN_IF_ERROR(
      Exec(db_, mode == SqlMode::kRead ? "BEGIN" : "BEGIN IMMEDIATE"));
  SqliteTransaction tx(db_);
  Status status = body(tx);
  if (status.ok()) {
    status = Exec(db_, "COMMIT");
    if (status.ok()) return status;
  }
  if (sqlite3_get_autocommit(db_) == 0) {
    Status rollback = Exec(db_, "ROLLBACK");
    if (!rollback.ok() && sqlite3_get_autocommit(db_) == 0) {
      // The connection is stuck inside a transaction: every later call
      // would fail, so say so rather than return the original error alone.
      return Error(ErrorCode::kInternal, status.error().ToString() + "; " +
                                             rollback.error().ToString());
    }
  }
  return status;
}

}  // namespace mtc::log
