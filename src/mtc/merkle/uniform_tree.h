// A Merkle Tree of up to 2^64 - 1 identical entries, computed in constant
// space: every full node at a level has the same hash. Lets tests and
// benchmarks generate and check real proofs in trees far larger than memory
// (2^32 entries, or the arithmetic edge near 2^63..2^64).
#ifndef MTC_MERKLE_UNIFORM_TREE_H_
#define MTC_MERKLE_UNIFORM_TREE_H_

#include <array>
#include <cstdint>
#include <span>

#include "mtc/merkle/node_source.h"

namespace mtc::merkle {

class UniformTree : public NodeSource {
 public:
  // Every entry is `entry`.
  explicit UniformTree(std::span<const uint8_t> entry) {
    levels_[0] = HashLeaf(entry);
    for (size_t l = 1; l < levels_.size(); l++) {
      levels_[l] = HashChildren(levels_[l - 1], levels_[l - 1]);
    }
  }

  const Hash& leaf_hash() const { return levels_[0]; }

  Result<Hash> NodeHash(int level, uint64_t) const override {
    if (level < 0 || static_cast<size_t>(level) >= levels_.size()) {
      return Error(ErrorCode::kNotFound, "no such level");
    }
    return levels_[level];
  }

 private:
  std::array<Hash, 64> levels_;
};

}  // namespace mtc::merkle

#endif  // MTC_MERKLE_UNIFORM_TREE_H_
