// Merkle Tree nodes from stored hash tiles (C2SP tlog-tiles §Merkle Tree), so
// the CA builds any inclusion or consistency proof from its TileStore, after
// a restart as well as before, without keeping the tree in memory.
//
// The tile at tile-level L holds hashes of tree level 8L; the levels between
// 8L and 8L + 8 are "reconstructed by hashing the leaves" of one tile
// (§Merkle Tree): the node at level 8L + h (0 <= h < 8) and index i is the
// Merkle Tree Hash of the 2^h consecutive level-8L hashes from i * 2^h, all
// in tile (i * 2^h) / 256.
#ifndef MTC_LOG_TILE_NODE_SOURCE_H_
#define MTC_LOG_TILE_NODE_SOURCE_H_

#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "log/storage.h"
#include "mtc/base/result.h"
#include "mtc/merkle/hash.h"
#include "mtc/merkle/node_source.h"

namespace mtc::log {

// Thread-safe. Keeps up to `cache_tiles` tiles, least recently used first
// out, with every node they determine (511 hashes for a full tile).
//
// Caching is sound because a log only appends: a full tile never changes,
// and a partial tile of width W holds the first W hashes of every later
// version of that tile (§Partial Tiles), so a hash once read stays right for
// every larger tree size.
class TileNodeSource : public merkle::NodeSource {
 public:
  static constexpr size_t kDefaultCacheTiles = 256;

  // Answers for the tree of `tree_size` entries whose hash tiles are in
  // `store`. `store` must outlive this.
  TileNodeSource(const TileStore& store, uint64_t tree_size,
                 size_t cache_tiles = kDefaultCacheTiles);

  uint64_t tree_size() const;
  // Moves to a larger tree size (after a commit); the cache stays.
  // kInvalidArgument if `tree_size` is smaller than the current one.
  Status SetTreeSize(uint64_t tree_size);

  // The full node at `level` and `index` if it lies inside the tree
  // ((index + 1) * 2^level <= tree size), else kNotFound. Reads the tile with
  // the width the tree size gives it (tlog-tiles §Partial Tiles), or the
  // full tile if that partial tile is gone (which the spec allows once the
  // full tile exists). A missing tile is the store's error (kNotFound); a
  // tile of the wrong length is kMalformed.
  Result<merkle::Hash> NodeHash(int level, uint64_t index) const override;

 private:
  // One tile and the nodes it determines: nodes[h][j] is the node at level
  // 8 * tile_level + h and index (tile index) * (256 >> h) + j, for
  // j < width >> h.
  struct CachedTile {
    uint32_t width = 0;
    std::vector<std::vector<merkle::Hash>> nodes;
  };
  using TileKey = std::pair<int, uint64_t>;  // tile level, tile index

  // The tile (tile_level, tile_index) with at least `min_width` hashes.
  Result<std::shared_ptr<const CachedTile>> GetTile(int tile_level,
                                                    uint64_t tile_index,
                                                    uint32_t min_width,
                                                    uint64_t tree_size) const;
  Result<std::shared_ptr<const CachedTile>> ReadTile(int tile_level,
                                                     uint64_t tile_index,
                                                     uint64_t tree_size) const;

  const TileStore& store_;
  const size_t cache_tiles_;

  mutable std::mutex mu_;
  uint64_t tree_size_;  // guarded by mu_
  // Most recently used first.
  mutable std::list<TileKey> lru_;  // guarded by mu_
  mutable std::map<TileKey, std::pair<std::shared_ptr<const CachedTile>,
                                      std::list<TileKey>::iterator>>
      cache_;  // guarded by mu_
};

}  // namespace mtc::log

#endif  // MTC_LOG_TILE_NODE_SOURCE_H_
