#include "log/sqlite_state_store.h"

#include <sqlite3.h>

#include <cstring>
#include <limits>
#include <optional>
#include <utility>

#include "log/store_rules.h"

namespace mtc::log {

namespace internal {
void SqliteCloser::operator()(sqlite3* db) const { sqlite3_close_v2(db); }
}  // namespace internal

namespace {

// Version 1: the tables created by CreateSchema below.
constexpr int64_t kSchemaVersion = 1;

constexpr const char* kCreateSchemaSql = R"sql(
CREATE TABLE tree_heads (
  log_number INTEGER PRIMARY KEY,
  size INTEGER NOT NULL,
  root BLOB NOT NULL
);
CREATE TABLE landmarks (
  log_number INTEGER NOT NULL,
  number INTEGER NOT NULL,
  tree_size INTEGER NOT NULL,
  PRIMARY KEY (log_number, number)
);
CREATE TABLE current_log (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  log_number INTEGER NOT NULL
);
INSERT INTO current_log (id, log_number) VALUES (1, 1);
INSERT INTO schema_version (version) VALUES (1);
)sql";

// Busy and locked mean another writer holds the database: retrying may help.
Error SqliteError(sqlite3* db, int rc, std::string_view what) {
  ErrorCode code = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED
                       ? ErrorCode::kUnavailable
                       : ErrorCode::kIo;
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

// A prepared statement. Bind errors are kept and reported by the first Step,
// so call sites read as the SQL they run.
class Statement {
 public:
  static Result<Statement> Prepare(sqlite3* db, const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db, rc, sql);
    return Statement(db, UniqueStmt(stmt));
  }

  // Parameters are numbered from 1, as in the SQL (?1, ?2, ...).
  Statement& BindInt(int index, int64_t value) {
    Check(sqlite3_bind_int64(stmt_.get(), index, value));
    return *this;
  }
  Statement& BindU64(int index, uint64_t value) {
    return BindInt(index, static_cast<int64_t>(value));
  }
  Statement& BindBlob(int index, std::span<const uint8_t> value) {
    Check(sqlite3_bind_blob(stmt_.get(), index, value.data(),
                            static_cast<int>(value.size()), SQLITE_TRANSIENT));
    return *this;
  }

  // True when a row is ready, false when the statement is done.
  Result<bool> Step() {
    if (!bind_status_.ok()) return bind_status_.error();
    int rc = sqlite3_step(stmt_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return SqliteError(db_, rc, sqlite3_sql(stmt_.get()));
  }
  // Steps a statement that returns no rows.
  Status Run() {
    MTC_ASSIGN_OR_RETURN(bool row, Step());
    if (row) {
      return Error(ErrorCode::kInternal, std::string("unexpected row from ") +
                                             sqlite3_sql(stmt_.get()));
    }
    return OkStatus();
  }

  int64_t ColumnInt(int column) const {
    return sqlite3_column_int64(stmt_.get(), column);
  }
  uint64_t ColumnU64(int column) const {
    return static_cast<uint64_t>(ColumnInt(column));
  }
  std::string ColumnText(int column) const {
    const unsigned char* text = sqlite3_column_text(stmt_.get(), column);
    if (text == nullptr) return "";
    return std::string(reinterpret_cast<const char*>(text),
                       sqlite3_column_bytes(stmt_.get(), column));
  }
  std::span<const uint8_t> ColumnBlob(int column) const {
    const void* data = sqlite3_column_blob(stmt_.get(), column);
    int size = sqlite3_column_bytes(stmt_.get(), column);
    return {static_cast<const uint8_t*>(data), static_cast<size_t>(size)};
  }

 private:
  Statement(sqlite3* db, UniqueStmt stmt) : db_(db), stmt_(std::move(stmt)) {}

  void Check(int rc) {
    if (rc != SQLITE_OK && bind_status_.ok()) {
      bind_status_ = SqliteError(db_, rc, "bind");
    }
  }

  sqlite3* db_;
  UniqueStmt stmt_;
  Status bind_status_;
};

// Creates the schema of a new database, or checks the version of an
// existing one. Two processes opening a new file at once serialize on
// BEGIN IMMEDIATE; the second finds the schema the first made.
Status CreateOrCheckSchema(sqlite3* db) {
  MTC_RETURN_IF_ERROR(Exec(db, "BEGIN IMMEDIATE"));
  auto body = [db]() -> Status {
    MTC_RETURN_IF_ERROR(Exec(
        db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER)"));
    std::optional<int64_t> version;
    {
      MTC_ASSIGN_OR_RETURN(
          Statement select,
          Statement::Prepare(db, "SELECT version FROM schema_version"));
      MTC_ASSIGN_OR_RETURN(bool row, select.Step());
      if (row) version = select.ColumnInt(0);
    }
    if (!version.has_value()) return Exec(db, kCreateSchemaSql);
    if (*version != kSchemaVersion) {
      return Error(ErrorCode::kUnsupported,
                   "state database has schema version " +
                       std::to_string(*version) + ", expected " +
                       std::to_string(kSchemaVersion));
    }
    return OkStatus();
  };
  Status status = body();
  if (!status.ok()) {
    (void)Exec(db, "ROLLBACK");  // closing the connection rolls back anyway
    return status;
  }
  return Exec(db, "COMMIT");
}

}  // namespace

Result<std::unique_ptr<SqliteLogStateStore>> SqliteLogStateStore::Open(
    const std::string& path, std::chrono::milliseconds busy_timeout) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  UniqueSqlite db(raw);  // sqlite3_open_v2 may allocate even on failure
  if (rc != SQLITE_OK) {
    return SqliteError(db.get(), rc, "cannot open state database " + path);
  }
  rc = sqlite3_busy_timeout(db.get(), static_cast<int>(busy_timeout.count()));
  if (rc != SQLITE_OK) return SqliteError(db.get(), rc, "busy timeout");

  // WAL lets readers run beside the writer; synchronous=FULL syncs the WAL on
  // every commit, so a returned write survives power loss (storage.h: "every
  // write is durable when it returns").
  std::string mode;
  {
    MTC_ASSIGN_OR_RETURN(
        Statement wal, Statement::Prepare(db.get(), "PRAGMA journal_mode=WAL"));
    MTC_ASSIGN_OR_RETURN(bool row, wal.Step());
    if (row) mode = wal.ColumnText(0);
  }
  if (mode != "wal") {
    return Error(
        ErrorCode::kUnsupported,
        "state database " + path + " cannot use WAL mode (" + mode + ")");
  }
  MTC_RETURN_IF_ERROR(Exec(db.get(), "PRAGMA synchronous=FULL"));
  MTC_RETURN_IF_ERROR(CreateOrCheckSchema(db.get()));
  return std::unique_ptr<SqliteLogStateStore>(
      new SqliteLogStateStore(std::move(db)));
}

SqliteLogStateStore::SqliteLogStateStore(UniqueSqlite db)
    : db_(std::move(db)) {}

SqliteLogStateStore::~SqliteLogStateStore() = default;

Status SqliteLogStateStore::InTransaction(const std::function<Status()>& body) {
  // IMMEDIATE takes the write lock before the first read, so the compare and
  // the swap see the same state: no other connection can commit in between.
  MTC_RETURN_IF_ERROR(Exec(db_.get(), "BEGIN IMMEDIATE"));
  Status status = body();
  if (status.ok()) {
    status = Exec(db_.get(), "COMMIT");
    if (status.ok()) return status;
  }
  Status rollback = Exec(db_.get(), "ROLLBACK");
  if (!rollback.ok() && sqlite3_get_autocommit(db_.get()) == 0) {
    // The connection is stuck inside a transaction: every later call would
    // fail, so say so rather than return the original error alone.
    return Error(ErrorCode::kInternal, status.error().ToString() + "; " +
                                           rollback.error().ToString());
  }
  return status;
}

Result<TreeHead> SqliteLogStateStore::ReadTreeHead(uint32_t log_number) {
  MTC_ASSIGN_OR_RETURN(Statement select,
                       Statement::Prepare(db_.get(),
                                          "SELECT size, root FROM tree_heads "
                                          "WHERE log_number = ?1"));
  select.BindInt(1, log_number);
  MTC_ASSIGN_OR_RETURN(bool row, select.Step());
  if (!row) return TreeHead{0, merkle::EmptyTreeHash()};
  TreeHead head;
  head.size = select.ColumnU64(0);
  std::span<const uint8_t> root = select.ColumnBlob(1);
  if (root.size() != head.root.size()) {
    return Error(ErrorCode::kInternal,
                 "stored root of log " + std::to_string(log_number) + " has " +
                     std::to_string(root.size()) + " bytes");
  }
  std::memcpy(head.root.data(), root.data(), root.size());
  return head;
}

Result<TreeHead> SqliteLogStateStore::GetTreeHead(uint32_t log_number) {
  std::lock_guard<std::mutex> lock(mu_);
  return ReadTreeHead(log_number);
}

Status SqliteLogStateStore::CompareAndSwapTreeHead(uint32_t log_number,
                                                   const TreeHead& expected,
                                                   const TreeHead& next) {
  std::lock_guard<std::mutex> lock(mu_);
  return InTransaction([&]() -> Status {
    MTC_ASSIGN_OR_RETURN(TreeHead current, ReadTreeHead(log_number));
    if (current != expected) {
      return Error(ErrorCode::kConflict,
                   "tree head of log " + std::to_string(log_number) +
                       " has size " + std::to_string(current.size) +
                       ", not the expected head of size " +
                       std::to_string(expected.size));
    }
    MTC_RETURN_IF_ERROR(CheckTreeHeadTransition(expected, next));
    MTC_ASSIGN_OR_RETURN(
        Statement upsert,
        Statement::Prepare(db_.get(),
                           "INSERT OR REPLACE INTO tree_heads "
                           "(log_number, size, root) VALUES (?1, ?2, ?3)"));
    upsert.BindInt(1, log_number).BindU64(2, next.size).BindBlob(3, next.root);
    return upsert.Run();
  });
}

Result<std::vector<uint64_t>> SqliteLogStateStore::ReadLandmarks(
    uint32_t log_number) {
  MTC_ASSIGN_OR_RETURN(
      Statement select,
      Statement::Prepare(db_.get(),
                         "SELECT number, tree_size FROM landmarks "
                         "WHERE log_number = ?1 ORDER BY number"));
  select.BindInt(1, log_number);
  std::vector<uint64_t> sizes;
  while (true) {
    MTC_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    // Element i is landmark i + 1 (storage.h); AppendLandmark keeps the
    // numbers consecutive, so a gap means the file was edited by hand.
    if (select.ColumnU64(0) != sizes.size() + 1) {
      return Error(ErrorCode::kInternal, "landmark numbers of log " +
                                             std::to_string(log_number) +
                                             " are not consecutive");
    }
    sizes.push_back(select.ColumnU64(1));
  }
  return sizes;
}

Result<std::vector<uint64_t>> SqliteLogStateStore::GetLandmarks(
    uint32_t log_number) {
  std::lock_guard<std::mutex> lock(mu_);
  return ReadLandmarks(log_number);
}

Status SqliteLogStateStore::AppendLandmark(uint32_t log_number, uint64_t number,
                                           uint64_t tree_size) {
  std::lock_guard<std::mutex> lock(mu_);
  return InTransaction([&]() -> Status {
    MTC_ASSIGN_OR_RETURN(
        Statement last,
        Statement::Prepare(db_.get(),
                           "SELECT number, tree_size FROM landmarks "
                           "WHERE log_number = ?1 "
                           "ORDER BY number DESC LIMIT 1"));
    last.BindInt(1, log_number);
    MTC_ASSIGN_OR_RETURN(bool row, last.Step());
    uint64_t last_number = row ? last.ColumnU64(0) : 0;
    uint64_t last_size = row ? last.ColumnU64(1) : 0;
    MTC_RETURN_IF_ERROR(
        CheckLandmarkAppend(last_number, last_size, number, tree_size));
    MTC_ASSIGN_OR_RETURN(
        Statement insert,
        Statement::Prepare(db_.get(),
                           "INSERT INTO landmarks (log_number, number, "
                           "tree_size) VALUES (?1, ?2, ?3)"));
    insert.BindInt(1, log_number).BindU64(2, number).BindU64(3, tree_size);
    return insert.Run();
  });
}

Result<uint32_t> SqliteLogStateStore::ReadCurrentLog() {
  MTC_ASSIGN_OR_RETURN(
      Statement select,
      Statement::Prepare(db_.get(),
                         "SELECT log_number FROM current_log WHERE id = 1"));
  MTC_ASSIGN_OR_RETURN(bool row, select.Step());
  int64_t log_number = row ? select.ColumnInt(0) : 0;
  if (log_number < 1 || log_number > std::numeric_limits<uint32_t>::max()) {
    return Error(ErrorCode::kInternal, "stored current log is missing or " +
                                           std::to_string(log_number));
  }
  return static_cast<uint32_t>(log_number);
}

Result<uint32_t> SqliteLogStateStore::GetCurrentLog() {
  std::lock_guard<std::mutex> lock(mu_);
  return ReadCurrentLog();
}

Status SqliteLogStateStore::CompareAndSwapCurrentLog(uint32_t expected,
                                                     uint32_t next) {
  std::lock_guard<std::mutex> lock(mu_);
  return InTransaction([&]() -> Status {
    MTC_ASSIGN_OR_RETURN(uint32_t current, ReadCurrentLog());
    if (current != expected) {
      return Error(ErrorCode::kConflict,
                   "current log is " + std::to_string(current) + ", not " +
                       std::to_string(expected));
    }
    MTC_RETURN_IF_ERROR(CheckCurrentLogTransition(expected, next));
    MTC_ASSIGN_OR_RETURN(
        Statement update,
        Statement::Prepare(db_.get(),
                           "UPDATE current_log SET log_number = ?1 "
                           "WHERE id = 1"));
    update.BindInt(1, next);
    return update.Run();
  });
}

}  // namespace mtc::log
