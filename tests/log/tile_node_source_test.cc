// Tests of TileNodeSource: tree nodes, subtree hashes and proofs computed from
// stored tiles (C2SP tlog-tiles §Merkle Tree) equal those of the whole tree in
// memory, for every node of many tree sizes, and for the reference log.
#include "log/tile_node_source.h"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "log/directory_tile_store.h"
#include "log/memory_tile_store.h"
#include "log/tile_testutil.h"
#include "mtc/cert/refdata_testutil.h"
#include "mtc/merkle/node_source.h"
#include "mtc/merkle/proof.h"
#include "mtc/merkle/subtree.h"
#include "mtc/wire/base64.h"

namespace mtc::log {
namespace {

using merkle::Hash;
using merkle::MemoryTree;
using merkle::Subtree;
using testing::EntriesOf;
using testing::Grow;

// A log grown through the tile writer next to a MemoryTree of the same
// entries.
class GrowingLog {
 public:
  void GrowTo(uint64_t size) {
    std::vector<std::vector<uint8_t>> batch = EntriesOf(tree_.size(), size);
    Grow(store_, tree_.size(), batch);
    for (const auto& e : batch) tree_.AppendEntry(e);
  }
  MemoryTileStore& store() { return store_; }
  const MemoryTree& tree() const { return tree_; }
  uint64_t size() const { return tree_.size(); }

