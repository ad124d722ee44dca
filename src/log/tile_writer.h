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

#include "log/storage.h"
#include "mtc/base/result.h"
#include "mtc/merkle/hash.h"
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
// hashes of entries old_size, old_size + 1, ...
//
// Reads from `stored` the old tree's partial tile at each level that grows;
// kNotFound if one is missing, kMalformed if it has the wrong length,
// kOutOfRange if the new size overflows.
Result<std::vector<TileData>> ComputeHashTiles(
    const TileStore& stored, uint64_t old_size,
    std::span<const merkle::Hash> new_leaf_hashes);

// The entry bundles, full and partial, that are new or wider after appending
// `new_entries` to the `old_size` entries whose bundles are in `stored`
// (tlog-tiles §Log entries: big-endian uint16 length-prefixed entries, 256 in
// a full bundle). Reads the old partial bundle, if any; kNotFound if it is
// missing, kMalformed if it does not hold old_size % 256 entries, kOutOfRange
// for an entry over 65535 bytes.
Result<std::vector<TileData>> ComputeEntryBundles(
    const TileStore& stored, uint64_t old_size,
    std::span<const std::vector<uint8_t>> new_entries);

// Both of the above for `new_entries`, whose leaf hashes are
// merkle::HashLeaf(entry) (tlog-tiles §Log entries: "Each entry in a bundle
// hashes to the corresponding entry in the corresponding level 0 Merkle Tree
// tile", RFC 6962 §2.1): the entry bundles first, then the hash tiles.
Result<std::vector<TileData>> ComputeTilesForGrowth(
    const TileStore& stored, uint64_t old_size,
    std::span<const std::vector<uint8_t>> new_entries);

}  // namespace mtc::log

#endif  // MTC_LOG_TILE_WRITER_H_
