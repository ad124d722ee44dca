#include "log/tile_writer.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "log/tile_node_source.h"
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

}  // namespace

Result<std::vector<TileData>> ComputeHashTiles(
    const TileStore& stored, uint64_t old_size,
    std::span<const merkle::Hash> new_leaf_hashes) {
  MTC_RETURN_IF_ERROR(CheckGrowth(old_size, new_leaf_hashes.size()));
  // Reads each partial tile of the old tree's right edge once: the frontier
  // nodes and the partial tiles' hashes lie in the same tiles.
  TileNodeSource old_tree(stored, old_size);
  MTC_ASSIGN_OR_RETURN(
      CommitNodes nodes,
      CommitNodes::Build(old_tree, old_size,
                         std::vector<merkle::Hash>(new_leaf_hashes.begin(),
                                                   new_leaf_hashes.end())));
  return HashTilesFromNodes(old_tree, nodes);
}

Result<std::vector<TileData>> HashTilesFromNodes(
    const merkle::NodeSource& old_tree, const CommitNodes& nodes) {
  std::vector<TileData> out;
  // Tile-level L grows exactly when tree level 8L does. At tile-level 8 or
  // more the tree level would be 64: 256^8 entries do not fit in a uint64_t.
  for (int level = 0; level < 8; level++) {
    int tree_level = level * tlog::kTileHeight;
    std::span<const merkle::Hash> rest = nodes.NewNodes(tree_level);
    if (rest.empty()) break;
    // The old tree had `first` hashes at this level.
    uint64_t first = nodes.old_size() >> tree_level;
    uint64_t tile_index = first / tlog::kTileWidth;
    uint32_t old_width = static_cast<uint32_t>(first % tlog::kTileWidth);
    std::vector<merkle::Hash> tile;
    tile.reserve(tlog::kTileWidth);
    for (uint32_t i = 0; i < old_width; i++) {
      Result<merkle::Hash> h =
          old_tree.NodeHash(tree_level, tile_index * tlog::kTileWidth + i);
      if (!h.ok()) {
        return h.error().WithContext(
            "right edge of the tree of size " +
            std::to_string(nodes.old_size()) + ": " +
            tlog::TilePath({level, tile_index, old_width}));
      }
      tile.push_back(*h);
    }
    // Fill the old partial tile, then new ones; only the last may stay
    // partial (§Partial Tiles).
    while (!rest.empty()) {
      size_t take =
          std::min<size_t>(tlog::kTileWidth - tile.size(), rest.size());
      tile.insert(tile.end(), rest.begin(), rest.begin() + take);
      rest = rest.subspan(take);
      out.push_back(MakeHashTile(level, tile_index, tile));
      tile.clear();
      tile_index++;
    }
  }
  return out;
}

Result<std::vector<TileData>> ComputeEntryBundles(
    const TileStore& stored, uint64_t old_size,
    std::span<const std::vector<uint8_t>> new_entries) {
  MTC_RETURN_IF_ERROR(CheckGrowth(old_size, new_entries.size()));
  PendingBundles pending(old_size);
  for (size_t i = 0; i < new_entries.size(); i++) {
    Status added = pending.Add(new_entries[i]);
    if (!added.ok()) {
      return added.error().WithContext("entry " + std::to_string(old_size + i));
    }
  }
  return pending.Take(stored);
}

Status PendingBundles::Add(std::span<const uint8_t> entry) {
  if (entry.size() > 0xffff) {
    return Error(ErrorCode::kOutOfRange,
                 "an entry of " + std::to_string(entry.size()) +
                     " bytes does not fit an entry bundle (at most 65535)");
  }
  uint64_t index = first_index_ + size_;
  size_t need = 2 + entry.size();
  if (blocks_.empty() || index % tlog::kTileWidth == 0) {
    // Room for the rest of the bundle at this entry's size, so that
    // entries of about one size fill it without a reallocation.
    blocks_.emplace_back();
    blocks_.back().reserve(need *
                           (tlog::kTileWidth - index % tlog::kTileWidth));
  }
  std::vector<uint8_t>& block = blocks_.back();
  if (block.size() + need > block.capacity()) {
    // Grow by an eighth, not double: the pool holds many of these.
    block.reserve(block.size() + need + block.capacity() / 8);
  }
  block.push_back(static_cast<uint8_t>(entry.size() >> 8));
  block.push_back(static_cast<uint8_t>(entry.size()));
  block.insert(block.end(), entry.begin(), entry.end());
  size_++;
  return OkStatus();
}

Result<std::vector<TileData>> PendingBundles::Take(const TileStore& stored) {
  std::vector<std::vector<uint8_t>> blocks;
  blocks.swap(blocks_);
  uint64_t old_size = first_index_;
  uint64_t count = size_;
  size_ = 0;
  std::vector<TileData> out;
  if (count == 0) return out;
  uint64_t tile_index = old_size / tlog::kTileWidth;
  uint32_t old_count = static_cast<uint32_t>(old_size % tlog::kTileWidth);
  std::vector<uint8_t> prefix;
  if (old_count > 0) {
    tlog::Tile old{tlog::Tile::kEntries, tile_index, old_count};
    MTC_ASSIGN_OR_RETURN(prefix, ReadRightEdge(stored, old, old_size));
    MTC_ASSIGN_OR_RETURN(auto entries, tlog::ParseEntryBundle(prefix));
    if (entries.size() != old_count) {
      return Error(ErrorCode::kMalformed,
                   "entry bundle " + tlog::TilePath(old) + " holds " +
                       std::to_string(entries.size()) + " entries");
    }
  }
  out.reserve(blocks.size());
  uint64_t done = 0;
  for (size_t i = 0; i < blocks.size(); i++) {
    uint32_t width = i == 0 ? old_count : 0;
    uint64_t added = std::min<uint64_t>(tlog::kTileWidth - width, count - done);
    width += static_cast<uint32_t>(added);
    done += added;
    TileData data;
    data.tile = {tlog::Tile::kEntries, tile_index + i, width};
    data.path = tlog::TilePath(data.tile);
    if (i == 0 && !prefix.empty()) {
      prefix.insert(prefix.end(), blocks[0].begin(), blocks[0].end());
      data.data = std::move(prefix);
    } else {
      data.data = std::move(blocks[i]);
    }
    std::vector<uint8_t>().swap(blocks[i]);
    out.push_back(std::move(data));
  }
  first_index_ += count;
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
