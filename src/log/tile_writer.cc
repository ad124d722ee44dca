#include "log/tile_writer.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>

#include "mtc/tlog/entry_bundle.h"

namespace mtc::log {

namespace {

Status CheckGrowth(uint64_t old_size, size_t count) {
  if (count > std::numeric_limits<uint64_t>::max() - old_size) {
    return Error(ErrorCode::kOutOfRange,
                 "tree of size " + std::to_string(old_size) +
                     " cannot grow by " + std::to_string(count));
  }
  return OkStatus();
}

// The stored object for `tile`, a partial tile of the old tree.
Result<std::vector<uint8_t>> ReadRightEdge(const TileStore& stored,
                                           const tlog::Tile& tile,
                                           uint64_t old_size) {
  std::string path = tlog::TilePath(tile);
  Result<std::vector<uint8_t>> data = stored.Get(path);
  if (!data.ok()) {
    return data.error().WithContext("right edge of the tree of size " +
                                    std::to_string(old_size) + ": " + path);
  }
  return data;
}

// The hashes of a stored partial hash tile, which must be exactly its width.
Result<std::vector<merkle::Hash>> ReadHashTile(const TileStore& stored,
                                               const tlog::Tile& tile,
                                               uint64_t old_size) {
  MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> data,
                       ReadRightEdge(stored, tile, old_size));
  if (data.size() != size_t{tile.width} * merkle::kHashSize) {
    return Error(ErrorCode::kMalformed,
                 "hash tile " + tlog::TilePath(tile) + " has " +
                     std::to_string(data.size()) + " bytes");
  }
  std::vector<merkle::Hash> hashes(tile.width);
  for (size_t i = 0; i < hashes.size(); i++) {
    std::memcpy(hashes[i].data(), data.data() + i * merkle::kHashSize,
                merkle::kHashSize);
  }
  return hashes;
}

TileData MakeHashTile(int level, uint64_t index,
                      std::span<const merkle::Hash> hashes) {
  TileData out;
  out.tile = {level, index, static_cast<uint32_t>(hashes.size())};
  out.path = tlog::TilePath(out.tile);
  out.data.reserve(hashes.size() * merkle::kHashSize);
  for (const merkle::Hash& h : hashes) {
    out.data.insert(out.data.end(), h.begin(), h.end());
  }
  return out;
}

// MTH of the 256 hashes of a full tile: the node 8 levels above them
// (tlog-tiles §Merkle Tree: "a tile represents the entire subtree of height
// 8 with its hashes as the leaves").
merkle::Hash FullTileHash(std::vector<merkle::Hash> hashes) {
  for (size_t width = hashes.size(); width > 1; width /= 2) {
    for (size_t j = 0; j < width / 2; j++) {
      hashes[j] = merkle::HashChildren(hashes[2 * j], hashes[2 * j + 1]);
    }
  }
  return hashes[0];
}

}  // namespace

