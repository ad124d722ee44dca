// Step 1 of the commit protocol (docs/design.md §5, storage.h): the hash tiles
// and entry bundles that a log writes when it grows from `old_size` to
// `new_size` entries (C2SP tlog-tiles §Merkle Tree, §Log entries).
//
// Only the right edge of the stored tree is read: for each level, the partial
// tile of the old tree (at most one tile per level, and one entry bundle).
// Everything to its left is already final. The caller then PutImmutable()s
// each result; re-putting after a crash gives the same bytes, so recovery can
// run this again.
#ifndef MTC_LOG_TILE_WRITER_H_
#define MTC_LOG_TILE_WRITER_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "log/commit_nodes.h"
#include "log/storage.h"
#include "mtc/base/result.h"
#include "mtc/merkle/hash.h"
#include "mtc/merkle/node_source.h"
#include "mtc/tlog/tile_path.h"

namespace mtc::log {

// A hash tile or entry bundle and its bytes.
struct TileData {
  tlog::Tile tile;
  std::string path;  // tlog::TilePath(tile)
  std::vector<uint8_t> data;
};

// The hash tiles, full and partial, that are new or wider in the tree of
// `old_size + new_leaf_hashes.size()` entries than in the tree of `old_size`
// entries whose tiles are in `stored`: exactly TilesForGrowth(old_size,
// new_size), in that order, none empty. `new_leaf_hashes` are the level-0
// hashes of entries old_size, old_size + 1, ... (CommitNodes::Build, then
// HashTilesFromNodes.)
//
// Reads from `stored` the old tree's partial tile at each level that grows;
// kNotFound if one is missing, kMalformed if it has the wrong length,
// kOutOfRange if the new size overflows.
Result<std::vector<TileData>> ComputeHashTiles(
    const TileStore& stored, uint64_t old_size,
    std::span<const merkle::Hash> new_leaf_hashes);

// The hash tiles of ComputeHashTiles, copied from the nodes a commit already
// holds instead of hashed again: the tile at tile-level L holds tree level
// 8L (tlog-tiles §Merkle Tree: "each hash in a tile is the Merkle Tree Hash
// of a *full* tile at the level below", which is the full node 8 levels
// above that tile's hashes). The hashes of the old tree's partial tiles come
// from `old_tree` (the tree of nodes.old_size() entries, e.g. a
// TileNodeSource); its error if one is missing.
Result<std::vector<TileData>> HashTilesFromNodes(
    const merkle::NodeSource& old_tree, const CommitNodes& nodes);

// The entry bundles, full and partial, that are new or wider after appending
// `new_entries` to the `old_size` entries whose bundles are in `stored`
// (tlog-tiles §Log entries: big-endian uint16 length-prefixed entries, 256 in
// a full bundle). Reads the old partial bundle, if any; kNotFound if it is
// missing, kMalformed if it does not hold old_size % 256 entries, kOutOfRange
// for an entry over 65535 bytes.
Result<std::vector<TileData>> ComputeEntryBundles(
    const TileStore& stored, uint64_t old_size,
    std::span<const std::vector<uint8_t>> new_entries);

// New entries encoded as their entry bundles hold them (tlog-tiles §Log
// entries: big-endian uint16 length, then the entry), from entry
// `first_index` on, one buffer per bundle: a pool of entries waiting for a
// commit costs their bytes and two each, not an allocation each, and the
// commit writes the buffers as they are. Not thread-safe.
class PendingBundles {
 public:
  explicit PendingBundles(uint64_t first_index = 0)
      : first_index_(first_index) {}

  uint64_t first_index() const { return first_index_; }
  uint64_t size() const { return size_; }

  // Appends the next entry; kOutOfRange for one over 65535 bytes, which no
  // bundle can hold.
  Status Add(std::span<const uint8_t> entry);

  // The entry bundles, full and partial, that are new or wider once these
  // entries follow the first_index() entries whose bundles are in `stored`,
  // as ComputeEntryBundles gives them. Reads the old partial bundle, if any:
  // kNotFound if it is missing, kMalformed if it does not hold
  // first_index() % 256 entries. Leaves this empty, its first index moved
  // past the entries taken.
  Result<std::vector<TileData>> Take(const TileStore& stored);

 private:
  uint64_t first_index_;
  uint64_t size_ = 0;
  // blocks_[i] holds the new entries of the i-th bundle that grows.
  std::vector<std::vector<uint8_t>> blocks_;
};

// Both of the above for `new_entries`, whose leaf hashes are
// merkle::HashLeaf(entry) (tlog-tiles §Log entries: "Each entry in a bundle
// hashes to the corresponding entry in the corresponding level 0 Merkle Tree
// tile", RFC 6962 §2.1): the entry bundles first, then the hash tiles.
Result<std::vector<TileData>> ComputeTilesForGrowth(
    const TileStore& stored, uint64_t old_size,
    std::span<const std::vector<uint8_t>> new_entries);

}  // namespace mtc::log

#endif  // MTC_LOG_TILE_WRITER_H_
