// The witness's durable state (spec/c2sp-tlog-witness.md §add-checkpoint:
// "the witness is only required to keep track of the latest checkpoint it
// observed and verified"): per log origin, the size and root hash of the
// latest checkpoint it cosigned, and that checkpoint as served by §Monitor
// Retrieval Mechanism. Kept in one SQLite file (WAL, synchronous=FULL).
#ifndef MTC_WITNESS_STATE_STORE_H_
#define MTC_WITNESS_STATE_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "mtc/base/result.h"
#include "mtc/merkle/hash.h"

struct sqlite3;

namespace mtc::witness {

// The latest checkpoint the witness cosigned for one origin.
struct LogState {
  uint64_t tree_size = 0;
  merkle::Hash root_hash{};
  // The signed note: the checkpoint text, the log signatures that verified,
  // and the witness's cosignatures.
  std::string checkpoint;

  bool operator==(const LogState&) const = default;
};

// Thread-safe: one connection, guarded by a mutex. Several StateStores (in
// one process or several) may share a file; Update() is atomic across all of
// them.
class StateStore {
 public:
  // Opens or creates the database at `path`, creating the schema on first
  // open. kUnsupported for a file written by a newer schema version.
  static Result<std::unique_ptr<StateStore>> Open(const std::string& path);

  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;
  ~StateStore();

  // The stored state of `origin`, or nullopt if it never had one.
  Result<std::optional<LogState>> Get(std::string_view origin);

  // The check-and-persist of §add-checkpoint, which "must be performed
  // atomically": in one SQLite transaction begun IMMEDIATE (so it holds the
  // file's write lock from the start), reads the state of `origin`, passes it
  // to `decide`, writes what `decide` returns (nothing for nullopt) and
  // commits. An error from `decide` rolls back and is returned as is. When
  // this returns OK the write is durable. kUnavailable if another writer
  // holds the lock for longer than the busy timeout; kIo for other database
  // failures.
  using Decide = std::function<Result<std::optional<LogState>>(
      const std::optional<LogState>& current)>;
  Status Update(std::string_view origin, const Decide& decide);

 private:
  explicit StateStore(sqlite3* db) : db_(db) {}

  std::mutex mu_;
  sqlite3* db_;  // owned; guarded by mu_
};

}  // namespace mtc::witness

#endif  // MTC_WITNESS_STATE_STORE_H_
