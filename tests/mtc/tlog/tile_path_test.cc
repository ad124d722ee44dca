// Tests of C2SP tlog-tiles resource paths and tile sets.
#include "mtc/tlog/tile_path.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace mtc::tlog {
namespace {

TEST(TilePathTest, SpecExamples) {
  // tlog-tiles §Merkle Tree: "index 1234067 will be encoded as x001/x234/067".
  EXPECT_EQ(TilePath({0, 1234067, 256}), "tile/0/x001/x234/067");
  EXPECT_EQ(TilePath({1, 0, 7}), "tile/1/000.p/7");
  EXPECT_EQ(TilePath({Tile::kEntries, 7, 244}), "tile/entries/007.p/244");
  EXPECT_EQ(TilePath({63, 1000, 256}), "tile/63/x001/000");
}

TEST(TilePathTest, ParseRoundTrips) {
  for (Tile t : {Tile{0, 0, 256}, Tile{0, 1234067, 256}, Tile{2, 999, 1},
                 Tile{Tile::kEntries, 1000000, 255},
                 Tile{5, 18446744073709551615u, 256}}) {
    auto parsed = ParseTilePath(TilePath(t));
    ASSERT_TRUE(parsed.ok())
        << TilePath(t) << ": " << parsed.error().ToString();
    EXPECT_EQ(*parsed, t) << TilePath(t);
  }
}

TEST(TilePathTest, ParseRejectsNonCanonicalPaths) {
  for (const char* bad :
       {"tile/00/000",      "tile/64/000",
        "tile/0/0",         "tile/0/0000",
        "tile/0/x000",      "tile/0/001/234",
        "tile/0/x001/x234", "tile/0/000.p/0",
        "tile/0/000.p/256", "tile/0/000.p/07",
        "tile/0/000.p/",    "tile/0/x000/001",
        "tile/entries",     "tile/entry/000",
        "tiles/0/000",      "tile/0/000/",
        "/tile/0/000",      "tile/0/x018/x446/x744/x073/x709/x551/616",
        "tile/-1/000",      "tile/0/00a"}) {
    EXPECT_FALSE(ParseTilePath(bad).ok()) << bad;
  }
}

// tlog-tiles §Partial Tiles: "a tree of size 70,000 will be represented by 273
// full level 0 tiles, one partial level 0 tile of width 112, one full level 1
// tile, one partial level 1 tile of width 17, and one partial level 2 tile of
// width 1"; "a tree of size 256 will be represented by a full level 0 tile and
// a partial level 1 tile of width 1".
TEST(TilesForGrowthTest, SpecExamples) {
  std::vector<Tile> tiles = TilesForGrowth(0, 70000);
  auto count = [&](int level, bool partial) {
    return std::count_if(tiles.begin(), tiles.end(), [&](const Tile& t) {
      return t.level == level && t.is_partial() == partial;
    });
  };
  EXPECT_EQ(count(0, false), 273);
  EXPECT_EQ(count(0, true), 1);
  EXPECT_EQ(count(1, false), 1);
  EXPECT_EQ(count(1, true), 1);
  EXPECT_EQ(count(2, true), 1);
  EXPECT_EQ(tiles.size(), 277u);
  EXPECT_NE(std::find(tiles.begin(), tiles.end(), Tile{0, 273, 112}),
            tiles.end());
  EXPECT_NE(std::find(tiles.begin(), tiles.end(), Tile{1, 1, 17}), tiles.end());
  EXPECT_NE(std::find(tiles.begin(), tiles.end(), Tile{2, 0, 1}), tiles.end());

  EXPECT_EQ(TilesForGrowth(0, 256),
            (std::vector<Tile>{{0, 0, 256}, {1, 0, 1}}));
  EXPECT_TRUE(TilesForGrowth(0, 0).empty());
}

// The hash tiles of the draft authors' reference log of 2036 entries
// (tests/testdata/refdata: tile/0/000..006, tile/0/007.p/244, tile/1/000.p/7).
TEST(TilesForGrowthTest, ReferenceLogListing) {
  std::vector<std::string> paths;
  for (const Tile& t : TilesForGrowth(0, 2036)) paths.push_back(TilePath(t));
  EXPECT_EQ(paths, (std::vector<std::string>{
                       "tile/0/000", "tile/0/001", "tile/0/002", "tile/0/003",
                       "tile/0/004", "tile/0/005", "tile/0/006",
                       "tile/0/007.p/244", "tile/1/000.p/7"}));
}

TEST(TilesForGrowthTest, OnlyChangedTiles) {
  // 300 -> 310: level 0's partial tile 1 grows; level 1 is unchanged.
  EXPECT_EQ(TilesForGrowth(300, 310), (std::vector<Tile>{{0, 1, 54}}));
  // 500 -> 520: tile 0/1 completes, 0/2 starts, level 1 grows from 1 to 2.
  EXPECT_EQ(TilesForGrowth(500, 520),
            (std::vector<Tile>{{0, 1, 256}, {0, 2, 8}, {1, 0, 2}}));
  EXPECT_TRUE(TilesForGrowth(520, 520).empty());
}

TEST(TileWidthTest, WidthsAndStartIndex) {
  EXPECT_EQ(TileWidthAt(0, 0, 255), 255u);
  EXPECT_EQ(TileWidthAt(0, 0, 256), 256u);
  EXPECT_EQ(TileWidthAt(0, 1, 256), 0u);
  EXPECT_EQ(TileWidthAt(1, 0, 65535), 255u);
  EXPECT_EQ(TileWidthAt(2, 0, 65536), 1u);
  EXPECT_EQ((Tile{0, 3, 256}).StartIndex(), 768u);
  EXPECT_EQ((Tile{1, 2, 256}).StartIndex(), 2u * 65536);
  EXPECT_EQ((Tile{Tile::kEntries, 3, 256}).StartIndex(), 768u);
}

}  // namespace
}  // namespace mtc::tlog
