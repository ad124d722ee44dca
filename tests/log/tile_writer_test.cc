// Tests of step 1 of the commit protocol: the hash tiles and entry bundles of
// a growing log (C2SP tlog-tiles §Merkle Tree, §Partial Tiles, §Log entries).
#include "log/tile_writer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "log/directory_tile_store.h"
#include "log/memory_tile_store.h"
#include "log/temp_dir_testutil.h"
#include "log/tile_testutil.h"
#include "mtc/cert/refdata_testutil.h"
#include "mtc/merkle/node_source.h"
#include "mtc/tlog/tile_path.h"

namespace mtc::log {
namespace {

using cert::testing::ReadFileBytes;
using cert::testing::RefdataPath;
using cert::testing::RefLogEntries;
using testing::BundleFromEntries;
using testing::EntriesOf;
using testing::Grow;
using testing::TempDir;
using testing::TileFromTree;

// The tiles the writer must produce for a growth: hash tiles exactly
// TilesForGrowth(old, new); entry bundles the same tiles as level 0.
std::vector<tlog::Tile> ExpectedTiles(uint64_t old_size, uint64_t new_size) {
  std::vector<tlog::Tile> hash_tiles = tlog::TilesForGrowth(old_size, new_size);
  std::vector<tlog::Tile> out;
  for (const tlog::Tile& t : hash_tiles) {
    if (t.level == 0) out.push_back({tlog::Tile::kEntries, t.index, t.width});
  }
  out.insert(out.end(), hash_tiles.begin(), hash_tiles.end());
  return out;
}

// Grows a log from 0 to `final_size` in the given steps, checking every
// growth's tiles against their definition over a MemoryTree of the new size.
void GrowAndCheck(const std::vector<uint64_t>& sizes) {
  MemoryTileStore store;
  merkle::MemoryTree tree;
  std::vector<std::vector<uint8_t>> all;
  uint64_t old_size = 0;
  for (uint64_t new_size : sizes) {
    std::vector<std::vector<uint8_t>> batch = EntriesOf(old_size, new_size);
    for (const auto& e : batch) {
      tree.AppendEntry(e);
      all.push_back(e);
    }
    std::vector<TileData> written = Grow(store, old_size, batch);
    std::vector<tlog::Tile> expected = ExpectedTiles(old_size, new_size);
    ASSERT_EQ(written.size(), expected.size()) << old_size << "->" << new_size;
    for (size_t i = 0; i < written.size(); i++) {
      const TileData& t = written[i];
      ASSERT_EQ(t.tile, expected[i]) << old_size << "->" << new_size;
      ASSERT_EQ(t.path, tlog::TilePath(t.tile));
      // §Partial Tiles: "Empty tiles MUST NOT be served."
      ASSERT_GT(t.tile.width, 0u);
      ASSERT_FALSE(t.data.empty());
      if (t.tile.is_entries()) {
        ASSERT_EQ(t.data, BundleFromEntries(all, t.tile)) << t.path;
      } else {
        ASSERT_EQ(t.data, TileFromTree(tree, t.tile)) << t.path;
      }
    }
    old_size = new_size;
  }
}

TEST(TileWriterTest, GrowingOneEntryAtATime) {
  std::vector<uint64_t> sizes;
  for (uint64_t s = 1; s <= 1100; s++) sizes.push_back(s);
  GrowAndCheck(sizes);
}

TEST(TileWriterTest, GrowingInRandomSteps) {
  std::mt19937_64 rng(1);
  for (int run = 0; run < 10; run++) {
    std::vector<uint64_t> sizes;
    uint64_t max_step = run < 5 ? 40 : 700;
    for (uint64_t s = 0; s < 3000;) {
      s += 1 + rng() % max_step;
      sizes.push_back(s);
    }
    GrowAndCheck(sizes);
  }
}

// The edges: tile boundaries at every level up to 2 (tlog-tiles §Partial
// Tiles: "a tree of size 256 will be represented by a full level 0 tile and
// a partial level 1 tile of width 1").
TEST(TileWriterTest, TileBoundaries) {
  GrowAndCheck({255, 256});
  GrowAndCheck({256});
  GrowAndCheck({1, 257});
  GrowAndCheck({256, 512, 513});
  GrowAndCheck({65535, 65536, 65537});
  GrowAndCheck({65536 + 255, 65536 + 256 + 1});
}

TEST(TileWriterTest, SpecExampleSize70000) {
  // §Partial Tiles: "a tree of size 70,000 will be represented by 273 full
  // level 0 tiles, one partial level 0 tile of width 112, one full level 1
  // tile, one partial level 1 tile of width 17, and one partial level 2 tile
  // of width 1."
  MemoryTileStore store;
  std::vector<TileData> written = Grow(store, 0, EntriesOf(0, 70000));
  std::set<std::string> paths;
  for (const TileData& t : written) {
    if (!t.tile.is_entries()) paths.insert(t.path);
  }
  EXPECT_EQ(paths.size(), 273u + 1 + 1 + 1 + 1);
  EXPECT_TRUE(paths.count("tile/0/273.p/112"));
  EXPECT_TRUE(paths.count("tile/1/000"));
  EXPECT_TRUE(paths.count("tile/1/001.p/17"));
  EXPECT_TRUE(paths.count("tile/2/000.p/1"));
}

TEST(TileWriterTest, NoGrowthWritesNothing) {
  MemoryTileStore store;
  Grow(store, 0, EntriesOf(0, 300));
  auto tiles = ComputeTilesForGrowth(store, 300, {});
  ASSERT_TRUE(tiles.ok());
  EXPECT_TRUE(tiles->empty());
  EXPECT_TRUE(ComputeTilesForGrowth(store, 0, {})->empty());
}

// Known answer: the draft authors' generator wrote the reference log's tiles
// (tests/testdata/refdata/tile); ours for the same entries must be the same
// files, byte for byte, however the log grew.
void ExpectRefdataFiles(const std::string& root) {
  std::string ref_root = RefdataPath("tile");
  int files = 0;
  for (const auto& e :
       std::filesystem::recursive_directory_iterator(ref_root)) {
    if (!e.is_regular_file()) continue;
    std::string rel =
        "tile/" + std::filesystem::relative(e.path(), ref_root).string();
    std::string ours = root + "/" + rel;
    ASSERT_TRUE(std::filesystem::exists(ours)) << rel;
    EXPECT_EQ(ReadFileBytes(ours), ReadFileBytes(e.path().string())) << rel;
    files++;
  }
  // 7 full and 1 partial level-0 tiles and bundles, tile/1/000.p/7.
  EXPECT_EQ(files, 8 + 8 + 1);
}

TEST(TileWriterTest, ReferenceLogInOneStep) {
  std::vector<std::vector<uint8_t>> entries = RefLogEntries();
  ASSERT_EQ(entries.size(), 2036u);
  TempDir dir;
  auto store = DirectoryTileStore::Open(dir.Sub("log"));
  ASSERT_TRUE(store.ok());
  std::vector<TileData> written = Grow(**store, 0, entries);
  std::set<std::string> paths;
  for (const TileData& t : written) paths.insert(t.path);
  EXPECT_EQ(
      paths,
      (std::set<std::string>{
          "tile/entries/000", "tile/entries/001", "tile/entries/002",
          "tile/entries/003", "tile/entries/004", "tile/entries/005",
          "tile/entries/006", "tile/entries/007.p/244", "tile/0/000",
          "tile/0/001", "tile/0/002", "tile/0/003", "tile/0/004", "tile/0/005",
          "tile/0/006", "tile/0/007.p/244", "tile/1/000.p/7"}));
  ExpectRefdataFiles(dir.Sub("log"));
}

TEST(TileWriterTest, ReferenceLogInRandomSteps) {
  std::vector<std::vector<uint8_t>> entries = RefLogEntries();
  std::mt19937_64 rng(2036);
  TempDir dir;
  auto store = DirectoryTileStore::Open(dir.Sub("log"));
  ASSERT_TRUE(store.ok());
  for (size_t size = 0; size < entries.size();) {
    size_t step = std::min<size_t>(1 + rng() % 300, entries.size() - size);
    Grow(**store, size, std::span(entries).subspan(size, step));
    size += step;
  }
  ExpectRefdataFiles(dir.Sub("log"));
}

// Recovery re-runs step 1 after a crash: the same input gives the same
// bytes, so every PutImmutable of the re-run succeeds.
TEST(TileWriterTest, RerunAfterCrashGivesIdenticalTiles) {
  MemoryTileStore store;
  Grow(store, 0, EntriesOf(0, 700));
  std::vector<std::vector<uint8_t>> batch = EntriesOf(700, 1000);
  std::vector<TileData> first = Grow(store, 700, batch);
  auto again = ComputeTilesForGrowth(store, 700, batch);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), first.size());
  for (size_t i = 0; i < first.size(); i++) {
    EXPECT_EQ((*again)[i].data, first[i].data);
    EXPECT_TRUE(store.PutImmutable((*again)[i].path, (*again)[i].data).ok());
  }
}

