// A LogStateStore in memory, for tests and benchmarks: the same rules as
// SqlLogStateStore (store_rules.h), plus failure injection before any
// operation (docs/design.md §6).
#ifndef MTC_LOG_MEMORY_STATE_STORE_H_
#define MTC_LOG_MEMORY_STATE_STORE_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "log/storage.h"
#include "mtc/base/result.h"

namespace mtc::log {

// Thread-safe.
class MemoryLogStateStore : public LogStateStore {
 public:
  // `fault_hook`, if set, is called before each operation with its method
  // name ("GetTreeHead", "CompareAndSwapTreeHead", "GetLandmarks",
  // "AppendLandmark", "GetCurrentLog", "CompareAndSwapCurrentLog"); a non-OK
  // status is returned instead of doing the operation. It is called without
  // the store's lock held, so it may call back into the store.
  explicit MemoryLogStateStore(FaultHook fault_hook = nullptr);

  // Replaces the fault hook (nullptr: none).
  void SetFaultHook(FaultHook fault_hook);

  Result<TreeHead> GetTreeHead(uint32_t log_number) override;
  Status CompareAndSwapTreeHead(uint32_t log_number, const TreeHead& expected,
                                const TreeHead& next) override;
  Result<std::vector<uint64_t>> GetLandmarks(uint32_t log_number) override;
  Status AppendLandmark(uint32_t log_number, uint64_t number,
                        uint64_t tree_size) override;
  Result<uint32_t> GetCurrentLog() override;
  Status CompareAndSwapCurrentLog(uint32_t expected, uint32_t next) override;

 private:
  Status RunFaultHook(std::string_view operation) const;
  TreeHead HeadLocked(uint32_t log_number) const;  // requires mu_

  mutable std::mutex mu_;
  FaultHook fault_hook_;                                 // guarded by mu_
  std::map<uint32_t, TreeHead> heads_;                   // guarded by mu_
  std::map<uint32_t, std::vector<uint64_t>> landmarks_;  // guarded by mu_
  uint32_t current_log_ = 1;                             // guarded by mu_
};

}  // namespace mtc::log

#endif  // MTC_LOG_MEMORY_STATE_STORE_H_
