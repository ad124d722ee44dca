#include "mtc/merkle/node_source.h"

#include <bit>
#include <string>

namespace mtc::merkle {

Result<Hash> SubtreeHash(const NodeSource& source, const Subtree& subtree) {
  if (!IsValidSubtree(subtree)) {
    return Error(ErrorCode::kOutOfRange,
                 subtree.ToString() + " is not a valid subtree");
  }
  if (subtree.empty()) return EmptyTreeHash();
  uint64_t size = subtree.size();
  if (std::has_single_bit(size)) {
    int level = std::countr_zero(size);
    return source.NodeHash(level, subtree.start >> level);
  }
  // A partial subtree: the full left child of size k, the largest power of two
  // smaller than the size, then the (valid) remainder on the right (RFC 9162
  // §2.1.1).
  uint64_t k = std::bit_floor(size - 1);
  int level = std::countr_zero(k);
  MTC_ASSIGN_OR_RETURN(Hash left,
                       source.NodeHash(level, subtree.start >> level));
  MTC_ASSIGN_OR_RETURN(Hash right,
                       SubtreeHash(source, {subtree.start + k, subtree.end}));
  return HashChildren(left, right);
}

void MemoryTree::AppendEntry(std::span<const uint8_t> entry) {
  AppendLeafHash(HashLeaf(entry));
}

void MemoryTree::AppendLeafHash(const Hash& leaf_hash) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf_hash);
  // Complete every full node that this leaf closes.
  for (size_t level = 0; levels_[level].size() % 2 == 0; level++) {
    if (level + 1 == levels_.size()) levels_.emplace_back();
    const std::vector<Hash>& below = levels_[level];
    Hash parent = HashChildren(below[below.size() - 2], below.back());
    levels_[level + 1].push_back(parent);
  }
}

Hash MemoryTree::RootHash() const {
  // Every node this needs is present, so this cannot fail.
  return SubtreeHash(*this, {0, size()}).value();
}

Result<Hash> MemoryTree::NodeHash(int level, uint64_t index) const {
  if (level < 0 || static_cast<size_t>(level) >= levels_.size() ||
      index >= levels_[level].size()) {
    return Error(ErrorCode::kNotFound, "no node at level " +
                                           std::to_string(level) + " index " +
                                           std::to_string(index));
  }
  return levels_[level][index];
}

}  // namespace mtc::merkle
