// A TileStore in memory, for tests and benchmarks: it follows the same rules
// as DirectoryTileStore (store_rules.h) and can inject a failure before any
// operation (docs/design.md §6: "each with an in-memory implementation that
// can inject failures").
#ifndef MTC_LOG_MEMORY_TILE_STORE_H_
#define MTC_LOG_MEMORY_TILE_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "log/storage.h"
#include "mtc/base/result.h"

namespace mtc::log {

// Thread-safe.
class MemoryTileStore : public TileStore {
 public:
  // `fault_hook`, if set, is called before each operation with
  // "PutImmutable <path>", "PutStaged <path>", "PutMutable <path>" or
  // "Get <path>"; a non-OK
  // status is returned instead of doing the operation. It is called without
  // the store's lock held, so it may call back into the store.
  explicit MemoryTileStore(FaultHook fault_hook = nullptr);

  // Replaces the fault hook (nullptr: none).
  void SetFaultHook(FaultHook fault_hook);

  Status PutImmutable(std::string_view path,
                      std::span<const uint8_t> data) override;
  Status PutStaged(std::span<const StagedObject> objects) override;
  Status PutMutable(std::string_view path,
                    std::span<const uint8_t> data) override;
  Result<std::vector<uint8_t>> Get(std::string_view path) const override;

  // Every stored path, sorted.
  std::vector<std::string> Paths() const;
  // Removes an object, as an operator or a pruning job might; for tests of
  // readers that must cope with a missing object. Returns whether it existed.
  bool Remove(std::string_view path);

 private:
  Status RunFaultHook(std::string_view operation, std::string_view path) const;

  mutable std::mutex mu_;
  FaultHook fault_hook_;  // guarded by mu_
  std::map<std::string, std::vector<uint8_t>, std::less<>>
      objects_;  // guarded by mu_
};

}  // namespace mtc::log

#endif  // MTC_LOG_MEMORY_TILE_STORE_H_