 private:
  MemoryTileStore store_;
  MemoryTree tree_;
};

// Every full node of the tree of `size` entries, at every level, and the
// first node past the end of each level.
void ExpectEveryNode(const merkle::NodeSource& source, const MemoryTree& tree,
                     uint64_t size) {
  for (int level = 0; level < 64; level++) {
    uint64_t count = size >> level;
    for (uint64_t i = 0; i < count; i++) {
      auto got = source.NodeHash(level, i);
      ASSERT_TRUE(got.ok())
          << size << " " << level << " " << i << ": " << got.error().ToString();
      ASSERT_EQ(*got, *tree.NodeHash(level, i))
          << size << " " << level << " " << i;
    }
    auto past = source.NodeHash(level, count);
    ASSERT_FALSE(past.ok()) << size << " " << level;
    ASSERT_EQ(past.error().code(), ErrorCode::kNotFound);
  }
  EXPECT_EQ(source.NodeHash(-1, 0).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(source.NodeHash(64, 0).error().code(), ErrorCode::kNotFound);
}

TEST(TileNodeSourceTest, EveryNodeOfEverySizeUpTo1200) {
  GrowingLog log;
  // One long-lived source that follows the tree, as the sequencer's would.
  TileNodeSource following(log.store(), 0);
  for (uint64_t size = 0; size <= 1200; size++) {
    log.GrowTo(size);
    ASSERT_TRUE(following.SetTreeSize(size).ok());
    // And a fresh one, as after a restart.
    TileNodeSource fresh(log.store(), size);
    ExpectEveryNode(fresh, log.tree(), size);
    ExpectEveryNode(following, log.tree(), size);
    if (HasFatalFailure()) return;
  }
}

// Every valid subtree of small trees, every inclusion proof into each, and
// every consistency proof (draft-ietf-plants-merkle-tree-certs §Subtree
// Inclusion Proofs, §Subtree Consistency Proofs), through the tiles and
// through memory.
TEST(TileNodeSourceTest, EverySubtreeAndProofOfSmallTrees) {
  GrowingLog log;
  for (uint64_t size = 0; size <= 140; size++) {
    log.GrowTo(size);
    TileNodeSource source(log.store(), size);
    for (uint64_t end = 0; end <= size; end++) {
      for (uint64_t start = 0; start <= end; start++) {
        if (!merkle::IsValidSubtree(start, end)) continue;
        Subtree subtree{start, end};
        auto hash = merkle::SubtreeHash(source, subtree);
        ASSERT_TRUE(hash.ok()) << subtree.ToString();
        ASSERT_EQ(*hash, *merkle::SubtreeHash(log.tree(), subtree));
        if (subtree.empty()) continue;
        auto consistency =
            merkle::GenerateConsistencyProof(source, size, subtree);
        ASSERT_TRUE(consistency.ok()) << size << " " << subtree.ToString();
        ASSERT_EQ(*consistency,
                  *merkle::GenerateConsistencyProof(log.tree(), size, subtree));
        if (size > 48) continue;  // inclusion: O(size^3), keep it small
        for (uint64_t index = start; index < end; index++) {
          auto inclusion =
              merkle::GenerateInclusionProof(source, subtree, index);
          ASSERT_TRUE(inclusion.ok()) << subtree.ToString() << " " << index;
          ASSERT_EQ(*inclusion, *merkle::GenerateInclusionProof(
                                    log.tree(), subtree, index));
        }
      }
    }
  }
}

// Trees that grow in random steps through and past 65536 = 256^2, where the
// level-2 tiles begin: all nodes at level 8 and above, a sample below, the
// root, and random proofs, each checked against memory and verified.
TEST(TileNodeSourceTest, RandomStepsPast65536) {
  std::mt19937_64 rng(65536);
  GrowingLog log;
  std::vector<uint64_t> sizes;
  for (uint64_t s = 0; s < 70000;) {
    s += 1 + rng() % 3000;
    sizes.push_back(s);
  }
  for (uint64_t s : {65535, 65536, 65537, 65536 + 256, 65536 + 257}) {
    sizes.push_back(s);
  }
  std::sort(sizes.begin(), sizes.end());
  TileNodeSource following(log.store(), 0, /*cache_tiles=*/8);
  for (uint64_t size : sizes) {
    if (size <= log.size()) continue;
    log.GrowTo(size);
    ASSERT_TRUE(following.SetTreeSize(size).ok());
    TileNodeSource fresh(log.store(), size);
    for (const TileNodeSource* source : {&fresh, &following}) {
      for (int level = 8; level < 64; level++) {
        for (uint64_t i = 0; i < (size >> level); i++) {
          ASSERT_EQ(*source->NodeHash(level, i),
                    *log.tree().NodeHash(level, i));
        }
        ASSERT_FALSE(source->NodeHash(level, size >> level).ok());
      }
      for (int n = 0; n < 500; n++) {
        int level = static_cast<int>(rng() % 8);
        uint64_t i = rng() % (size >> level);
        ASSERT_EQ(*source->NodeHash(level, i), *log.tree().NodeHash(level, i))
            << size << " " << level << " " << i;
      }
      Hash root = *merkle::SubtreeHash(*source, {0, size});
      ASSERT_EQ(root, log.tree().RootHash());
      for (int n = 0; n < 30; n++) {
        uint64_t index = rng() % size;
        auto proof =
            merkle::GenerateRfc9162InclusionProof(*source, size, index);
        ASSERT_TRUE(proof.ok());
        ASSERT_EQ(*proof, *merkle::GenerateRfc9162InclusionProof(log.tree(),
                                                                 size, index));
        ASSERT_TRUE(
            merkle::VerifyRfc9162InclusionProof(
                size, index, *log.tree().NodeHash(0, index), *proof, root)
                .ok());
        uint64_t old_size = 1 + rng() % size;
        auto consistency =
            merkle::GenerateRfc9162ConsistencyProof(*source, old_size, size);
        ASSERT_TRUE(consistency.ok());
        ASSERT_EQ(*consistency, *merkle::GenerateRfc9162ConsistencyProof(
                                    log.tree(), old_size, size));
        ASSERT_TRUE(merkle::VerifyRfc9162ConsistencyProof(
                        old_size, size, *consistency,
                        *merkle::SubtreeHash(log.tree(), {0, old_size}), root)
                        .ok());
        // A covering subtree of a random interval, as a certificate uses.
        uint64_t a = rng() % size, b = rng() % size;
        auto [left, right] =
            merkle::FindCoveringSubtrees(std::min(a, b), std::max(a, b) + 1);
        for (const Subtree& subtree : {left, right}) {
          if (subtree.empty()) continue;
          ASSERT_EQ(*merkle::SubtreeHash(*source, subtree),
                    *merkle::SubtreeHash(log.tree(), subtree));
          uint64_t index = subtree.start + rng() % subtree.size();
          ASSERT_EQ(
              *merkle::GenerateInclusionProof(*source, subtree, index),
              *merkle::GenerateInclusionProof(log.tree(), subtree, index));
          ASSERT_EQ(
              *merkle::GenerateConsistencyProof(*source, size, subtree),
              *merkle::GenerateConsistencyProof(log.tree(), size, subtree));
        }
      }
    }
  }
}

// Known answer: the reference log's tiles, as the draft authors' generator
// wrote them, give the root of its checkpoint and the subtree hashes of its
// certificates.
TEST(TileNodeSourceTest, ReferenceLog) {
  auto store = DirectoryTileStore::Open(cert::testing::RefdataPath(""));
  ASSERT_TRUE(store.ok()) << store.error().ToString();
  TileNodeSource source(**store, 2036);
  auto root =
      wire::Base64Decode("NJ3SgtvJ9RarbzpFB9Oyh+jW3OWRlfUVBjjKT0BvuAE=");
  ASSERT_TRUE(root.ok());
  Hash root_hash = *merkle::SubtreeHash(source, {0, 2036});
  EXPECT_EQ(std::vector<uint8_t>(root_hash.begin(), root_hash.end()), *root);
  int checked = 0;
  for (const auto& cert : cert::testing::RefCertificates()) {
    EXPECT_EQ(*merkle::SubtreeHash(source, cert.subtree), cert.subtree_hash)
        << cert.file;
    checked++;
  }
  EXPECT_GT(checked, 0);
}

// Reads counted through the fault hook of the store.
class CountingLog : public ::testing::Test {
 protected:
  void SetUp() override {
    log_.GrowTo(1000);
    log_.store().SetFaultHook([this](std::string_view op) {
      if (op.starts_with("Get ")) gets_.emplace_back(op.substr(4));
      return OkStatus();
    });
  }

  GrowingLog log_;
  std::vector<std::string> gets_;
};

TEST_F(CountingLog, ReadsEachTileOnce) {
  TileNodeSource source(log_.store(), 1000);
  ASSERT_TRUE(source.NodeHash(0, 5).ok());
  ASSERT_TRUE(source.NodeHash(3, 10).ok());   // inside tile/0/000
  ASSERT_TRUE(source.NodeHash(7, 0).ok());    // the whole of tile/0/000
  ASSERT_TRUE(source.NodeHash(0, 999).ok());  // tile/0/003.p/232
  ASSERT_TRUE(source.NodeHash(8, 2).ok());    // tile/1/000.p/3
  ASSERT_TRUE(source.NodeHash(9, 0).ok());
  ASSERT_TRUE(source.NodeHash(0, 6).ok());
  EXPECT_EQ(gets_, (std::vector<std::string>{"tile/0/000", "tile/0/003.p/232",
                                             "tile/1/000.p/3"}));
}

TEST_F(CountingLog, CacheIsBounded) {
  TileNodeSource source(log_.store(), 1000, /*cache_tiles=*/2);
  for (uint64_t i : {0, 256, 512, 0, 512, 256}) {
    ASSERT_TRUE(source.NodeHash(0, i).ok());
  }
  // 0 was evicted by 512; then 256 by 0 (512 was used more recently).
  EXPECT_EQ(gets_,
            (std::vector<std::string>{"tile/0/000", "tile/0/001", "tile/0/002",
                                      "tile/0/000", "tile/0/001"}));
  gets_.clear();
  TileNodeSource uncached(log_.store(), 1000, /*cache_tiles=*/0);
  ASSERT_TRUE(uncached.NodeHash(0, 0).ok());
  ASSERT_TRUE(uncached.NodeHash(0, 1).ok());
  EXPECT_EQ(gets_.size(), 2u);
}

TEST(TileNodeSourceGrowthTest, GrowingReadsTheWiderTile) {
  GrowingLog log;
  log.GrowTo(300);
  std::vector<std::string> gets;
  log.store().SetFaultHook([&](std::string_view op) {
    if (op.starts_with("Get ")) gets.emplace_back(op.substr(4));
    return OkStatus();
  });
  TileNodeSource source(log.store(), 300);
  ASSERT_TRUE(source.NodeHash(0, 299).ok());
  EXPECT_EQ(gets, std::vector<std::string>{"tile/0/001.p/44"});
  log.GrowTo(1000);
  gets.clear();
  ASSERT_TRUE(source.SetTreeSize(1000).ok());
  EXPECT_EQ(source.tree_size(), 1000u);
  ASSERT_TRUE(source.NodeHash(0, 299).ok());  // cached, valid for any size
  ASSERT_TRUE(source.NodeHash(0, 300).ok());  // beyond what was read
  ASSERT_TRUE(source.NodeHash(0, 301).ok());
  ASSERT_TRUE(source.NodeHash(0, 299).ok());
  EXPECT_EQ(gets, std::vector<std::string>{"tile/0/001"});
  EXPECT_EQ(source.SetTreeSize(999).error().code(),
            ErrorCode::kInvalidArgument);
}

// tlog-tiles §Partial Tiles: a log "MAY delete any partial tile once the
// corresponding full tile is either available"; clients "MAY fetch the full
// tile ... as a fallback".
TEST(TileNodeSourceFallbackTest, FullTileStandsInForADeletedPartialOne) {
  GrowingLog log;
  log.GrowTo(300);
  log.GrowTo(600);
  ASSERT_TRUE(log.store().Remove("tile/0/001.p/44"));
  TileNodeSource source(log.store(), 300);
  ExpectEveryNode(source, log.tree(), 300);
  // Without a full tile to fall back on, the node is missing.
  ASSERT_TRUE(log.store().Remove("tile/0/001"));
  TileNodeSource bare(log.store(), 300);
  auto missing = bare.NodeHash(0, 299);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message().find("tile/0/001.p/44"),
            std::string::npos)
      << missing.error().message();
}

TEST(TileNodeSourceErrorTest, MalformedAndFailingTiles) {
  MemoryTileStore store;
  std::vector<uint8_t> bad(2 * 32 + 1, 0);
  ASSERT_TRUE(store.PutImmutable("tile/0/000.p/2", bad).ok());
  TileNodeSource source(store, 2);
  auto got = source.NodeHash(0, 0);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code(), ErrorCode::kMalformed);

