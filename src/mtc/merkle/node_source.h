// Where proof generation gets the hashes of tree nodes.
//
// Proofs and subtree hashes are computed from *full* nodes only: the node at
// `level` and `index` is MTH(D[index * 2^level : (index + 1) * 2^level]), the
// same addressing as C2SP tlog-tiles hash tiles. An in-memory tree serves tests
// and benchmarks; the issuance log answers from its stored tiles.
#ifndef MTC_MERKLE_NODE_SOURCE_H_
#define MTC_MERKLE_NODE_SOURCE_H_

#include <cstdint>
#include <span>
#include <vector>

#include "mtc/base/result.h"
#include "mtc/merkle/hash.h"
#include "mtc/merkle/subtree.h"

namespace mtc::merkle {

class NodeSource {
 public:
  virtual ~NodeSource() = default;

  // The hash of the full node at `level` (0 = leaves) and `index`, or kNotFound
  // if the source does not hold it.
  virtual Result<Hash> NodeHash(int level, uint64_t index) const = 0;
};

// MTH(D[start:end]) for a valid subtree, from the full nodes that make it up.
// The empty subtree hashes to EmptyTreeHash().
Result<Hash> SubtreeHash(const NodeSource& source, const Subtree& subtree);

// A whole Merkle Tree in memory: every full node, 2 hashes per leaf.
// Not thread-safe.
class MemoryTree : public NodeSource {
 public:
  MemoryTree() = default;

  // Appends MTH({entry}).
  void AppendEntry(std::span<const uint8_t> entry);
  // Appends a leaf given its hash.
  void AppendLeafHash(const Hash& leaf_hash);

  uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }
  // MTH(D_n) for the current size.
  Hash RootHash() const;

  Result<Hash> NodeHash(int level, uint64_t index) const override;

 private:
  // levels_[l][i] is the full node at level l, index i.
  std::vector<std::vector<Hash>> levels_;
};

}  // namespace mtc::merkle

#endif  // MTC_MERKLE_NODE_SOURCE_H_
