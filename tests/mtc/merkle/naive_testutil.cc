#include "mtc/merkle/naive_testutil.h"

#include <cassert>

#include "mtc/crypto/sha256.h"

namespace mtc::merkle::testing {

namespace {

// The largest power of two smaller than n, for n > 1.
uint64_t LargestPowerOfTwoBelow(uint64_t n) {
  uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

std::vector<Hash> Concat(std::vector<Hash> a, const Hash& b) {
  a.push_back(b);
  return a;
}

}  // namespace

NaiveTree NaiveTree::WithByteEntries(uint64_t n) {
  std::vector<std::vector<uint8_t>> d;
  for (uint64_t i = 0; i < n; i++) d.push_back({static_cast<uint8_t>(i)});
  return NaiveTree(std::move(d));
}

bool NaiveTree::IsValidSubtree(uint64_t start, uint64_t end) {
  if (start > end) return false;
  uint64_t ceil = 1;
  while (ceil < end - start) ceil *= 2;
  return start % ceil == 0;
}

Hash NaiveTree::Mth(uint64_t lo, uint64_t hi) const {
  auto it = mth_memo_.find({lo, hi});
  if (it != mth_memo_.end()) return it->second;
  Hash h;
  uint64_t n = hi - lo;
  if (n == 0) {
    h = crypto::Sha256Of(std::span<const uint8_t>());
  } else if (n == 1) {
    std::vector<uint8_t> leaf = {0x00};
    leaf.insert(leaf.end(), d_[lo].begin(), d_[lo].end());
    h = crypto::Sha256Of(leaf);
  } else {
    uint64_t k = LargestPowerOfTwoBelow(n);
    Hash left = Mth(lo, lo + k), right = Mth(lo + k, hi);
    std::vector<uint8_t> node = {0x01};
    node.insert(node.end(), left.begin(), left.end());
    node.insert(node.end(), right.begin(), right.end());
    h = crypto::Sha256Of(node);
  }
  mth_memo_[{lo, hi}] = h;
  return h;
}

std::vector<Hash> NaiveTree::Path(uint64_t m, uint64_t lo, uint64_t hi) const {
  uint64_t n = hi - lo;
  if (n == 1) return {};
  uint64_t k = LargestPowerOfTwoBelow(n);
  if (m < k) return Concat(Path(m, lo, lo + k), Mth(lo + k, hi));
  return Concat(Path(m - k, lo + k, hi), Mth(lo, lo + k));
}

std::vector<Hash> NaiveTree::SubtreeProof(uint64_t start, uint64_t end,
                                          uint64_t n) const {
  if (start == end) return {};
  return SubtreeSubproof(start, end, 0, n, true);
}

std::vector<Hash> NaiveTree::SubtreeSubproof(uint64_t start, uint64_t end,
                                             uint64_t lo, uint64_t hi,
                                             bool b) const {
  uint64_t n = hi - lo;
  if (start == 0 && end == n) {
    if (b) return {};
    return {Mth(lo, hi)};
  }
  assert(n > 1);
  uint64_t k = LargestPowerOfTwoBelow(n);
  if (end <= k) {
    return Concat(SubtreeSubproof(start, end, lo, lo + k, b), Mth(lo + k, hi));
  }
  if (k <= start) {
    return Concat(SubtreeSubproof(start - k, end - k, lo + k, hi, b),
                  Mth(lo, lo + k));
  }
  assert(start == 0);
  return Concat(SubtreeSubproof(0, end - k, lo + k, hi, false),
                Mth(lo, lo + k));
}

}  // namespace mtc::merkle::testing
