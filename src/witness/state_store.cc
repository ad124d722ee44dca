#include "witness/state_store.h"

#include <sqlite3.h>

#include <chrono>
#include <cstring>
#include <thread>
#include <utility>

namespace mtc::witness {

namespace {

// PRAGMA user_version of the schema below; 0 is a new, empty file.
constexpr int kSchemaVersion = 1;

// tree_size holds the uint64 as the int64 with the same bits (SQLite
// integers are signed); nothing compares sizes in SQL.
constexpr char kSchema[] = R"sql(
CREATE TABLE checkpoints (
  origin TEXT PRIMARY KEY NOT NULL,
  tree_size INTEGER NOT NULL,
  root_hash BLOB NOT NULL CHECK (length(root_hash) = 32),
  checkpoint TEXT NOT NULL
);
PRAGMA user_version = 1;
)sql";

// How long a writer waits for another (thread or process) to commit.
constexpr int kBusyTimeoutMs = 10'000;

Error DbError(sqlite3* db, int rc, std::string_view doing) {
  ErrorCode code = rc == SQLITE_BUSY || rc == SQLITE_LOCKED
                       ? ErrorCode::kUnavailable
                       : ErrorCode::kIo;
  return Error(code, "witness state: " + std::string(doing) + ": " +
                         sqlite3_errstr(rc) + " (" + sqlite3_errmsg(db) + ")");
}

Status Exec(sqlite3* db, const char* sql) {
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return DbError(db, rc, sql);
  return OkStatus();
}

// A prepared statement, finalized on scope exit.
class Statement {
 public:
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  static Result<Statement> Prepare(sqlite3* db, const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
    if (rc != SQLITE_OK) return DbError(db, rc, sql);
    return Statement(stmt);
  }
  Statement(Statement&& other) noexcept
      : stmt_(std::exchange(other.stmt_, nullptr)) {}

  sqlite3_stmt* get() const { return stmt_; }

