// The LogStateStore on a SqlDatabase (docs/design.md §6): SQLite in the CA
// directory by default (SqliteLogStateStore::Open), PostgreSQL so that
// several `mtc ca serve` processes share each log's committed tree head,
// landmark sequence and the current log number (the database from
// acme::PostgresDatabase::Open(conninfo): libpq is linked by the ACME layer,
// not by this one). Its SQL is what both dialects share; tables tree_heads,
// landmarks, current_log, component "log_state" of mtc_schema.
//
// Every compare-and-swap reads the current value, checks it against
// `expected` and the store rules (store_rules.h), then writes with the
// compare repeated in the statement: `UPDATE ... WHERE <key> AND <value> =
// <expected>`, or an INSERT on the row's primary key where no row existed.
// So when two processes race, the second either waits for the first and
// finds its WHERE clause false, or hits the key the first inserted: both
// are kConflict, and no interleaving lets two of them win.
#ifndef MTC_LOG_SQL_STATE_STORE_H_
#define MTC_LOG_SQL_STATE_STORE_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "log/sql_database.h"
#include "log/storage.h"
#include "mtc/base/result.h"

namespace mtc::log {

// Thread-safe (the database is).
class SqlLogStateStore : public LogStateStore {
 public:
  static constexpr int64_t kSchemaVersion = 1;

  // Creates the schema if the database has none; kUnsupported for another
  // schema version.
  static Result<std::unique_ptr<SqlLogStateStore>> Open(
      std::unique_ptr<SqlDatabase> db);

  // kInternal if the stored state breaks an invariant; kUnavailable when
  // the database cannot be reached.
  Result<TreeHead> GetTreeHead(uint32_t log_number) override;
  // In addition to the compare, refuses (kInvalidArgument) a `next` that
  // shrinks or forks the log (CheckTreeHeadTransition).
  Status CompareAndSwapTreeHead(uint32_t log_number, const TreeHead& expected,
                                const TreeHead& next) override;
  Result<std::vector<uint64_t>> GetLandmarks(uint32_t log_number) override;
  Status AppendLandmark(uint32_t log_number, uint64_t number,
                        uint64_t tree_size) override;
  Result<uint32_t> GetCurrentLog() override;
  // In addition to the compare, refuses (kInvalidArgument) a `next` that
  // does not exceed `expected` (CheckCurrentLogTransition).
  Status CompareAndSwapCurrentLog(uint32_t expected, uint32_t next) override;

 private:
  explicit SqlLogStateStore(std::unique_ptr<SqlDatabase> db)
      : db_(std::move(db)) {}

  std::unique_ptr<SqlDatabase> db_;
};

}  // namespace mtc::log

#endif  // MTC_LOG_SQL_STATE_STORE_H_
