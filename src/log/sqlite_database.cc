#include "log/sqlite_database.h"

#include <sqlite3.h>

#include <charconv>
#include <cstring>
#include <exception>
#include <functional>
#include <map>
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

}  // namespace

// One sqlite3 connection and its prepared statements, kept for reuse:
// preparing (parsing and planning) the same few statements again for every
// transaction was a tenth of an ACME server's CPU.
struct SqliteDatabase::Connection {
  // Statements kept at most; beyond it the cache starts over.
  static constexpr size_t kMaxStatements = 256;

  explicit Connection(sqlite3* db) : db(db) {}
  ~Connection() {
    for (auto& [sql, stmt] : statements) sqlite3_finalize(stmt);
    sqlite3_close_v2(db);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The prepared statement for `sql`, reset and without bindings. It stays
  // owned by the cache; the caller resets it when done (StatementUse).
  Result<sqlite3_stmt*> Prepare(std::string_view sql) {
    auto it = statements.find(sql);
    if (it != statements.end()) return it->second;
    if (statements.size() >= kMaxStatements) {
      for (auto& [text, stmt] : statements) sqlite3_finalize(stmt);
      statements.clear();
    }
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(stmt);
      return SqliteError(db, rc, sql);
    }
    statements.emplace(std::string(sql), stmt);
    return stmt;
  }

  // Runs one statement without parameters or rows ("BEGIN", "COMMIT").
  Status Run(std::string_view sql);

  sqlite3* const db;  // owned
  std::map<std::string, sqlite3_stmt*, std::less<>> statements;
};

namespace {

// Resets a cached statement and clears its bindings when a use of it ends,
// so that it holds no lock and no copy of a parameter afterwards.
class StatementUse {
 public:
  explicit StatementUse(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~StatementUse() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  StatementUse(const StatementUse&) = delete;
  StatementUse& operator=(const StatementUse&) = delete;
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_;
};

class SqliteTransaction : public SqlTransaction {
 public:
  explicit SqliteTransaction(SqliteDatabase::Connection& connection)
      : connection_(connection) {}

  Status ExecuteScript(std::string_view sql) override {
    std::string text(sql);
    return Exec(connection_.db, text.c_str());
  }

 protected:
  Result<std::vector<SqlRow>> RunQuery(
      std::string_view sql, std::span<const SqlValue> params) override {
    MTC_ASSIGN_OR_RETURN(sqlite3_stmt * raw, connection_.Prepare(sql));
    StatementUse stmt(raw);
    MTC_RETURN_IF_ERROR(Bind(connection_.db, stmt.get(), params));
    std::vector<SqlRow> rows;
    while (true) {
      int rc = sqlite3_step(stmt.get());
      if (rc == SQLITE_DONE) return rows;
      if (rc != SQLITE_ROW) return SqliteError(connection_.db, rc, sql);
      int n = sqlite3_column_count(stmt.get());
      std::vector<SqlValue> columns;
      columns.reserve(n);
      for (int i = 0; i < n; i++) columns.push_back(Column(stmt.get(), i));
      rows.emplace_back(std::move(columns));
    }
  }

  Result<int64_t> RunExecute(std::string_view sql,
                             std::span<const SqlValue> params) override {
    MTC_ASSIGN_OR_RETURN(sqlite3_stmt * raw, connection_.Prepare(sql));
    StatementUse stmt(raw);
    MTC_RETURN_IF_ERROR(Bind(connection_.db, stmt.get(), params));
    int rc = sqlite3_step(stmt.get());
    if (rc == SQLITE_ROW) {
      return Error(ErrorCode::kInternal,
                   "unexpected row from " + std::string(sql));
    }
    if (rc != SQLITE_DONE) return SqliteError(connection_.db, rc, sql);
    return static_cast<int64_t>(sqlite3_changes64(connection_.db));
  }