 private:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  sqlite3_stmt* stmt_;
};

Result<std::optional<LogState>> ReadState(sqlite3* db,
                                          std::string_view origin) {
  MTC_ASSIGN_OR_RETURN(
      Statement s, Statement::Prepare(db,
                                      "SELECT tree_size, root_hash, checkpoint "
                                      "FROM checkpoints WHERE origin = ?1"));
  sqlite3_bind_text(s.get(), 1, origin.data(), static_cast<int>(origin.size()),
                    SQLITE_STATIC);
  int rc = sqlite3_step(s.get());
  if (rc == SQLITE_DONE) return std::optional<LogState>();
  if (rc != SQLITE_ROW) return DbError(db, rc, "reading a checkpoint");
  LogState state;
  state.tree_size = static_cast<uint64_t>(sqlite3_column_int64(s.get(), 0));
  const void* hash = sqlite3_column_blob(s.get(), 1);
  if (hash == nullptr ||
      sqlite3_column_bytes(s.get(), 1) != static_cast<int>(merkle::kHashSize)) {
    return Error(ErrorCode::kInternal,
                 "witness state: stored root hash is not 32 bytes");
  }
  std::memcpy(state.root_hash.data(), hash, merkle::kHashSize);
  const unsigned char* text = sqlite3_column_text(s.get(), 2);
  state.checkpoint.assign(reinterpret_cast<const char*>(text),
                          sqlite3_column_bytes(s.get(), 2));
  return std::optional<LogState>(std::move(state));
}

Status WriteState(sqlite3* db, std::string_view origin, const LogState& state) {
  MTC_ASSIGN_OR_RETURN(
      Statement s,
      Statement::Prepare(db,
                         "INSERT OR REPLACE INTO checkpoints "
                         "(origin, tree_size, root_hash, checkpoint) "
                         "VALUES (?1, ?2, ?3, ?4)"));
  sqlite3_bind_text(s.get(), 1, origin.data(), static_cast<int>(origin.size()),
                    SQLITE_STATIC);
  sqlite3_bind_int64(s.get(), 2, static_cast<int64_t>(state.tree_size));
  sqlite3_bind_blob(s.get(), 3, state.root_hash.data(),
                    static_cast<int>(state.root_hash.size()), SQLITE_STATIC);
  sqlite3_bind_text(s.get(), 4, state.checkpoint.data(),
                    static_cast<int>(state.checkpoint.size()), SQLITE_STATIC);
  int rc = sqlite3_step(s.get());
  if (rc != SQLITE_DONE) return DbError(db, rc, "writing a checkpoint");
  return OkStatus();
}

// Ends a failed transaction. The original error is what the caller reports;
// if the rollback itself fails, SQLite rolls back when the connection is
// next used or closed.
void Rollback(sqlite3* db) {
  if (sqlite3_get_autocommit(db) == 0) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

Status CreateSchema(sqlite3* db) {
  MTC_RETURN_IF_ERROR(Exec(db, "BEGIN IMMEDIATE"));
  auto version = [&]() -> Result<int> {
    MTC_ASSIGN_OR_RETURN(Statement s,
                         Statement::Prepare(db, "PRAGMA user_version"));
    int rc = sqlite3_step(s.get());
    if (rc != SQLITE_ROW) return DbError(db, rc, "reading user_version");
    return sqlite3_column_int(s.get(), 0);
  }();
  Status status = version.ok() ? OkStatus() : Status(version.error());
  if (status.ok() && *version == 0) {
    status = Exec(db, kSchema);
  } else if (status.ok() && *version != kSchemaVersion) {
    status = Error(ErrorCode::kUnsupported,
                   "witness state: schema version " + std::to_string(*version) +
                       " is newer than this program's " +
                       std::to_string(kSchemaVersion));
  }
  if (status.ok()) status = Exec(db, "COMMIT");
  if (!status.ok()) Rollback(db);
  return status;
}

// Switches `db` to WAL mode. Switching a new file needs an exclusive lock,
// and SQLite answers SQLITE_BUSY at once rather than calling the busy
// handler when several processes open a new file together; so retry here,
// for as long as the busy timeout.
Status UseWal(sqlite3* db, const std::string& path) {
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(kBusyTimeoutMs);
  while (true) {
    MTC_ASSIGN_OR_RETURN(Statement s,
                         Statement::Prepare(db, "PRAGMA journal_mode = WAL"));
    int rc = sqlite3_step(s.get());
    if (rc == SQLITE_BUSY && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    if (rc != SQLITE_ROW) return DbError(db, rc, "setting WAL mode");
    const unsigned char* mode = sqlite3_column_text(s.get(), 0);
    if (mode == nullptr ||
        std::strcmp(reinterpret_cast<const char*>(mode), "wal") != 0) {
      return Error(ErrorCode::kIo,
                   "witness state: " + path + " cannot use WAL mode");
    }
    return OkStatus();
  }
}

}  // namespace

Result<std::unique_ptr<StateStore>> StateStore::Open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  // From here the StateStore owns db, even if opening failed.
  std::unique_ptr<StateStore> store(new StateStore(db));
  if (rc != SQLITE_OK) {
    return Error(ErrorCode::kIo,
                 "witness state: opening " + path + ": " + sqlite3_errstr(rc));
  }
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  // WAL: readers do not block the writer. synchronous=FULL: a commit is on
  // disk when COMMIT returns, as §add-checkpoint requires ("The witness MUST
  // persist the new checkpoint before responding").
  MTC_RETURN_IF_ERROR(UseWal(db, path));
  MTC_RETURN_IF_ERROR(Exec(db, "PRAGMA synchronous = FULL"));
  MTC_RETURN_IF_ERROR(CreateSchema(db));
  return store;
}

StateStore::~StateStore() { sqlite3_close_v2(db_); }

Result<std::optional<LogState>> StateStore::Get(std::string_view origin) {
  std::lock_guard<std::mutex> lock(mu_);
  return ReadState(db_, origin);
}

Status StateStore::Update(std::string_view origin, const Decide& decide) {
  std::lock_guard<std::mutex> lock(mu_);
  // BEGIN IMMEDIATE takes the write lock now, so no other connection can
  // write between our read of the stored size and our write of the new one.
  MTC_RETURN_IF_ERROR(Exec(db_, "BEGIN IMMEDIATE"));
  auto current = ReadState(db_, origin);
  if (!current.ok()) {
    Rollback(db_);
    return current.error();
  }
  auto next = decide(*current);
  if (!next.ok()) {
    Rollback(db_);
    return next.error();
  }
  if (next->has_value()) {
    Status written = WriteState(db_, origin, **next);
    if (!written.ok()) {
      Rollback(db_);
      return written;
    }
  }
  Status committed = Exec(db_, "COMMIT");
  if (!committed.ok()) Rollback(db_);
  return committed;
}

}  // namespace mtc::witness
