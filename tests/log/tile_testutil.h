// Helpers for the tests of the tile writer and TileNodeSource: deterministic
// entries, a store grown through ComputeTilesForGrowth, and tiles computed
// straight from their definition (C2SP tlog-tiles §Merkle Tree) over a
// merkle::MemoryTree.
#ifndef MTC_TESTS_LOG_TILE_TESTUTIL_H_
#define MTC_TESTS_LOG_TILE_TESTUTIL_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "log/storage.h"
#include "log/tile_writer.h"
#include "mtc/merkle/node_source.h"
#include "mtc/tlog/tile_path.h"

namespace mtc::log::testing {

// Entry `i`: its index in a few bytes, then 0..9 bytes more, so bundles have
// entries of different lengths.
inline std::vector<uint8_t> EntryOf(uint64_t i) {
  std::string s = "entry " + std::to_string(i) + std::string(i % 10, 'x');
  return std::vector<uint8_t>(s.begin(), s.end());
}

inline std::vector<std::vector<uint8_t>> EntriesOf(uint64_t from, uint64_t to) {
  std::vector<std::vector<uint8_t>> entries;
  for (uint64_t i = from; i < to; i++) entries.push_back(EntryOf(i));
  return entries;
}

// Step 1 of the commit protocol: the tiles for `entries` after `old_size`,
// each PutImmutable'd. Returns what was written.
inline std::vector<TileData> Grow(
    TileStore& store, uint64_t old_size,
    std::span<const std::vector<uint8_t>> entries) {
  auto tiles = ComputeTilesForGrowth(store, old_size, entries);
  EXPECT_TRUE(tiles.ok()) << old_size << ": " << tiles.error().ToString();
  if (!tiles.ok()) return {};
  for (const TileData& t : *tiles) {
    Status s = store.PutImmutable(t.path, t.data);
    EXPECT_TRUE(s.ok()) << t.path << ": " << s.error().ToString();
  }
  return *tiles;
}

// tlog-tiles §Merkle Tree: tile n at level l holds, for i < width,
// MTH(D[(n * 256 + i) * 256**l : (n * 256 + i + 1) * 256**l]): the full node
// at tree level 8l and index n * 256 + i.
inline std::vector<uint8_t> TileFromTree(const merkle::MemoryTree& tree,
                                         const tlog::Tile& tile) {
  std::vector<uint8_t> out;
  for (uint64_t i = 0; i < tile.width; i++) {
    auto h = tree.NodeHash(8 * tile.level, tile.index * tlog::kTileWidth + i);
    EXPECT_TRUE(h.ok()) << tlog::TilePath(tile);
    if (!h.ok()) return {};
    out.insert(out.end(), h->begin(), h->end());
  }
  return out;
}

// tlog-tiles §Log entries: the uint16 length-prefixed entries of the bundle.
inline std::vector<uint8_t> BundleFromEntries(
    std::span<const std::vector<uint8_t>> all_entries, const tlog::Tile& tile) {
  std::vector<uint8_t> out;
  for (uint64_t i = 0; i < tile.width; i++) {
    const std::vector<uint8_t>& e =
        all_entries[tile.index * tlog::kTileWidth + i];
    out.push_back(static_cast<uint8_t>(e.size() >> 8));
    out.push_back(static_cast<uint8_t>(e.size()));
    out.insert(out.end(), e.begin(), e.end());
  }
  return out;
}

}  // namespace mtc::log::testing

#endif  // MTC_TESTS_LOG_TILE_TESTUTIL_H_
