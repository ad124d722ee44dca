// The default TileStore (docs/design.md §6): one local directory per log,
// laid out exactly as the log's URL space (C2SP tlog-tiles §APIs), so any
// static web server or CDN origin can serve it as is: "tile/0/x001/234" is the
// file <root>/tile/0/x001/234.
//
// Every write follows docs/design.md §5 step 1: write a temporary file in the
// target's directory, fsync it, rename it to the target, fsync the directory
// (and the parent of every directory the write created). A reader therefore
// sees either no file or all of it, and an OK return means the bytes survive
// a crash or power loss.
#ifndef MTC_LOG_DIRECTORY_TILE_STORE_H_
#define MTC_LOG_DIRECTORY_TILE_STORE_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "log/storage.h"
#include "mtc/base/result.h"

namespace mtc::log {

// Thread-safe, and safe for several processes sharing the directory: it keeps
// no mutable state of its own; temporary names are unique (mkstemp), and an
// immutable object is published with a rename that refuses to replace an
// existing file, so two writers of one path cannot both succeed with
// different bytes.
//
// Only canonical tile and entry bundle paths (PutImmutable) and "checkpoint"
// and "landmarks" (PutMutable) are accepted (store_rules.h), so no path can
// name a file outside the directory.
class DirectoryTileStore : public TileStore {
 public:
  // Opens the store rooted at `root`, creating the directory (and its
  // parents) if absent.
  static Result<std::unique_ptr<DirectoryTileStore>> Open(std::string root);

  // If the file exists, compares bytes: identical is OK (after making sure
  // the existing file and its directory entry are on disk, in case an earlier
  // writer crashed before its fsync of the directory), different is
  // kConflict. kIo on any failed system call.
  Status PutImmutable(std::string_view path,
                      std::span<const uint8_t> data) override;
  // Writes every object to a temporary file, makes them all durable with one
  // syncfs(2), renames each over its target, and syncs the file system once
  // more for the renames: two flushes per commit instead of two per file.
  Status PutStaged(std::span<const StagedObject> objects) override;
  Status PutMutable(std::string_view path,
                    std::span<const uint8_t> data) override;
  Result<std::vector<uint8_t>> Get(std::string_view path) const override;

  const std::string& root() const { return root_; }

  // Deletes the temporary files that writers killed mid-write left behind
  // (".<name>.tmp-XXXXXX"; never objects, never served). Only for the one
  // process that writes this directory, at startup: a concurrent writer's
  // temporary file would be lost. Returns how many were removed.
  Result<size_t> RemoveTemporaryFiles();

 private:
  explicit DirectoryTileStore(std::string root) : root_(std::move(root)) {}
  // Writes `path` (already checked) through a temporary file and a rename
  // that replaces the old version: readers see the old bytes or the new.
  Status PutReplacing(std::string_view path, std::span<const uint8_t> data);

  const std::string root_;  // no trailing '/'; immutable
};

}  // namespace mtc::log

#endif  // MTC_LOG_DIRECTORY_TILE_STORE_H_
