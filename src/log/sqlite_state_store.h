// The embedded default LogStateStore (docs/design.md §6): the SqlLogStateStore
// on one SQLite database file in the CA's data directory, in WAL mode with
// synchronous=FULL, so a write that returned is durable, and every
// compare-and-swap runs in one BEGIN IMMEDIATE transaction, so processes
// sharing the file serialize on SQLite's write lock and two of them can never
// both win.
#ifndef MTC_LOG_SQLITE_STATE_STORE_H_
#define MTC_LOG_SQLITE_STATE_STORE_H_

#include <chrono>
#include <memory>
#include <string>

#include "log/sqlite_database.h"
#include "log/sql_state_store.h"
#include "mtc/base/result.h"

namespace mtc::log {

struct SqliteLogStateStore {
  // Opens the database at `path`, creating the file and its schema if absent.
  // kUnsupported for a database of another schema version, kIo if the file
  // cannot be opened or is not a database; kUnavailable when another writer
  // holds it longer than `busy_timeout`.
  static Result<std::unique_ptr<SqlLogStateStore>> Open(
      const std::string& path,
      std::chrono::milliseconds busy_timeout =
          SqliteDatabase::kDefaultBusyTimeout);
};

}  // namespace mtc::log

#endif  // MTC_LOG_SQLITE_STATE_STORE_H_
