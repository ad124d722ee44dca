// Tests of the nodes and proofs of one commit against their definitions
// (RFC 9162 §2.1.1 MTH, draft-ietf-plants-merkle-tree-certs §Generating a
// Subtree Inclusion Proof), computed here over a whole merkle::MemoryTree.
#include "log/commit_nodes.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

#include "mtc/merkle/node_source.h"
#include "mtc/merkle/proof.h"
#include "mtc/merkle/subtree.h"

namespace mtc::log {
namespace {

// A MemoryTree of `size` leaves whose leaf hashes vary with the index.
merkle::MemoryTree TreeOf(uint64_t size) {
  merkle::MemoryTree tree;
  for (uint64_t i = 0; i < size; i++) {
    std::string e = "leaf " + std::to_string(i);
    tree.AppendEntry(std::vector<uint8_t>(e.begin(), e.end()));
  }
  return tree;
}

// The old tree's view of `tree`: its full nodes within the first `size`
// leaves only, so that CommitNodes cannot read anything newer.
class Prefix : public merkle::NodeSource {
 public:
  Prefix(const merkle::MemoryTree& tree, uint64_t size)
      : tree_(tree), size_(size) {}
  Result<merkle::Hash> NodeHash(int level, uint64_t index) const override {
    if (level >= 64 || index >= (size_ >> level)) {
      return Error(ErrorCode::kNotFound, "beyond the old tree");
    }
    reads++;
    return tree_.NodeHash(level, index);
  }
  mutable int reads = 0;

 private:
  const merkle::MemoryTree& tree_;
  uint64_t size_;
};

std::vector<merkle::Hash> LeafHashes(const merkle::MemoryTree& tree,
                                     uint64_t from, uint64_t to) {
  std::vector<merkle::Hash> out;
  for (uint64_t i = from; i < to; i++) out.push_back(*tree.NodeHash(0, i));
  return out;
}

// Checks the growth old -> new of `tree` (whose size is at least new).
void CheckGrowth(const merkle::MemoryTree& tree, uint64_t old_size,
                 uint64_t new_size) {
  SCOPED_TRACE(std::to_string(old_size) + " -> " + std::to_string(new_size));
  Prefix old_tree(tree, old_size);
  auto nodes = CommitNodes::Build(old_tree, old_size,
                                  LeafHashes(tree, old_size, new_size));
  ASSERT_TRUE(nodes.ok()) << nodes.error().ToString();
  // At most one node per level read from the old tree.
  EXPECT_LE(old_tree.reads, 64);
  for (int level = 0; level < 64; level++) {
    std::span<const merkle::Hash> added = nodes->NewNodes(level);
    ASSERT_EQ(added.size(), (new_size >> level) - (old_size >> level));
    for (size_t j = 0; j < added.size(); j++) {
      ASSERT_EQ(added[j], *tree.NodeHash(level, (old_size >> level) + j));
    }
  }
  // The root of the new tree from the commit's nodes alone.
  ASSERT_EQ(merkle::SubtreeHash(*nodes, {0, new_size}).value(),
            merkle::SubtreeHash(tree, {0, new_size}).value());
  auto [left, right] = merkle::FindCoveringSubtrees(old_size, new_size);
  std::vector<merkle::Subtree> subtrees;
  for (const merkle::Subtree& s : {left, right}) {
    if (s.empty()) continue;
    ASSERT_EQ(merkle::SubtreeHash(*nodes, s).value(),
              merkle::SubtreeHash(tree, s).value());
    subtrees.push_back(s);
  }
  auto proofs = CommitProofs::Build(std::move(*nodes), subtrees);
  ASSERT_TRUE(proofs.ok()) << proofs.error().ToString();
  for (uint64_t i = old_size; i < new_size; i++) {
    const merkle::Subtree& s = (*proofs)->SubtreeOf(i);
    ASSERT_TRUE(s.start <= i && i < s.end) << i;
    ASSERT_EQ((*proofs)->InclusionProof(i),
              merkle::GenerateInclusionProof(tree, s, i).value())
        << "entry " << i;
  }
  EXPECT_TRUE((*proofs)->InclusionProof(new_size).empty());
  if (old_size > 0) {
    EXPECT_TRUE((*proofs)->InclusionProof(old_size - 1).empty());
  }
}

// Every growth of a tree of up to 70 leaves by up to 70.
TEST(CommitNodesTest, EverySmallGrowth) {
  merkle::MemoryTree tree = TreeOf(140);
  for (uint64_t old_size = 0; old_size <= 70; old_size++) {
    for (uint64_t new_size = old_size + 1; new_size <= old_size + 70;
         new_size++) {
      CheckGrowth(tree, old_size, new_size);
      if (HasFatalFailure()) return;
    }
  }
}

// Growths across chunks of 256 and tiles of every level up to 2: starting
// and ending inside chunks, filling whole chunks, with a partial right
// covering subtree and with none.
TEST(CommitNodesTest, GrowthsAcrossChunks) {
  merkle::MemoryTree tree = TreeOf(70000);
  for (auto [old_size, new_size] :
       std::vector<std::pair<uint64_t, uint64_t>>{{0, 256},
                                                  {0, 257},
                                                  {0, 1000},
                                                  {1, 1300},
                                                  {255, 513},
                                                  {256, 512},
                                                  {300, 5000},
                                                  {1023, 1025},
                                                  {4096, 8192},
                                                  {5000, 5100},
                                                  {65535, 65537},
                                                  {65000, 70000},
                                                  {12345, 65536}}) {
    CheckGrowth(tree, old_size, new_size);
    if (HasFatalFailure()) return;
  }
  std::mt19937_64 rng(7);
  for (int run = 0; run < 20; run++) {
    uint64_t old_size = rng() % 60000;
    CheckGrowth(tree, old_size, old_size + 1 + rng() % 4000);
    if (HasFatalFailure()) return;
  }
}

TEST(CommitNodesTest, NothingElseIsHeld) {
  merkle::MemoryTree tree = TreeOf(20);
  Prefix old_tree(tree, 12);
  auto nodes = CommitNodes::Build(old_tree, 12, LeafHashes(tree, 12, 20));
  ASSERT_TRUE(nodes.ok());
  // 12 = 0b1100: the old frontier is (2, 2) and (3, 0).
  EXPECT_TRUE(nodes->NodeHash(2, 2).ok());
  EXPECT_TRUE(nodes->NodeHash(3, 0).ok());
  EXPECT_EQ(nodes->NodeHash(0, 11).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(nodes->NodeHash(2, 1).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(nodes->NodeHash(0, 20).error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(nodes->NodeHash(0, 19).ok());
  // A missing frontier node is the old tree's error.
  Prefix too_small(tree, 8);
  EXPECT_FALSE(
      CommitNodes::Build(too_small, 12, LeafHashes(tree, 12, 20)).ok());
}

}  // namespace
}  // namespace mtc::log
