#include "log/store_rules.h"

#include <string>

#include "mtc/tlog/tile_path.h"

namespace mtc::log {

Status CheckImmutablePath(std::string_view path) {
  if (!tlog::ParseTilePath(path).ok()) {
    return Error(
        ErrorCode::kInvalidArgument,
        "\"" + std::string(path) + "\" is not a tile or entry bundle path");
  }
  return OkStatus();
}

Status CheckMutablePath(std::string_view path) {
  if (path != kCheckpointPath && path != kLandmarksPath) {
    return Error(ErrorCode::kInvalidArgument,
                 "\"" + std::string(path) +
                     "\" is not a mutable object (checkpoint, landmarks)");
  }
  return OkStatus();
}

Status CheckObjectPath(std::string_view path) {
  if (CheckMutablePath(path).ok()) return OkStatus();
  if (CheckImmutablePath(path).ok()) return OkStatus();
  return Error(ErrorCode::kInvalidArgument,
               "\"" + std::string(path) + "\" is not an object of a log");
}

Status CheckTreeHeadTransition(const TreeHead& expected, const TreeHead& next) {
  if (next.size < expected.size) {
    return Error(ErrorCode::kInvalidArgument,
                 "tree head would shrink from " +
                     std::to_string(expected.size) + " to " +
                     std::to_string(next.size));
  }
  if (next.size == expected.size && next.root != expected.root) {
    return Error(ErrorCode::kInvalidArgument,
                 "tree head of size " + std::to_string(next.size) +
                     " would change its root: a fork");
  }
  return OkStatus();
}

Status CheckLandmarkAppend(uint64_t last_number, uint64_t last_size,
                           uint64_t number, uint64_t tree_size) {
  if (number != last_number + 1) {
    return Error(ErrorCode::kConflict, "landmark " + std::to_string(number) +
                                           " is not the next landmark (" +
                                           std::to_string(last_number + 1) +
                                           ")");
  }
  if (tree_size <= last_size) {
    return Error(ErrorCode::kConflict,
                 "landmark " + std::to_string(number) + " tree size " +
                     std::to_string(tree_size) +
                     " does not exceed the previous landmark's " +
                     std::to_string(last_size));
  }
  return OkStatus();
}

Status CheckCurrentLogTransition(uint32_t expected, uint32_t next) {
  if (next <= expected) {
    return Error(ErrorCode::kInvalidArgument,
                 "current log would move back from " +
                     std::to_string(expected) + " to " + std::to_string(next));
  }
  return OkStatus();
}

}  // namespace mtc::log
