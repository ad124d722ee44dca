#include "mtc/merkle/subtree.h"

#include <bit>
#include <cassert>

namespace mtc::merkle {

std::string Subtree::ToString() const {
  return "[" + std::to_string(start) + ", " + std::to_string(end) + ")";
}

bool IsValidSubtree(uint64_t start, uint64_t end) {
  if (start > end) return false;
  uint64_t size = end - start;
  if (size > (uint64_t{1} << 63)) {
    return start == 0;  // std::bit_ceil(size) would overflow.
  }
  return (start & (std::bit_ceil(size) - 1)) == 0;
}

std::pair<Subtree, Subtree> FindCoveringSubtrees(uint64_t start, uint64_t end) {
  assert(start <= end);
  // Step 1.
  if (end - start <= 1) return {{start, end}, {end, end}};
  // Step 2.1: the last index in [start, end).
  uint64_t last = end - 1;
  // Step 2.2: the height at which the paths to start and last diverge.
  int split = std::bit_width(start ^ last) - 1;
  uint64_t mask = (uint64_t{1} << split) - 1;
  // Step 2.3: the leftmost leaf of the divergence point's right branch.
  uint64_t mid = last & ~mask;
  // Step 2.4: the height of the lowest common ancestor of [start, mid).
  int left_split = std::bit_width(~start & mask);
  // Step 2.5.
  uint64_t left_start = start & ~((uint64_t{1} << left_split) - 1);
  // Step 2.6.
  return {{left_start, mid}, {mid, end}};
}

}  // namespace mtc::merkle