Result<std::vector<TileData>> ComputeHashTiles(
    const TileStore& stored, uint64_t old_size,
    std::span<const merkle::Hash> new_leaf_hashes) {
  MTC_RETURN_IF_ERROR(CheckGrowth(old_size, new_leaf_hashes.size()));
  std::vector<TileData> out;
  // The new hashes at tile-level `level`, which hold level 8 * `level` of the
  // tree, and the index of the first: the old tree had `first` hashes there.
  std::vector<merkle::Hash> hashes(new_leaf_hashes.begin(),
                                   new_leaf_hashes.end());
  uint64_t first = old_size;
  for (int level = 0; !hashes.empty(); level++) {
    // At level 8 or more, `first` would be 0 and `hashes` empty: 256^8
    // entries do not fit in a uint64_t.
    uint64_t tile_index = first / tlog::kTileWidth;
    uint32_t old_width = static_cast<uint32_t>(first % tlog::kTileWidth);
    std::vector<merkle::Hash> tile;
    if (old_width > 0) {
      MTC_ASSIGN_OR_RETURN(
          tile, ReadHashTile(stored, {level, tile_index, old_width}, old_size));
    }
    // Fill the old partial tile, then new ones; every full tile becomes one
    // new hash at the level above (§Merkle Tree: "each hash in a tile is the
    // Merkle Tree Hash of a *full* tile at the level below"), and only the
    // last tile may stay partial (§Partial Tiles: it "MUST NOT be hashed into
    // a tile at the level above").
    std::vector<merkle::Hash> above;
    std::span<const merkle::Hash> rest(hashes);
    while (!rest.empty()) {
      size_t take =
          std::min<size_t>(tlog::kTileWidth - tile.size(), rest.size());
      tile.insert(tile.end(), rest.begin(), rest.begin() + take);
      rest = rest.subspan(take);
      out.push_back(MakeHashTile(level, tile_index, tile));
      if (tile.size() == tlog::kTileWidth) {
        above.push_back(FullTileHash(std::move(tile)));
      }
      tile.clear();
      tile_index++;
    }
    hashes = std::move(above);
    first /= tlog::kTileWidth;
  }
  return out;
}

Result<std::vector<TileData>> ComputeEntryBundles(
    const TileStore& stored, uint64_t old_size,
    std::span<const std::vector<uint8_t>> new_entries) {
  MTC_RETURN_IF_ERROR(CheckGrowth(old_size, new_entries.size()));
  std::vector<TileData> out;
  uint64_t tile_index = old_size / tlog::kTileWidth;
  uint32_t count = static_cast<uint32_t>(old_size % tlog::kTileWidth);
  std::vector<uint8_t> bundle;
  if (count > 0) {
    tlog::Tile old{tlog::Tile::kEntries, tile_index, count};
    MTC_ASSIGN_OR_RETURN(bundle, ReadRightEdge(stored, old, old_size));
    MTC_ASSIGN_OR_RETURN(auto entries, tlog::ParseEntryBundle(bundle));
    if (entries.size() != count) {
      return Error(ErrorCode::kMalformed,
                   "entry bundle " + tlog::TilePath(old) + " holds " +
                       std::to_string(entries.size()) + " entries");
    }
  }
  auto emit = [&]() {
    TileData data;
    data.tile = {tlog::Tile::kEntries, tile_index, count};
    data.path = tlog::TilePath(data.tile);
    data.data = std::move(bundle);
    out.push_back(std::move(data));
    bundle.clear();
  };
  for (size_t i = 0; i < new_entries.size(); i++) {
    Status appended = tlog::AppendToEntryBundle(new_entries[i], &bundle);
    if (!appended.ok()) {
      return appended.error().WithContext("entry " +
                                          std::to_string(old_size + i));
    }
    count++;
    // A bundle is finished when full or when the entries run out.
    if (count == tlog::kTileWidth || i + 1 == new_entries.size()) {
      emit();
      tile_index++;
      count = 0;
    }
  }
  return out;
}

Result<std::vector<TileData>> ComputeTilesForGrowth(
    const TileStore& stored, uint64_t old_size,
    std::span<const std::vector<uint8_t>> new_entries) {
  MTC_ASSIGN_OR_RETURN(std::vector<TileData> out,
                       ComputeEntryBundles(stored, old_size, new_entries));
  std::vector<merkle::Hash> leaf_hashes;
  leaf_hashes.reserve(new_entries.size());
  for (const std::vector<uint8_t>& entry : new_entries) {
    leaf_hashes.push_back(merkle::HashLeaf(entry));
  }
  MTC_ASSIGN_OR_RETURN(std::vector<TileData> tiles,
                       ComputeHashTiles(stored, old_size, leaf_hashes));
  out.insert(out.end(), std::make_move_iterator(tiles.begin()),
             std::make_move_iterator(tiles.end()));
  return out;
}

}  // namespace mtc::log