 private:
  SqliteDatabase::Connection& connection_;
};

// Switching a new file to WAL needs an exclusive lock, and SQLite answers
// SQLITE_BUSY at once rather than calling the busy handler when several
// processes open a new file together; so retry for as long as the busy
// timeout.
Status UseWal(SqliteDatabase::Connection& connection, const std::string& path,
              std::chrono::milliseconds busy_timeout) {
  auto deadline = std::chrono::steady_clock::now() + busy_timeout;
  SqliteTransaction tx(connection);
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

// Opens a connection to `path` with extended result codes and the busy
// timeout.
Result<std::unique_ptr<SqliteDatabase::Connection>> OpenConnection(
    const std::string& path, int flags,
    std::chrono::milliseconds busy_timeout) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  // From here the Connection owns the handle, even if opening failed.
  auto connection = std::make_unique<SqliteDatabase::Connection>(raw);
  if (rc != SQLITE_OK) {
    return SqliteError(raw, rc, "cannot open database " + path);
  }
  // Extended codes tell a uniqueness conflict from other constraints.
  sqlite3_extended_result_codes(raw, 1);
  rc = sqlite3_busy_timeout(raw, static_cast<int>(busy_timeout.count()));
  if (rc != SQLITE_OK) return SqliteError(raw, rc, "busy timeout");
  return connection;
}

// Read connections refuse writes. (Mapping the file with mmap_size was
// tried: every write that grows the file makes each reader remap it, and
// munmap then cost more than the pread calls it saved.)
Status ConfigureReader(sqlite3* db) { return Exec(db, "PRAGMA query_only=ON"); }

// Runs `body`, turning an exception into an error: bodies of several
// callers share the writer's thread, so one must not unwind through the
// others'.
Status RunBody(const std::function<Status(SqlTransaction&)>& body,
               SqlTransaction& tx) {
  try {
    return body(tx);
  } catch (const std::exception& e) {
    return Error(ErrorCode::kInternal,
                 std::string("transaction body threw: ") + e.what());
  } catch (...) {
    return Error(ErrorCode::kInternal, "transaction body threw");
  }
}

}  // namespace

Status SqliteDatabase::Connection::Run(std::string_view sql) {
  MTC_ASSIGN_OR_RETURN(sqlite3_stmt * raw, Prepare(sql));
  StatementUse stmt(raw);
  int rc = sqlite3_step(stmt.get());
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return SqliteError(db, rc, sql);
  return OkStatus();
}

Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::Open(
    const std::string& path, std::chrono::milliseconds busy_timeout) {
  MTC_ASSIGN_OR_RETURN(
      std::unique_ptr<Connection> writer,
      OpenConnection(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                     busy_timeout));
  // A file that is not a database fails at the first read, here.
  MTC_RETURN_IF_ERROR(UseWal(*writer, path, busy_timeout));
  MTC_RETURN_IF_ERROR(Exec(writer->db, "PRAGMA synchronous=FULL"));
  MTC_RETURN_IF_ERROR(Exec(writer->db, "PRAGMA foreign_keys=ON"));
  return std::unique_ptr<SqliteDatabase>(
      new SqliteDatabase(path, busy_timeout, std::move(writer)));
}

SqliteDatabase::SqliteDatabase(std::string path,
                               std::chrono::milliseconds busy_timeout,
                               std::unique_ptr<Connection> writer)
    : path_(std::move(path)),
      busy_timeout_(busy_timeout),
      writer_(std::move(writer)) {}

SqliteDatabase::~SqliteDatabase() = default;

Result<std::unique_ptr<SqliteDatabase::Connection>>
SqliteDatabase::TakeReader() {
  {
    std::unique_lock<std::mutex> lock(read_mu_);
    read_cv_.wait(lock, [this] {
      return !idle_readers_.empty() || readers_open_ < kMaxReaders;
    });
    if (!idle_readers_.empty()) {
      std::unique_ptr<Connection> reader = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return reader;
    }
    ++readers_open_;
  }
  // Opened outside the lock; the slot counted above is ours.
  Result<std::unique_ptr<Connection>> opened =
      OpenConnection(path_, SQLITE_OPEN_READWRITE, busy_timeout_);
  Status configured =
      opened.ok() ? ConfigureReader((*opened)->db) : Status(opened.error());
  if (!configured.ok()) {
    {
      std::lock_guard<std::mutex> lock(read_mu_);
      --readers_open_;
    }
    read_cv_.notify_one();
    return configured.error();
  }
  return std::move(opened).value();
}

void SqliteDatabase::ReturnReader(std::unique_ptr<Connection> reader) {
  {
    std::lock_guard<std::mutex> lock(read_mu_);
    if (reader != nullptr) {
      idle_readers_.push_back(std::move(reader));
    } else {
      --readers_open_;
    }
  }
  read_cv_.notify_one();
}

Status SqliteDatabase::Read(
    const std::function<Status(SqlTransaction&)>& body) {
  MTC_ASSIGN_OR_RETURN(std::unique_ptr<Connection> reader, TakeReader());
  Status status = reader->Run("BEGIN");
  if (status.ok()) {
    SqliteTransaction tx(*reader);
    status = RunBody(body, tx);
    // A read transaction has nothing to commit; COMMIT ends its snapshot.
    if (sqlite3_get_autocommit(reader->db) == 0) {
      Status end = reader->Run(status.ok() ? "COMMIT" : "ROLLBACK");
      if (status.ok()) status = end;
    }
  }
  if (sqlite3_get_autocommit(reader->db) == 0) {
    // Stuck inside a transaction: drop the connection, not the next read.
    reader.reset();
  }
  ReturnReader(std::move(reader));
  return status;
}

Status SqliteDatabase::InTransaction(
    SqlMode mode, const std::function<Status(SqlTransaction&)>& body) {
  if (mode == SqlMode::kRead) return Read(body);
  PendingWrite me{mode, &body, OkStatus()};
  std::unique_lock<std::mutex> lock(write_mu_);
  write_queue_.push_back(&me);
  // Wait until a leader has run this body, or lead the next batches.
  me.wake.wait(lock, [&] { return me.done || !leading_; });
  if (me.done) return me.status;
  leading_ = true;
  while (!me.done) {
    // A batch: the writes queued, in order, up to kMaxBatch; a schema
    // change runs alone.
    std::vector<PendingWrite*> batch;
    while (!write_queue_.empty() && batch.size() < kMaxBatch) {
      PendingWrite* next = write_queue_.front();
      bool alone = next->mode == SqlMode::kSchema;
      if (alone && !batch.empty()) break;
      batch.push_back(next);
      write_queue_.pop_front();
      if (alone) break;
    }
    lock.unlock();
    RunBatch(batch);
    lock.lock();
    for (PendingWrite* write : batch) {
      write->done = true;
      if (write != &me) write->wake.notify_one();
    }
  }
  // Hand the lead to the oldest waiter (writes that queued during the last
  // batch), which takes them all as its batch.
  leading_ = false;
  if (!write_queue_.empty()) write_queue_.front()->wake.notify_one();
  return me.status;
}

void SqliteDatabase::RunBatch(std::span<PendingWrite* const> batch) {
  Connection& writer = *writer_;
  // IMMEDIATE takes the write lock before the first read, so what a write
  // transaction reads cannot change before it commits.
  Status begin = writer.Run("BEGIN IMMEDIATE");
  if (!begin.ok()) {
    for (PendingWrite* write : batch) write->status = begin;
    return;
  }
  SqliteTransaction tx(writer);
  // One body alone needs no savepoint: ROLLBACK undoes it.
  const bool savepoints = batch.size() > 1;
  for (size_t i = 0; i < batch.size(); ++i) {
    PendingWrite& write = *batch[i];
    Status status = savepoints ? writer.Run("SAVEPOINT body") : OkStatus();
    if (status.ok()) status = RunBody(*write.body, tx);
    if (sqlite3_get_autocommit(writer.db) != 0) {
      // SQLite rolled the whole transaction back (an I/O error, a full
      // disk): the bodies before this one are undone too, and the rest
      // run in a batch of their own.
      Error lost(
          ErrorCode::kIo,
          "transaction rolled back by SQLite" +
              (status.ok() ? std::string() : ": " + status.error().ToString()));
      for (size_t j = 0; j < i; ++j) {
        if (batch[j]->status.ok()) batch[j]->status = lost;
      }
      write.status = status.ok() ? Status(lost) : std::move(status);
      RunBatch(batch.subspan(i + 1));
      return;
    }
    if (savepoints) {
      // ROLLBACK TO undoes the body's changes and keeps the savepoint;
      // RELEASE then removes it (and commits nothing yet).
      Status end = status.ok() ? OkStatus() : writer.Run("ROLLBACK TO body");
      if (end.ok()) end = writer.Run("RELEASE body");
      if (!end.ok() && status.ok()) status = end;
    }
    write.status = std::move(status);
  }
  Status commit = OkStatus();
  if (!savepoints && !batch.front()->status.ok()) {
    commit = writer.Run("ROLLBACK");
    if (commit.ok()) return;
  } else {
    commit = writer.Run("COMMIT");
    if (commit.ok()) return;
    for (PendingWrite* write : batch) {
      if (write->status.ok()) write->status = commit;
    }
  }
  if (sqlite3_get_autocommit(writer.db) == 0) {
    Status rollback = writer.Run("ROLLBACK");
    if (!rollback.ok() && sqlite3_get_autocommit(writer.db) == 0) {
      // The connection is stuck inside a transaction: every later call
      // would fail, so say so rather than return the original error alone.
      for (PendingWrite* write : batch) {
        write->status = Error(
            ErrorCode::kInternal,
            (write->status.ok() ? commit : write->status).error().ToString() +
                "; " + rollback.error().ToString());
      }
    }
  }
}

}  // namespace mtc::log
