#include "mtc/tlog/tile_path.h"

#include <charconv>
#include <cstdio>

namespace mtc::tlog {

namespace {

// The path elements of N: "x001/x234/067" for 1234067.
std::string EncodeIndex(uint64_t n) {
  std::vector<std::string> groups;
  do {
    char buf[4];
    std::snprintf(buf, sizeof(buf), "%03u", static_cast<unsigned>(n % 1000));
    groups.emplace_back(buf);
    n /= 1000;
  } while (n > 0);
  std::string out;
  for (size_t i = groups.size(); i > 0; i--) {
    if (i != groups.size()) out += "/";
    if (i > 1) out += "x";
    out += groups[i - 1];
  }
  return out;
}

Error BadPath(std::string_view path, const char* why) {
  return Error(ErrorCode::kMalformed,
               "bad tile path \"" + std::string(path) + "\": " + why);
}

// A decimal integer with no leading zeros (other than "0" itself).
bool ParseDecimal(std::string_view s, uint64_t* out) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

std::vector<std::string_view> Split(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t pos;
  while ((pos = s.find('/')) != std::string_view::npos) {
    parts.push_back(s.substr(0, pos));
    s.remove_prefix(pos + 1);
  }
  parts.push_back(s);
  return parts;
}

uint64_t Pow256(int exponent) {
  return exponent >= 8 ? 0 : uint64_t{1} << (8 * exponent);
}

}  // namespace

uint64_t Tile::StartIndex() const {
  int l = is_entries() ? 0 : level;
  uint64_t span = Pow256(l + 1);
  return span == 0 ? 0 : index * span;
}

std::string TilePath(const Tile& tile) {
  std::string out = "tile/";
  out += tile.is_entries() ? "entries" : std::to_string(tile.level);
  out += "/" + EncodeIndex(tile.index);
  if (tile.is_partial()) out += ".p/" + std::to_string(tile.width);
  return out;
}

Result<Tile> ParseTilePath(std::string_view path) {
  std::vector<std::string_view> parts = Split(path);
  if (parts.size() < 3 || parts[0] != "tile") {
    return BadPath(path, "not under tile/");
  }
  Tile tile;
  uint64_t level;
  if (parts[1] == "entries") {
    tile.level = Tile::kEntries;
  } else if (ParseDecimal(parts[1], &level) && level <= 63) {
    tile.level = static_cast<int>(level);
  } else {
    return BadPath(path, "level is not 0..63 or \"entries\"");
  }
  size_t end = parts.size();
  // A partial tile ends in "<last index group>.p/<W>".
  if (end >= 4 && parts[end - 2].ends_with(".p")) {
    uint64_t width;
    if (!ParseDecimal(parts[end - 1], &width) || width < 1 || width > 255) {
      return BadPath(path, "partial width is not 1..255");
    }
    tile.width = static_cast<uint32_t>(width);
    parts[end - 2].remove_suffix(2);
    end--;
  }
  uint64_t index = 0;
  for (size_t i = 2; i < end; i++) {
    std::string_view group = parts[i];
    bool last = i + 1 == end;
    if (!last) {
      if (!group.starts_with("x"))
        return BadPath(path, "index group lacks 'x'");
      group.remove_prefix(1);
    }
    if (group.size() != 3) return BadPath(path, "index group is not 3 digits");
    uint64_t v = 0;
    for (char c : group) {
      if (c < '0' || c > '9') return BadPath(path, "index group is not digits");
      v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    if (index > (~uint64_t{0} - v) / 1000)
      return BadPath(path, "index too large");
    index = index * 1000 + v;
  }
  tile.index = index;
  // Canonical form only: one path per tile.
  if (TilePath(tile) != path) return BadPath(path, "not in canonical form");
  return tile;
}

uint32_t TileWidthAt(int level, uint64_t index, uint64_t tree_size) {
  // Hashes at this level: floor(tree_size / 256^level).
  uint64_t unit = Pow256(level);
  uint64_t hashes = unit == 0 ? 0 : tree_size / unit;
  uint64_t full_tiles = hashes / kTileWidth;
  if (index < full_tiles) return kTileWidth;
  if (index == full_tiles) return static_cast<uint32_t>(hashes % kTileWidth);
  return 0;
}

std::vector<Tile> TilesForGrowth(uint64_t from, uint64_t tree_size) {
  std::vector<Tile> tiles;
  for (int level = 0; level < 8; level++) {
    uint64_t unit = Pow256(level);
    uint64_t hashes = tree_size / unit;
    // A level that gained no hash has no new tile, nor has any level above it.
    if (hashes == 0 || hashes == from / unit) break;
    uint64_t first = (from / unit) / kTileWidth;
    uint64_t last = (hashes - 1) / kTileWidth;
    for (uint64_t n = first; n <= last; n++) {
      uint32_t width = TileWidthAt(level, n, tree_size);
      if (width > 0) tiles.push_back({level, n, width});
    }
  }
  return tiles;
}

}  // namespace mtc::tlog
