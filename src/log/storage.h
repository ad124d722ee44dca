// Storage behind an issuance log (docs/design.md §5, §6): object storage for
// tiles, entry bundles, the checkpoint and the landmarks file, and a
// compare-and-swap store for each log's committed tree head, landmark
// sequence and the CA's current log number.
//
// The commit protocol uses them in this order, and only this order:
//   1. TileStore::PutStaged for every new tile and entry bundle (durable
//      before it returns);
//   2. LogStateStore::CompareAndSwapTreeHead: the commit point;
//   3. TileStore::PutMutable for the signed checkpoint and landmarks.
#ifndef MTC_LOG_STORAGE_H_
#define MTC_LOG_STORAGE_H_

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mtc/base/result.h"
#include "mtc/merkle/hash.h"

namespace mtc::log {

// One object of a commit, for TileStore::PutStaged.
struct StagedObject {
  std::string path;
  std::vector<uint8_t> data;
};

// Objects of one log, addressed by their path under the log prefix
// ("tile/0/x001/234", "tile/entries/000.p/7", "checkpoint", "landmarks").
// Implementations are thread-safe.
class TileStore {
 public:
  virtual ~TileStore() = default;

  // Stores an immutable object durably: when this returns OK the bytes
  // survive a crash, and a reader sees either nothing or all of them.
  // Re-putting identical bytes is OK (recovery re-applies); different bytes
  // for an existing path is kConflict: immutable objects never change.
  virtual Status PutImmutable(std::string_view path,
                              std::span<const uint8_t> data) = 0;
  // Stores the tiles and entry bundles of a commit that has not reached its
  // commit point, all durable when it returns, each replacing whatever is at
  // its path. Every path a commit writes lies beyond the committed tree (its
  // width grew), so an object already there is the remains of a commit that
  // crashed before its commit point, never committed data: replacing it is
  // what recovery needs. One call per commit lets a store make the whole
  // batch durable at once.
  virtual Status PutStaged(std::span<const StagedObject> objects) = 0;
  // Replaces a mutable object ("checkpoint", "landmarks") atomically and
  // durably.
  virtual Status PutMutable(std::string_view path,
                            std::span<const uint8_t> data) = 0;
  // kNotFound when absent.
  virtual Result<std::vector<uint8_t>> Get(std::string_view path) const = 0;
};

// A log's committed state: tree size and root hash.
struct TreeHead {
  uint64_t size = 0;
  merkle::Hash root{};  // MTH of the empty tree when size is 0
  bool operator==(const TreeHead&) const = default;
};

// Per-CA state that must never fork. Implementations are thread-safe; every
// write is durable when it returns.
class LogStateStore {
 public:
  virtual ~LogStateStore() = default;

  // The committed head of log `log_number`; size 0 and the empty-tree root
  // when nothing was ever committed.
  virtual Result<TreeHead> GetTreeHead(uint32_t log_number) = 0;
  // Replaces the head with `next` if it is still `expected`; kConflict
  // otherwise (another writer, or state that moved under us).
  virtual Status CompareAndSwapTreeHead(uint32_t log_number,
                                        const TreeHead& expected,
                                        const TreeHead& next) = 0;

  // The landmark sequence of a log: tree sizes of landmarks 1, 2, 3, ...,
  // element i being landmark i + 1's (landmark 0 has size 0 and is implicit:
  // an empty vector means only landmark 0 exists).
  virtual Result<std::vector<uint64_t>> GetLandmarks(uint32_t log_number) = 0;
  // Appends landmark `number` with `tree_size`; kConflict unless `number` is
  // exactly the next number and `tree_size` exceeds the last size.
  virtual Status AppendLandmark(uint32_t log_number, uint64_t number,
                                uint64_t tree_size) = 0;

  // The CA's current log number (1 on a new CA).
  virtual Result<uint32_t> GetCurrentLog() = 0;
  // Moves issuance to `next` if the current log is still `expected`.
  virtual Status CompareAndSwapCurrentLog(uint32_t expected, uint32_t next) = 0;
};

// Fault injection for the in-memory stores: called with the name of each
// operation ("PutImmutable tile/0/000", "CompareAndSwapTreeHead", ...) before
// it takes effect; a non-OK status fails that operation without effect.
using FaultHook = std::function<Status(std::string_view operation)>;

}  // namespace mtc::log

#endif  // MTC_LOG_STORAGE_H_
