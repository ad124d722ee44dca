// Subtrees of a Merkle Tree (draft-ietf-plants-merkle-tree-certs §Subtrees).
#ifndef MTC_MERKLE_SUBTREE_H_
#define MTC_MERKLE_SUBTREE_H_

#include <cstdint>
#include <string>
#include <utility>

namespace mtc::merkle {

// The half-open interval [start, end) of a Merkle Tree's entries. Whether it is
// a *valid* subtree is a separate question (IsValidSubtree).
struct Subtree {
  uint64_t start = 0;
  uint64_t end = 0;

  uint64_t size() const { return end - start; }
  bool empty() const { return start == end; }
  bool operator==(const Subtree&) const = default;
  // "[start, end)", as the draft writes it.
  std::string ToString() const;
};

// §Definition of a Subtree: 0 <= start <= end and start is a multiple of
// BIT_CEIL(end - start), computed without overflow near 2^64.
bool IsValidSubtree(uint64_t start, uint64_t end);
inline bool IsValidSubtree(const Subtree& s) {
  return IsValidSubtree(s.start, s.end);
}

// §Selecting Two Subtrees: the subtrees `left` and `right` with
// left.end == right.start, left.start <= start, right.end == end, which
// together cover [start, end) with fewer extra entries before `start` than half
// of `left`. `right` may be empty; `start <= end` is required.
std::pair<Subtree, Subtree> FindCoveringSubtrees(uint64_t start, uint64_t end);

}  // namespace mtc::merkle

#endif  // MTC_MERKLE_SUBTREE_H_
