#include "log/memory_tile_store.h"

#include <algorithm>
#include <utility>

#include "log/store_rules.h"

namespace mtc::log {

MemoryTileStore::MemoryTileStore(FaultHook fault_hook)
    : fault_hook_(std::move(fault_hook)) {}

void MemoryTileStore::SetFaultHook(FaultHook fault_hook) {
  std::lock_guard<std::mutex> lock(mu_);
  fault_hook_ = std::move(fault_hook);
}

Status MemoryTileStore::RunFaultHook(std::string_view operation,
                                     std::string_view path) const {
  FaultHook hook;
  {
    std::lock_guard<std::mutex> lock(mu_);
    hook = fault_hook_;
  }
  if (!hook) return OkStatus();
  std::string name(operation);
  name += " ";
  name += path;
  return hook(name);
}

Status MemoryTileStore::PutImmutable(std::string_view path,
                                     std::span<const uint8_t> data) {
  MTC_RETURN_IF_ERROR(CheckImmutablePath(path));
  MTC_RETURN_IF_ERROR(RunFaultHook("PutImmutable", path));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find(path);
  if (it != objects_.end()) {
    if (std::equal(it->second.begin(), it->second.end(), data.begin(),
                   data.end())) {
      return OkStatus();
    }
    return Error(ErrorCode::kConflict,
                 "immutable object " + std::string(path) +
                     " already exists with different contents");
  }
  objects_.emplace(std::string(path),
                   std::vector<uint8_t>(data.begin(), data.end()));
  return OkStatus();
}

Status MemoryTileStore::PutStaged(std::span<const StagedObject> objects) {
  // Object by object: a failure part way leaves earlier objects stored, as a
  // crash part way through a real store's batch can.
  for (const StagedObject& o : objects) {
    MTC_RETURN_IF_ERROR(CheckImmutablePath(o.path));
    MTC_RETURN_IF_ERROR(RunFaultHook("PutStaged", o.path));
    std::lock_guard<std::mutex> lock(mu_);
    objects_.insert_or_assign(o.path, o.data);
  }
  return OkStatus();
}

Status MemoryTileStore::PutMutable(std::string_view path,
                                   std::span<const uint8_t> data) {
  MTC_RETURN_IF_ERROR(CheckMutablePath(path));
  MTC_RETURN_IF_ERROR(RunFaultHook("PutMutable", path));
  std::lock_guard<std::mutex> lock(mu_);
  objects_.insert_or_assign(std::string(path),
                            std::vector<uint8_t>(data.begin(), data.end()));
  return OkStatus();
}

Result<std::vector<uint8_t>> MemoryTileStore::Get(std::string_view path) const {
  MTC_RETURN_IF_ERROR(CheckObjectPath(path));
  MTC_RETURN_IF_ERROR(RunFaultHook("Get", path));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find(path);
  if (it == objects_.end()) {
    return Error(ErrorCode::kNotFound, "no object " + std::string(path));
  }
  return it->second;
}

std::vector<std::string> MemoryTileStore::Paths() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> paths;
  paths.reserve(objects_.size());
  for (const auto& [path, data] : objects_) paths.push_back(path);
  return paths;
}

bool MemoryTileStore::Remove(std::string_view path) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find(path);
  if (it == objects_.end()) return false;
  objects_.erase(it);
  return true;
}

}  // namespace mtc::log
