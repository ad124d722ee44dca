// SqlDatabase on one SQLite file (docs/design.md §6, the embedded default):
// WAL mode, so readers run beside the writer; synchronous=FULL, so a
// transaction that committed survives power loss; foreign keys enforced.
// Writers take SQLite's write lock when they begin (BEGIN IMMEDIATE), so
// every read of a write transaction sees what it will update: connections
// of several processes on one file serialize there, waiting up to the busy
// timeout.
//
// Group commit: write transactions that wait for each other run as one
// SQLite transaction with one fsync, each body in its own SAVEPOINT (so a
// body that fails undoes only its own changes). InTransaction still returns
// only after the COMMIT that made its body durable, so nothing a caller
// learns from a write can be lost in a crash; a body sees the changes of
// the bodies before it in its batch, which commit (or fail) with it.
// Readers never see a write before it is durable: SQLite publishes a WAL
// commit to readers only after its fsync.
#ifndef MTC_LOG_SQLITE_DATABASE_H_
#define MTC_LOG_SQLITE_DATABASE_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "log/sql_database.h"
#include "mtc/base/result.h"

struct sqlite3;

namespace mtc::log {

// Thread-safe. Reads run concurrently on up to kMaxReaders connections of
// their own; writes run on one writer connection, batched as above.
class SqliteDatabase : public SqlDatabase {
 public:
  static constexpr std::chrono::milliseconds kDefaultBusyTimeout{10000};
  // Read connections opened at most; more readers at once wait for one.
  static constexpr size_t kMaxReaders = 8;
  // Write bodies committed together at most.
  static constexpr size_t kMaxBatch = 256;

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

  // kRead: BEGIN on a read connection (a snapshot from the first read on;
  // writing fails); kWrite: queued for the next batch, BEGIN IMMEDIATE;
  // kSchema: BEGIN IMMEDIATE, alone in its batch. A busy timeout is
  // kUnavailable. A body that throws fails with kInternal.
  Status InTransaction(
      SqlMode mode,
      const std::function<Status(SqlTransaction&)>& body) override;

  // An open connection and its prepared statements (sqlite_database.cc).
  struct Connection;

 private:
  // A write transaction waiting for (or in) a batch. Each has its own
  // condition variable, so that a finished batch wakes exactly its writers
  // and a hand-off wakes exactly the next leader.
  struct PendingWrite {
    SqlMode mode;
    const std::function<Status(SqlTransaction&)>* body;
    Status status;
    bool done = false;  // guarded by write_mu_
    std::condition_variable wake;
  };

  SqliteDatabase(std::string path, std::chrono::milliseconds busy_timeout,
                 std::unique_ptr<Connection> writer);

  Status Read(const std::function<Status(SqlTransaction&)>& body);
  Result<std::unique_ptr<Connection>> TakeReader();
  void ReturnReader(std::unique_ptr<Connection> reader);
  // Runs `batch` in one transaction on writer_ and sets each status. Called
  // only by the current leader (write_mu_ not held).
  void RunBatch(std::span<PendingWrite* const> batch);

  const std::string path_;
  const std::chrono::milliseconds busy_timeout_;

  // Owned by whichever thread leads the current batch.
  const std::unique_ptr<Connection> writer_;

  std::mutex write_mu_;
  std::deque<PendingWrite*> write_queue_;  // guarded by write_mu_
  bool leading_ = false;                   // guarded by write_mu_

  std::mutex read_mu_;
  std::condition_variable read_cv_;
  // Both guarded by read_mu_.
  std::vector<std::unique_ptr<Connection>> idle_readers_;
  size_t readers_open_ = 0;
};

}  // namespace mtc::log

#endif  // MTC_LOG_SQLITE_DATABASE_H_