// The writer reads only the old tree's right edge: the partial bundle and
// one partial tile per level that grows (level 2 grows here from 1 to 2
// hashes).
TEST(TileWriterTest, ReadsOnlyTheRightEdge) {
  constexpr uint64_t kOld = 65536 + 256 * 3 + 5;
  constexpr uint64_t kNew = 2 * 65536 + 7;
  MemoryTileStore store;
  Grow(store, 0, EntriesOf(0, kOld));
  std::vector<std::string> gets;
  store.SetFaultHook([&](std::string_view op) {
    if (op.starts_with("Get ")) gets.emplace_back(op.substr(4));
    return OkStatus();
  });
  ASSERT_TRUE(ComputeTilesForGrowth(store, kOld, EntriesOf(kOld, kNew)).ok());
  EXPECT_EQ(gets,
            (std::vector<std::string>{"tile/entries/259.p/5", "tile/0/259.p/5",
                                      "tile/1/001.p/3", "tile/2/000.p/1"}));
}

TEST(TileWriterTest, MissingRightEdgeIsNotFound) {
  MemoryTileStore store;
  Grow(store, 0, EntriesOf(0, 300));
  ASSERT_TRUE(store.Remove("tile/1/000.p/1"));
  auto tiles = ComputeTilesForGrowth(store, 300, EntriesOf(300, 600));
  ASSERT_FALSE(tiles.ok());
  EXPECT_EQ(tiles.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(tiles.error().message().find("tile/1/000.p/1"), std::string::npos)
      << tiles.error().message();

  ASSERT_TRUE(store.Remove("tile/entries/001.p/44"));
  EXPECT_EQ(ComputeEntryBundles(store, 300, EntriesOf(300, 301)).error().code(),
            ErrorCode::kNotFound);
  // An empty store is a tree of size 0 only.
  MemoryTileStore empty;
  EXPECT_EQ(ComputeTilesForGrowth(empty, 5, EntriesOf(5, 6)).error().code(),
            ErrorCode::kNotFound);
}

TEST(TileWriterTest, MalformedRightEdge) {
  MemoryTileStore store;
  std::vector<uint8_t> short_tile(3 * 32 - 1, 0);
  ASSERT_TRUE(store.PutImmutable("tile/0/000.p/3", short_tile).ok());
  merkle::Hash leaf{};
  EXPECT_EQ(ComputeHashTiles(store, 3, std::span(&leaf, 1)).error().code(),
            ErrorCode::kMalformed);
  // A bundle that holds two entries where the tree says three.
  std::vector<uint8_t> bundle = {0, 1, 'a', 0, 1, 'b'};
  ASSERT_TRUE(store.PutImmutable("tile/entries/000.p/3", bundle).ok());
  EXPECT_EQ(ComputeEntryBundles(store, 3, EntriesOf(3, 4)).error().code(),
            ErrorCode::kMalformed);
  // A truncated one.
  std::vector<uint8_t> truncated = {0, 1, 'a', 0};
  ASSERT_TRUE(store.PutImmutable("tile/entries/000.p/2", truncated).ok());
  EXPECT_EQ(ComputeEntryBundles(store, 2, EntriesOf(2, 4)).error().code(),
            ErrorCode::kMalformed);
}

TEST(TileWriterTest, BadInputs) {
  MemoryTileStore store;
  // tlog-tiles §Log entries: uint16 length prefixes.
  std::vector<std::vector<uint8_t>> big = {std::vector<uint8_t>(65536, 1)};
  EXPECT_EQ(ComputeTilesForGrowth(store, 0, big).error().code(),
            ErrorCode::kOutOfRange);
  big[0].pop_back();
  EXPECT_TRUE(ComputeTilesForGrowth(store, 0, big).ok());
  // A size past 2^64 - 1.
  uint64_t max = std::numeric_limits<uint64_t>::max();
  EXPECT_EQ(ComputeTilesForGrowth(store, max, EntriesOf(0, 1)).error().code(),
            ErrorCode::kOutOfRange);
}

}  // namespace
}  // namespace mtc::log
