#include "log/tile_node_source.h"

#include <cstring>
#include <string>

#include "mtc/tlog/tile_path.h"

namespace mtc::log {

namespace {

constexpr int kMaxLevel = 63;

}  // namespace

TileNodeSource::TileNodeSource(const TileStore& store, uint64_t tree_size,
                               size_t cache_tiles)
    : store_(store), cache_tiles_(cache_tiles), tree_size_(tree_size) {}

uint64_t TileNodeSource::tree_size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return tree_size_;
}

Status TileNodeSource::SetTreeSize(uint64_t tree_size) {
  std::lock_guard<std::mutex> lock(mu_);
  if (tree_size < tree_size_) {
    return Error(ErrorCode::kInvalidArgument,
                 "tree size cannot shrink from " + std::to_string(tree_size_) +
                     " to " + std::to_string(tree_size));
  }
  tree_size_ = tree_size;
  return OkStatus();
}

Result<merkle::Hash> TileNodeSource::NodeHash(int level, uint64_t index) const {
  uint64_t tree_size = this->tree_size();
  if (level < 0 || level > kMaxLevel || index >= (tree_size >> level)) {
    return Error(ErrorCode::kNotFound,
                 "no full node at level " + std::to_string(level) + " index " +
                     std::to_string(index) + " in a tree of size " +
                     std::to_string(tree_size));
  }
  int tile_level = level / tlog::kTileHeight;
  int h = level % tlog::kTileHeight;
  // The node covers the level-8L hashes [index << h, (index + 1) << h), which
  // lie in one tile because 2^h divides 256. No overflow: index << h is below
  // tree_size >> 8L.
  uint64_t first = index << h;
  uint64_t tile_index = first / tlog::kTileWidth;
  uint32_t min_width =
      static_cast<uint32_t>(first % tlog::kTileWidth + (uint64_t{1} << h));
  MTC_ASSIGN_OR_RETURN(std::shared_ptr<const CachedTile> tile,
                       GetTile(tile_level, tile_index, min_width, tree_size));
  return tile->nodes[h][index - tile_index * (tlog::kTileWidth >> h)];
}

Result<std::shared_ptr<const TileNodeSource::CachedTile>>
TileNodeSource::GetTile(int tile_level, uint64_t tile_index, uint32_t min_width,
                        uint64_t tree_size) const {
  TileKey key{tile_level, tile_index};
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end() && it->second.first->width >= min_width) {
      lru_.splice(lru_.begin(), lru_, it->second.second);
      return it->second.first;
    }
  }
  // Read without the lock: two threads may read one tile at once, which
  // costs a read but is harmless, as both get the same hashes.
  MTC_ASSIGN_OR_RETURN(std::shared_ptr<const CachedTile> tile,
                       ReadTile(tile_level, tile_index, tree_size));
  if (tile->width < min_width) {
    return Error(ErrorCode::kInternal, "tile " + std::to_string(tile_level) +
                                           "/" + std::to_string(tile_index) +
                                           " is narrower than the tree");
  }
  if (cache_tiles_ == 0) return tile;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cache_.find(key);
  if (it != cache_.end()) {
    if (it->second.first->width < tile->width) it->second.first = tile;
    lru_.splice(lru_.begin(), lru_, it->second.second);
    return tile;
  }
  lru_.push_front(key);
  cache_.emplace(key, std::make_pair(tile, lru_.begin()));
  while (cache_.size() > cache_tiles_) {
    cache_.erase(lru_.back());
    lru_.pop_back();
  }
  return tile;
}

Result<std::shared_ptr<const TileNodeSource::CachedTile>>
TileNodeSource::ReadTile(int tile_level, uint64_t tile_index,
                         uint64_t tree_size) const {
  tlog::Tile tile{tile_level, tile_index,
                  tlog::TileWidthAt(tile_level, tile_index, tree_size)};
  std::string path = tlog::TilePath(tile);
  Result<std::vector<uint8_t>> data = store_.Get(path);
  if (!data.ok() && data.error().code() == ErrorCode::kNotFound &&
      tile.is_partial()) {
    // §Partial Tiles: a log MAY delete a partial tile once the full tile
    // exists, and clients MAY fall back to the full tile.
    tile.width = tlog::kTileWidth;
    Result<std::vector<uint8_t>> full = store_.Get(tlog::TilePath(tile));
    if (full.ok()) {
      path = tlog::TilePath(tile);
      data = std::move(full);
    }
  }
  if (!data.ok()) return data.error().WithContext("hash tile " + path);
  // §Merkle Tree: a tile is `width` concatenated hashes, nothing else.
  if (data->size() != size_t{tile.width} * merkle::kHashSize) {
    return Error(ErrorCode::kMalformed,
                 "hash tile " + path + " has " + std::to_string(data->size()) +
                     " bytes, not " +
                     std::to_string(size_t{tile.width} * merkle::kHashSize));
  }
  auto cached = std::make_shared<CachedTile>();
  cached->width = tile.width;
  cached->nodes.resize(tlog::kTileHeight);
  std::vector<merkle::Hash>& hashes = cached->nodes[0];
  hashes.resize(tile.width);
  for (uint32_t i = 0; i < tile.width; i++) {
    std::memcpy(hashes[i].data(), data->data() + i * merkle::kHashSize,
                merkle::kHashSize);
  }
  // The full nodes inside the tile, level by level: a partial tile of width
  // W determines W >> h nodes at height h.
  for (int h = 1; h < tlog::kTileHeight; h++) {
    const std::vector<merkle::Hash>& below = cached->nodes[h - 1];
    std::vector<merkle::Hash>& above = cached->nodes[h];
    above.reserve(below.size() / 2);
    for (size_t j = 0; j + 1 < below.size(); j += 2) {
      above.push_back(merkle::HashChildren(below[j], below[j + 1]));
    }
  }
  return std::shared_ptr<const CachedTile>(std::move(cached));
}

}  // namespace mtc::log
