// Tests of §Subtree Inclusion Proofs and §Subtree Consistency Proofs
// (draft-ietf-plants-merkle-tree-certs) and their RFC 9162 special cases.
#include "mtc/merkle/proof.h"

#include <gtest/gtest.h>

#include <string>

#include "mtc/base/hex.h"
#include "mtc/crypto/sha256.h"
#include "mtc/merkle/naive_testutil.h"
#include "mtc/merkle/node_source.h"
#include "mtc/merkle/uniform_tree.h"

namespace mtc::merkle {
namespace {

using testing::NaiveTree;

constexpr uint64_t kMaxTree = 130;

// The tree of the draft's test vectors: d[i] is the single byte i.
class ByteTree {
 public:
  explicit ByteTree(uint64_t n) : naive_(NaiveTree::WithByteEntries(n)) {
    for (uint64_t i = 0; i < n; i++) {
      uint8_t d = static_cast<uint8_t>(i);
      tree_.AppendEntry({&d, 1});
    }
  }
  const MemoryTree& tree() const { return tree_; }
  const NaiveTree& naive() const { return naive_; }
  Hash Mth(uint64_t lo, uint64_t hi) const { return naive_.Mth(lo, hi); }

 private:
  MemoryTree tree_;
  NaiveTree naive_;
};

const ByteTree& TreeOf(uint64_t n) {
  static std::vector<ByteTree>* trees = [] {
    auto* v = new std::vector<ByteTree>;
    for (uint64_t i = 0; i <= 300; i++) v->emplace_back(i);
    return v;
  }();
  return (*trees)[n];
}

void AddLine(crypto::Sha256& h, const std::string& line) {
  h.Update({reinterpret_cast<const uint8_t*>(line.data()), line.size()});
}

std::string HashesSuffix(const Proof& proof) {
  std::string s;
  for (const Hash& p : proof) s += " " + HexEncode(p);
  return s;
}

// Appendix "Subtree Test Vectors": §Subtree Hashes.
TEST(AccumulatedVectorTest, SubtreeHashes) {
  crypto::Sha256 h;
  const MemoryTree& tree = TreeOf(kMaxTree).tree();
  for (uint64_t end = 0; end <= kMaxTree; end++) {
    for (uint64_t start = 0; start <= end; start++) {
      if (!IsValidSubtree(start, end)) continue;
      Hash subtree_hash = SubtreeHash(tree, {start, end}).value();
      AddLine(h, Subtree{start, end}.ToString() + " " +
                     HexEncode(subtree_hash) + "\n");
    }
  }
  EXPECT_EQ(HexEncode(h.Finish()),
            "b82806ad4265bb151c1119c0f4db437bb4d1a1f887b3a7fba1cd4ebf552e3e81");
}

// Appendix "Subtree Test Vectors": §Subtree Inclusion Proofs.
TEST(AccumulatedVectorTest, SubtreeInclusionProofs) {
  crypto::Sha256 h;
  const MemoryTree& tree = TreeOf(kMaxTree).tree();
  for (uint64_t end = 0; end <= kMaxTree; end++) {
    for (uint64_t start = 0; start <= end; start++) {
      if (!IsValidSubtree(start, end)) continue;
      for (uint64_t index = start; index < end; index++) {
        Proof proof = GenerateInclusionProof(tree, {start, end}, index).value();
        AddLine(h, std::to_string(index) + " " +
                       Subtree{start, end}.ToString() + HashesSuffix(proof) +
                       "\n");
      }
    }
  }
  EXPECT_EQ(HexEncode(h.Finish()),
            "ac2a8f989e44d99e399db448050ff5f19757df53cfb716aa81015d3955d8163f");
}

// Appendix "Subtree Test Vectors": §Subtree Consistency Proofs.
TEST(AccumulatedVectorTest, SubtreeConsistencyProofs) {
  crypto::Sha256 h;
  const MemoryTree& tree = TreeOf(kMaxTree).tree();
  for (uint64_t n = 0; n <= kMaxTree; n++) {
    for (uint64_t end = 0; end <= n; end++) {
      for (uint64_t start = 0; start <= end; start++) {
        if (!IsValidSubtree(start, end)) continue;
        Proof proof = GenerateConsistencyProof(tree, n, {start, end}).value();
        AddLine(h, Subtree{start, end}.ToString() + " " + std::to_string(n) +
                       HashesSuffix(proof) + "\n");
      }
    }
  }
  EXPECT_EQ(HexEncode(h.Finish()),
            "10fa99b37bf9bf9ffa26b412fbd98bd75363256d0b75d61bc4538b9c9c5a0a74");
}

// §Example Subtrees: [4, 8) and [8, 13) of a tree of 13.
TEST(DraftExampleTest, SubtreesFourToEightAndEightToThirteen) {
  const ByteTree& t = TreeOf(13);
  Hash h48 = SubtreeHash(t.tree(), {4, 8}).value();
  Hash h813 = SubtreeHash(t.tree(), {8, 13}).value();
  EXPECT_EQ(h48, HashChildren(t.Mth(4, 6), t.Mth(6, 8)));
  EXPECT_EQ(h813, HashChildren(t.Mth(8, 12), t.Mth(12, 13)));
  // [8, 13) is the right child of the root of the tree of 13.
  EXPECT_EQ(t.tree().RootHash(), HashChildren(t.Mth(0, 8), h813));
}

// §Example Subtree Inclusion Proofs: entry 10 of [8, 13).
TEST(DraftExampleTest, InclusionProofForTenInEightToThirteen) {
  const ByteTree& t = TreeOf(13);
  Proof proof = GenerateInclusionProof(t.tree(), {8, 13}, 10).value();
  EXPECT_EQ(proof, (Proof{t.Mth(11, 12), t.Mth(8, 10), t.Mth(12, 13)}));
  EXPECT_TRUE(
      VerifyInclusionProof({8, 13}, 10, t.Mth(10, 11), proof, t.Mth(8, 13))
          .ok());
}

// §Example Subtree Consistency Proofs: [4, 8) in a tree of 14.
TEST(DraftExampleTest, ConsistencyProofForFourToEightInTreeOfFourteen) {
  const ByteTree& t = TreeOf(14);
  Proof proof = GenerateConsistencyProof(t.tree(), 14, {4, 8}).value();
  EXPECT_EQ(proof, (Proof{t.Mth(0, 4), t.Mth(8, 14)}));
  EXPECT_TRUE(
      VerifyConsistencyProof(14, {4, 8}, proof, t.Mth(4, 8), t.Mth(0, 14))
          .ok());
}

// §Example Subtree Consistency Proofs: [8, 13) in a tree of 14.
TEST(DraftExampleTest, ConsistencyProofForEightToThirteenInTreeOfFourteen) {
  const ByteTree& t = TreeOf(14);
  Proof proof = GenerateConsistencyProof(t.tree(), 14, {8, 13}).value();
  EXPECT_EQ(proof,
            (Proof{t.Mth(12, 13), t.Mth(13, 14), t.Mth(8, 12), t.Mth(0, 8)}));
  EXPECT_TRUE(
      VerifyConsistencyProof(14, {8, 13}, proof, t.Mth(8, 13), t.Mth(0, 14))
          .ok());
}

// §Consistency Proof Structure: [0, 6) in trees of 8 and 7 start at [4, 6).
TEST(DraftExampleTest, ConsistencyProofStartsAtLevelOne) {
  const ByteTree& t8 = TreeOf(8);
  EXPECT_EQ(GenerateConsistencyProof(t8.tree(), 8, {0, 6}).value(),
            (Proof{t8.Mth(4, 6), t8.Mth(6, 8), t8.Mth(0, 4)}));
  const ByteTree& t7 = TreeOf(7);
  EXPECT_EQ(GenerateConsistencyProof(t7.tree(), 7, {0, 6}).value(),
            (Proof{t7.Mth(4, 6), t7.Mth(6, 7), t7.Mth(0, 4)}));
}

// Every valid subtree of every tree up to 130 against the naive reference, and
// every generated proof verifies.
TEST(NaiveReferenceTest, AllSubtreesUpTo130) {
  for (uint64_t n = 0; n <= kMaxTree; n++) {
    const ByteTree& t = TreeOf(n);
    ASSERT_EQ(t.tree().RootHash(), t.Mth(0, n)) << n;
    for (uint64_t end = 0; end <= n; end++) {
      for (uint64_t start = 0; start <= end; start++) {
        if (!IsValidSubtree(start, end)) continue;
        SCOPED_TRACE((Subtree{start, end}).ToString() +
                     " n=" + std::to_string(n));
        Hash node = SubtreeHash(t.tree(), {start, end}).value();
        ASSERT_EQ(node, t.Mth(start, end));
        Proof consistency =
            GenerateConsistencyProof(t.tree(), n, {start, end}).value();
        ASSERT_EQ(consistency, t.naive().SubtreeProof(start, end, n));
        ASSERT_TRUE(VerifyConsistencyProof(n, {start, end}, consistency, node,
                                           t.Mth(0, n))
                        .ok());
        if (end != n) continue;  // inclusion proofs depend only on [start, end)
        for (uint64_t index = start; index < end; index++) {
          Proof inclusion =
              GenerateInclusionProof(t.tree(), {start, end}, index).value();
          ASSERT_EQ(inclusion, t.naive().Path(index - start, start, end));
          ASSERT_EQ(EvaluateInclusionProof({start, end}, index,
                                           t.Mth(index, index + 1), inclusion)
                        .value(),
                    node);
        }
      }
    }
  }
}

// The draft's special cases: SUBTREE_PROOF(0, end, D_n) = PROOF(end, D_n) and
// SUBTREE_PROOF(start, start + 1, D_n) = PATH(start, D_n).
TEST(NaiveReferenceTest, Rfc9162SpecialCases) {
  for (uint64_t n = 1; n <= 64; n++) {
    const ByteTree& t = TreeOf(n);
    for (uint64_t m = 0; m < n; m++) {
      Proof path = GenerateRfc9162InclusionProof(t.tree(), n, m).value();
      EXPECT_EQ(path, t.naive().Path(m, 0, n));
      EXPECT_EQ(path,
                GenerateConsistencyProof(t.tree(), n, {m, m + 1}).value());
      EXPECT_TRUE(
          VerifyRfc9162InclusionProof(n, m, t.Mth(m, m + 1), path, t.Mth(0, n))
              .ok());
    }
    for (uint64_t m = 1; m <= n; m++) {
      Proof proof = GenerateRfc9162ConsistencyProof(t.tree(), m, n).value();
      EXPECT_EQ(proof, t.naive().SubtreeProof(0, m, n));
      EXPECT_TRUE(
          VerifyRfc9162ConsistencyProof(m, n, proof, t.Mth(0, m), t.Mth(0, n))
              .ok());
    }
  }
}

Hash FlipBit(Hash h, size_t bit) {
  h[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
  return h;
}

// Every single-bit change of a valid inclusion proof, of the entry hash or of
// the subtree hash; one hash too many or too few; indices outside the subtree.
TEST(RejectionTest, InclusionProofs) {
  const ByteTree& t = TreeOf(70);
  for (Subtree s : {Subtree{0, 70}, Subtree{64, 70}, Subtree{32, 64},
                    Subtree{8, 13}, Subtree{0, 1}, Subtree{68, 69}}) {
    Hash node = t.Mth(s.start, s.end);
    for (uint64_t index = s.start; index < s.end; index++) {
      SCOPED_TRACE(std::to_string(index) + " in " + s.ToString());
      Hash entry = t.Mth(index, index + 1);
      Proof proof = GenerateInclusionProof(t.tree(), s, index).value();
      ASSERT_TRUE(VerifyInclusionProof(s, index, entry, proof, node).ok());
      for (size_t i = 0; i < proof.size(); i++) {
        for (size_t bit = 0; bit < 8 * kHashSize; bit++) {
          Proof bad = proof;
          bad[i] = FlipBit(bad[i], bit);
          ASSERT_FALSE(VerifyInclusionProof(s, index, entry, bad, node).ok());
        }
      }
      for (size_t bit = 0; bit < 8 * kHashSize; bit += 7) {
        EXPECT_FALSE(
            VerifyInclusionProof(s, index, FlipBit(entry, bit), proof, node)
                .ok());
        EXPECT_FALSE(
            VerifyInclusionProof(s, index, entry, proof, FlipBit(node, bit))
                .ok());
      }
      Proof longer = proof;
      longer.push_back(node);
      EXPECT_FALSE(EvaluateInclusionProof(s, index, entry, longer).ok());
      if (!proof.empty()) {
        Proof shorter(proof.begin(), proof.end() - 1);
        EXPECT_FALSE(EvaluateInclusionProof(s, index, entry, shorter).ok());
        Proof no_first(proof.begin() + 1, proof.end());
        EXPECT_FALSE(
            VerifyInclusionProof(s, index, entry, no_first, node).ok());
      }
    }
    EXPECT_FALSE(EvaluateInclusionProof(s, s.end, t.Mth(0, 1), {}).ok());
    if (s.start > 0) {
      EXPECT_FALSE(
          EvaluateInclusionProof(s, s.start - 1, t.Mth(0, 1), {}).ok());
    }
  }
  // Invalid subtrees, and generation out of range.
  EXPECT_FALSE(EvaluateInclusionProof({1, 5}, 2, t.Mth(2, 3), {}).ok());
  EXPECT_FALSE(EvaluateInclusionProof({5, 4}, 4, t.Mth(4, 5), {}).ok());
  EXPECT_FALSE(EvaluateInclusionProof({3, 3}, 3, t.Mth(3, 4), {}).ok());
  EXPECT_FALSE(GenerateInclusionProof(t.tree(), {1, 5}, 2).ok());
  EXPECT_FALSE(GenerateInclusionProof(t.tree(), {8, 13}, 13).ok());
  EXPECT_FALSE(GenerateInclusionProof(t.tree(), {64, 80}, 65).ok());  // > size
}

// Every single-bit change of a valid consistency proof or of either hash; one
// hash too many or too few; invalid subtrees; end > n.
TEST(RejectionTest, ConsistencyProofs) {
  for (uint64_t n : {uint64_t{14}, uint64_t{70}}) {
    const ByteTree& t = TreeOf(n);
    Hash root = t.Mth(0, n);
    for (uint64_t end = 0; end <= n; end++) {
      for (uint64_t start = 0; start <= end; start++) {
        if (!IsValidSubtree(start, end)) continue;
        Subtree s{start, end};
        SCOPED_TRACE(s.ToString() + " n=" + std::to_string(n));
        Hash node = t.Mth(start, end);
        Proof proof = GenerateConsistencyProof(t.tree(), n, s).value();
        ASSERT_TRUE(VerifyConsistencyProof(n, s, proof, node, root).ok());
        for (size_t i = 0; i < proof.size(); i++) {
          for (size_t bit = 0; bit < 8 * kHashSize; bit++) {
            Proof bad = proof;
            bad[i] = FlipBit(bad[i], bit);
            ASSERT_FALSE(VerifyConsistencyProof(n, s, bad, node, root).ok());
          }
        }
        for (size_t bit = 0; bit < 8 * kHashSize; bit += 5) {
          EXPECT_FALSE(
              VerifyConsistencyProof(n, s, proof, FlipBit(node, bit), root)
                  .ok());
          // Step 2: an empty subtree is consistent with every tree, so only a
          // non-empty one depends on the root hash.
          if (!s.empty()) {
            EXPECT_FALSE(
                VerifyConsistencyProof(n, s, proof, node, FlipBit(root, bit))
                    .ok());
          }
        }
        Proof longer = proof;
        longer.push_back(root);
        EXPECT_FALSE(VerifyConsistencyProof(n, s, longer, node, root).ok());
        if (!proof.empty()) {
          Proof shorter(proof.begin(), proof.end() - 1);
          EXPECT_FALSE(VerifyConsistencyProof(n, s, shorter, node, root).ok());
        }
      }
    }
    EXPECT_FALSE(VerifyConsistencyProof(n, {1, 5}, {}, t.Mth(1, 5), root).ok());
    EXPECT_FALSE(VerifyConsistencyProof(n, {0, n + 1}, {}, root, root).ok());
    EXPECT_FALSE(GenerateConsistencyProof(t.tree(), n, {0, n + 1}).ok());
    EXPECT_FALSE(GenerateConsistencyProof(t.tree(), n, {1, 5}).ok());
    EXPECT_FALSE(GenerateConsistencyProof(t.tree(), n + 1, {0, 1}).ok());
  }
}

// Trees of identical entries have the same node hash across a level, so proofs
// in trees of up to 2^64 - 1 entries can be generated and checked, exercising
// the arithmetic near 2^63..2^64.
TEST(LargeTreeTest, ProofsNear2To64) {
  UniformTree tree({});
  constexpr uint64_t kTwo63 = uint64_t{1} << 63;
  constexpr uint64_t kMax = ~uint64_t{0};
  const Hash leaf = tree.leaf_hash();
  for (uint64_t n : {kTwo63, kTwo63 + 1, kMax - 1, kMax}) {
    Hash root = SubtreeHash(tree, {0, n}).value();
    for (Subtree s : {Subtree{0, n}, Subtree{kTwo63, n}, Subtree{0, kTwo63},
                      Subtree{n - 1, n}, Subtree{kTwo63 - 4, kTwo63}}) {
      if (!IsValidSubtree(s) || s.end > n) continue;
      SCOPED_TRACE(s.ToString() + " n=" + std::to_string(n));
      Hash node = SubtreeHash(tree, s).value();
      Proof consistency = GenerateConsistencyProof(tree, n, s).value();
      EXPECT_LE(consistency.size(), 128u);
      EXPECT_TRUE(VerifyConsistencyProof(n, s, consistency, node, root).ok());
      if (s.empty()) continue;
      for (uint64_t index : {s.start, s.end - 1, s.start + s.size() / 2}) {
        Proof inclusion = GenerateInclusionProof(tree, s, index).value();
        EXPECT_LE(inclusion.size(), 64u);
        EXPECT_TRUE(VerifyInclusionProof(s, index, leaf, inclusion, node).ok());
      }
    }
  }
}

}  // namespace
}  // namespace mtc::merkle
