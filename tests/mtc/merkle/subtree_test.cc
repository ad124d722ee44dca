// Tests of §Definition of a Subtree and §Selecting Two Subtrees
// (draft-ietf-plants-merkle-tree-certs).
#include "mtc/merkle/subtree.h"

#include <gtest/gtest.h>

#include <bit>
#include <string>

#include "mtc/base/hex.h"
#include "mtc/crypto/sha256.h"
#include "mtc/merkle/naive_testutil.h"

namespace mtc::merkle {
namespace {

constexpr uint64_t kTwo63 = uint64_t{1} << 63;
constexpr uint64_t kMax = ~uint64_t{0};

TEST(IsValidSubtreeTest, DraftStatements) {
  // "For all x, [0, x) is a valid subtree, and [x, x) is a valid subtree."
  for (uint64_t x :
       {uint64_t{0}, uint64_t{1}, uint64_t{13}, kTwo63, kTwo63 + 1, kMax}) {
    EXPECT_TRUE(IsValidSubtree(0, x)) << x;
    EXPECT_TRUE(IsValidSubtree(x, x)) << x;
  }
  // §Example Subtrees.
  EXPECT_TRUE(IsValidSubtree(4, 8));
  EXPECT_TRUE(IsValidSubtree(8, 13));
  // §Subtrees (explained): [1, 5) is misaligned.
  EXPECT_FALSE(IsValidSubtree(1, 5));
  EXPECT_FALSE(IsValidSubtree(5, 4));
}

TEST(IsValidSubtreeTest, AgreesWithNaiveDefinitionUpTo300) {
  for (uint64_t end = 0; end <= 300; end++) {
    for (uint64_t start = 0; start <= end + 2; start++) {
      EXPECT_EQ(IsValidSubtree(start, end),
                testing::NaiveTree::IsValidSubtree(start, end))
          << start << " " << end;
    }
  }
}

// Near 2^63..2^64 BIT_CEIL(end - start) overflows 64 bits; compare with the
// definition evaluated in 128-bit arithmetic.
bool ValidIn128Bits(uint64_t start, uint64_t end) {
  if (start > end) return false;
  unsigned __int128 size = end - start, ceil = 1;
  while (ceil < size) ceil *= 2;
  return static_cast<unsigned __int128>(start) % ceil == 0;
}

TEST(IsValidSubtreeTest, CorrectNear2To64) {
  EXPECT_TRUE(IsValidSubtree(0, kTwo63 + 1));  // the draft's example
  EXPECT_FALSE(IsValidSubtree(1, kTwo63 + 2));
  EXPECT_TRUE(IsValidSubtree(kTwo63, kMax));
  EXPECT_TRUE(IsValidSubtree(kTwo63, kTwo63 + 1));
  EXPECT_FALSE(IsValidSubtree(kTwo63 >> 1, kTwo63 + 1));
  const uint64_t edges[] = {0,           1,
                            2,           3,
                            kTwo63 >> 1, kTwo63 - 2,
                            kTwo63 - 1,  kTwo63,
                            kTwo63 + 1,  kTwo63 + 2,
                            kMax - 2,    kMax - 1,
                            kMax,        kTwo63 + (kTwo63 >> 1)};
  for (uint64_t a : edges) {
    for (uint64_t b : edges) {
      EXPECT_EQ(IsValidSubtree(a, b), ValidIn128Bits(a, b)) << a << " " << b;
    }
  }
}

TEST(FindCoveringSubtreesTest, DraftExamples) {
  // §Selecting Two Subtrees, figure "An example selection of subtrees".
  auto [left, right] = FindCoveringSubtrees(5, 13);
  EXPECT_EQ(left, (Subtree{4, 8}));
  EXPECT_EQ(right, (Subtree{8, 13}));
  // §Efficiently Covering Arbitrary Intervals: [7, 9) in a tree of 9 is better
  // covered by two subtrees than by [0, 9).
  std::tie(left, right) = FindCoveringSubtrees(7, 9);
  EXPECT_EQ(left, (Subtree{7, 8}));
  EXPECT_EQ(right, (Subtree{8, 9}));
  // Step 1.
  std::tie(left, right) = FindCoveringSubtrees(6, 7);
  EXPECT_EQ(left, (Subtree{6, 7}));
  EXPECT_EQ(right, (Subtree{7, 7}));
  std::tie(left, right) = FindCoveringSubtrees(6, 6);
  EXPECT_EQ(left, (Subtree{6, 6}));
  EXPECT_EQ(right, (Subtree{6, 6}));
}

// Appendix "Subtree Test Vectors", §Efficient Covering Subtrees.
TEST(FindCoveringSubtreesTest, AccumulatedVector) {
  crypto::Sha256 h;
  for (uint64_t end = 0; end <= 130; end++) {
    for (uint64_t start = 0; start <= end; start++) {
      auto [left, right] = FindCoveringSubtrees(start, end);
      std::string line = left.ToString() + " " + right.ToString() + "\n";
      h.Update({reinterpret_cast<const uint8_t*>(line.data()), line.size()});
    }
  }
  EXPECT_EQ(HexEncode(h.Finish()),
            "7fd9c8b926e9d2b5cf831560e8ce295a5ef97ad5c5ede4ea0dea28a8c8fc8bb0");
}

// The three properties §Selecting Two Subtrees promises, and validity, for
// every interval of trees up to 300 and for intervals near 2^64.
void ExpectCoveringProperties(uint64_t start, uint64_t end) {
  auto [left, right] = FindCoveringSubtrees(start, end);
  SCOPED_TRACE((Subtree{start, end}).ToString());
  EXPECT_TRUE(IsValidSubtree(left));
  EXPECT_TRUE(IsValidSubtree(right));
  EXPECT_EQ(left.end, right.start);
  EXPECT_LE(left.start, start);
  EXPECT_EQ(right.end, end);
  if (start < end) {
    EXPECT_LT(start - left.start, left.end - start);
  }
}

TEST(FindCoveringSubtreesTest, PropertiesHold) {
  for (uint64_t end = 0; end <= 300; end++) {
    for (uint64_t start = 0; start <= end; start++) {
      ExpectCoveringProperties(start, end);
    }
  }
  for (uint64_t start : {uint64_t{0}, kTwo63 - 1, kTwo63, kMax - 5, kMax - 1}) {
    for (uint64_t end : {kTwo63, kTwo63 + 1, kMax - 1, kMax}) {
      if (start <= end) ExpectCoveringProperties(start, end);
    }
  }
}

}  // namespace
}  // namespace mtc::merkle
