// The embedded default LogStateStore (docs/design.md §6): one SQLite database
// file in the CA's data directory, in WAL mode with synchronous=FULL, so a
// write that returned is durable, and every compare-and-swap runs in one
// BEGIN IMMEDIATE transaction, so processes sharing the file serialize on
// SQLite's write lock and two of them can never both win.
#ifndef MTC_LOG_SQLITE_STATE_STORE_H_
#define MTC_LOG_SQLITE_STATE_STORE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "log/storage.h"
#include "mtc/base/result.h"

struct sqlite3;

namespace mtc::log {

namespace internal {
struct SqliteCloser {
  void operator()(sqlite3* db) const;
};
}  // namespace internal

// Thread-safe: one connection, used under a mutex, so calls from threads of
// one process are serialized; other processes (or other store objects on the
// same file) are serialized by SQLite's locks, waiting up to the busy timeout.
//
// Sizes and tree sizes are stored as SQLite INTEGERs (signed 64-bit) holding
// the same bits as the uint64_t.
class SqliteLogStateStore : public LogStateStore {
 public:
  static constexpr std::chrono::milliseconds kDefaultBusyTimeout{10000};

  // Opens the database at `path`, creating the file and its schema if absent.
  // kUnsupported for a database of another schema version, kIo if the file
  // cannot be opened or is not a database.
  static Result<std::unique_ptr<SqliteLogStateStore>> Open(
      const std::string& path,
      std::chrono::milliseconds busy_timeout = kDefaultBusyTimeout);

  ~SqliteLogStateStore() override;
  SqliteLogStateStore(const SqliteLogStateStore&) = delete;
  SqliteLogStateStore& operator=(const SqliteLogStateStore&) = delete;

  // kUnavailable when another writer held the database longer than the busy
  // timeout; kInternal if the stored state breaks an invariant.
  Result<TreeHead> GetTreeHead(uint32_t log_number) override;
  // In addition to the compare, refuses (kInvalidArgument) a `next` that
  // shrinks or forks the log (CheckTreeHeadTransition).
  Status CompareAndSwapTreeHead(uint32_t log_number, const TreeHead& expected,
                                const TreeHead& next) override;
  Result<std::vector<uint64_t>> GetLandmarks(uint32_t log_number) override;
  Status AppendLandmark(uint32_t log_number, uint64_t number,
                        uint64_t tree_size) override;
  Result<uint32_t> GetCurrentLog() override;
  // In addition to the compare, refuses (kInvalidArgument) a `next` that does
  // not exceed `expected` (CheckCurrentLogTransition).
  Status CompareAndSwapCurrentLog(uint32_t expected, uint32_t next) override;

 private:
  using UniqueSqlite = std::unique_ptr<sqlite3, internal::SqliteCloser>;

  explicit SqliteLogStateStore(UniqueSqlite db);

  // Runs `body` between BEGIN IMMEDIATE and COMMIT, rolling back if `body`
  // or COMMIT fails. Requires mu_.
  Status InTransaction(const std::function<Status()>& body);
  // Requires mu_.
  Result<TreeHead> ReadTreeHead(uint32_t log_number);
  Result<std::vector<uint64_t>> ReadLandmarks(uint32_t log_number);
  Result<uint32_t> ReadCurrentLog();

  std::mutex mu_;
  UniqueSqlite db_;  // guarded by mu_ (the pointer itself is set once)
};

}  // namespace mtc::log

#endif  // MTC_LOG_SQLITE_STATE_STORE_H_