  store.SetFaultHook([](std::string_view) -> Status {
    return Error(ErrorCode::kIo, "disk on fire");
  });
  TileNodeSource failing(store, 2);
  EXPECT_EQ(failing.NodeHash(1, 0).error().code(), ErrorCode::kIo);
  // Outside the tree: no read at all.
  EXPECT_EQ(failing.NodeHash(0, 2).error().code(), ErrorCode::kNotFound);
  TileNodeSource empty(store, 0);
  EXPECT_EQ(merkle::SubtreeHash(empty, {0, 0}).value(),
            merkle::EmptyTreeHash());
}

// Readers on several threads while the tree grows under them, through a
// cache too small to hold the tree.
TEST(TileNodeSourceConcurrencyTest, ReadersWhileTheTreeGrows) {
  GrowingLog log;
  log.GrowTo(1);
  // The whole tree in memory first, so readers compare against a tree that
  // does not change; the store grows along.
  MemoryTree final_tree;
  for (const auto& e : EntriesOf(0, 5000)) final_tree.AppendEntry(e);
  TileNodeSource source(log.store(), 1, /*cache_tiles=*/3);
  std::atomic<bool> done{false};
  std::atomic<int> bad{0}, reads{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; t++) {
    readers.emplace_back([&, t] {
      std::mt19937_64 rng(t);
      while (!done) {
        uint64_t size = source.tree_size();
        int level = static_cast<int>(rng() % 13);
        if ((size >> level) == 0) continue;
        uint64_t i = rng() % (size >> level);
        auto got = source.NodeHash(level, i);
        if (!got.ok() || *got != *final_tree.NodeHash(level, i)) bad++;
        reads++;
      }
    });
  }
  std::mt19937_64 rng(99);
  while (log.size() < 5000) {
    log.GrowTo(std::min<uint64_t>(5000, log.size() + 1 + rng() % 200));
    ASSERT_TRUE(source.SetTreeSize(log.size()).ok());
  }
  while (reads < 20000) std::this_thread::yield();
  done = true;
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace mtc::log
