#include "log/memory_state_store.h"

#include <string>
#include <utility>

#include "log/store_rules.h"

namespace mtc::log {

MemoryLogStateStore::MemoryLogStateStore(FaultHook fault_hook)
    : fault_hook_(std::move(fault_hook)) {}

void MemoryLogStateStore::SetFaultHook(FaultHook fault_hook) {
  std::lock_guard<std::mutex> lock(mu_);
  fault_hook_ = std::move(fault_hook);
}

Status MemoryLogStateStore::RunFaultHook(std::string_view operation) const {
  FaultHook hook;
  {
    std::lock_guard<std::mutex> lock(mu_);
    hook = fault_hook_;
  }
  return hook ? hook(operation) : OkStatus();
}

TreeHead MemoryLogStateStore::HeadLocked(uint32_t log_number) const {
  auto it = heads_.find(log_number);
  if (it != heads_.end()) return it->second;
  return TreeHead{0, merkle::EmptyTreeHash()};
}

Result<TreeHead> MemoryLogStateStore::GetTreeHead(uint32_t log_number) {
  MTC_RETURN_IF_ERROR(RunFaultHook("GetTreeHead"));
  std::lock_guard<std::mutex> lock(mu_);
  return HeadLocked(log_number);
}

Status MemoryLogStateStore::CompareAndSwapTreeHead(uint32_t log_number,
                                                   const TreeHead& expected,
                                                   const TreeHead& next) {
  MTC_RETURN_IF_ERROR(RunFaultHook("CompareAndSwapTreeHead"));
  std::lock_guard<std::mutex> lock(mu_);
  if (HeadLocked(log_number) != expected) {
    return Error(ErrorCode::kConflict, "tree head of log " +
                                           std::to_string(log_number) +
                                           " is not the expected one");
  }
  MTC_RETURN_IF_ERROR(CheckTreeHeadTransition(expected, next));
  heads_[log_number] = next;
  return OkStatus();
}

Result<std::vector<uint64_t>> MemoryLogStateStore::GetLandmarks(
    uint32_t log_number) {
  MTC_RETURN_IF_ERROR(RunFaultHook("GetLandmarks"));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = landmarks_.find(log_number);
  if (it == landmarks_.end()) return std::vector<uint64_t>();
  return it->second;
}

Status MemoryLogStateStore::AppendLandmark(uint32_t log_number, uint64_t number,
                                           uint64_t tree_size) {
  MTC_RETURN_IF_ERROR(RunFaultHook("AppendLandmark"));
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<uint64_t>& sizes = landmarks_[log_number];
  MTC_RETURN_IF_ERROR(CheckLandmarkAppend(
      sizes.size(), sizes.empty() ? 0 : sizes.back(), number, tree_size));
  sizes.push_back(tree_size);
  return OkStatus();
}

Result<uint32_t> MemoryLogStateStore::GetCurrentLog() {
  MTC_RETURN_IF_ERROR(RunFaultHook("GetCurrentLog"));
  std::lock_guard<std::mutex> lock(mu_);
  return current_log_;
}

Status MemoryLogStateStore::CompareAndSwapCurrentLog(uint32_t expected,
                                                     uint32_t next) {
  MTC_RETURN_IF_ERROR(RunFaultHook("CompareAndSwapCurrentLog"));
  std::lock_guard<std::mutex> lock(mu_);
  if (current_log_ != expected) {
    return Error(ErrorCode::kConflict, "current log is " +
                                           std::to_string(current_log_) +
                                           ", not " + std::to_string(expected));
  }
  MTC_RETURN_IF_ERROR(CheckCurrentLogTransition(expected, next));
  current_log_ = next;
  return OkStatus();
}

}  // namespace mtc::log
