// Resource paths of a tiled transparency log (C2SP tlog-tiles §Merkle Tree,
// §Log entries): hash tiles `tile/<L>/<N>[.p/<W>]` and entry bundles
// `tile/entries/<N>[.p/<W>]`, relative to the log's prefix.
#ifndef MTC_TLOG_TILE_PATH_H_
#define MTC_TLOG_TILE_PATH_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mtc/base/result.h"

namespace mtc::tlog {

inline constexpr uint64_t kTileWidth = 256;
inline constexpr int kTileHeight = 8;  // log2(kTileWidth)

// A hash tile or an entry bundle.
struct Tile {
  static constexpr int kEntries = -1;  // `level` of an entry bundle

  int level = 0;       // 0..63 for hash tiles, kEntries for entry bundles
  uint64_t index = 0;  // N
  uint32_t width = kTileWidth;  // 1..256; < 256 is a partial tile

  bool is_entries() const { return level == kEntries; }
  bool is_partial() const { return width < kTileWidth; }
  bool operator==(const Tile&) const = default;

  // The first entry index the tile spans: index * 256^(level + 1); entry
  // bundles span what level-0 tiles span.
  uint64_t StartIndex() const;
};

// "tile/<L>/<N>[.p/<W>]" or "tile/entries/<N>[.p/<W>]".
std::string TilePath(const Tile& tile);

// Parses a path made by TilePath, strictly: no leading zeros in L or W, every
// element of N but the last prefixed by 'x', three digits each, 1 <= W <= 255.
Result<Tile> ParseTilePath(std::string_view path);

// The width a tile at `level` with `index` has in a tree of `tree_size`
// entries: 256 if full, 1..255 if partial, 0 if it does not exist.
uint32_t TileWidthAt(int level, uint64_t index, uint64_t tree_size);

// The hash tiles (levels 0 and up, full and partial) of a tree of `tree_size`
// entries whose index at their level is at least that of the tile holding
// entry `from` at that level: what a log writes when it grows from size `from`
// to `tree_size`, or everything when `from` is 0. Never an empty tile.
std::vector<Tile> TilesForGrowth(uint64_t from, uint64_t tree_size);

}  // namespace mtc::tlog

#endif  // MTC_TLOG_TILE_PATH_H_
