// SqlDatabase on one SQLite file (docs/design.md §6, the embedded default):
// WAL mode, so readers run beside the writer; synchronous=FULL, so a
// transaction that committed survives power loss; foreign keys enforced.
// Writers take SQLite's write lock when they begin (BEGIN IMMEDIATE), so
// every read of a write transaction sees what it will update: connections
// of several processes on one file serialize there, waiting up to the busy
// timeout.
#ifndef MTC_LOG_SQLITE_DATABASE_H_
#define MTC_LOG_SQLITE_DATABASE_H_

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "log/sql_database.h"
#include "mtc/base/result.h"

struct sqlite3;

namespace mtc::log {

// Thread-safe: one connection used under a mutex, so transactions of one
// object run one at a time.
class SqliteDatabase : public SqlDatabase {
 public:
  static constexpr std::chrono::milliseconds kDefaultBusyTimeout{10000};

  // Opens (creating if absent) the database file at `path`. kIo when it
  // cannot be opened or is not a database; kUnsupported when it cannot use
  // WAL mode.
  static Result<std::unique_ptr<SqliteDatabase>> Open(
      const std::string& path,
      std::chrono::milliseconds busy_timeout = kDefaultBusyTimeout);

  ~SqliteDatabase() override;
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  SqlDialect dialect() const override { return SqlDialect::kSqlite; }

  // kRead: BEGIN (a snapshot from the first read on); kWrite and kSchema:
  // BEGIN IMMEDIATE. A busy timeout is kUnavailable.
  Status InTransaction(
      SqlMode mode,
      const std::function<Status(SqlTransaction&)>& body) override;

 private:
  explicit SqliteDatabase(sqlite3* db);

  std::mutex mu_;
  sqlite3* const db_;  // owned; used under mu_
};

}  // namespace mtc::log

#endif  // MTC_LOG_SQLITE_DATABASE_H_
