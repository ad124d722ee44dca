// The Merkle Tree nodes one commit adds, and the inclusion proofs of its
// entries built from them (docs/design.md §5; draft-ietf-plants-merkle-tree-
// certs §Standalone Certificates; C2SP tlog-tiles §Merkle Tree).
//
// A commit that grows the tree from `old_size` to `new_size` computes every
// full node whose range reaches into [old_size, new_size) once, in memory,
// from the new leaf hashes (two hashes per entry). With the old tree's
// frontier (at most one full node per level, read once from the stored
// tiles) that is every node the commit needs: the hash tiles it writes, the
// new root, the covering subtrees' hashes and every new entry's inclusion
// proof. Nothing is hashed twice.
#ifndef MTC_LOG_COMMIT_NODES_H_
#define MTC_LOG_COMMIT_NODES_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "mtc/base/result.h"
#include "mtc/merkle/hash.h"
#include "mtc/merkle/node_source.h"
#include "mtc/merkle/proof.h"
#include "mtc/merkle/subtree.h"

namespace mtc::log {

// Immutable once built; safe to read from several threads.
class CommitNodes : public merkle::NodeSource {
 public:
  // The nodes of the tree of `old_size + leaf_hashes.size()` entries that
  // the growth adds, `leaf_hashes` being the level-0 hashes of entries
  // old_size, old_size + 1, ... `old_tree` answers for the tree of
  // `old_size`: Build reads from it the old frontier, the full node
  // (l, (old_size >> l) - 1) at each level l where old_size >> l is odd, and
  // nothing afterwards. Its error if one of those is missing.
  static Result<CommitNodes> Build(const merkle::NodeSource& old_tree,
                                   uint64_t old_size,
                                   std::vector<merkle::Hash> leaf_hashes);

  uint64_t old_size() const { return old_size_; }
  uint64_t new_size() const { return new_size_; }

  // The nodes the commit adds at tree level `level`: indices
  // [old_size >> level, new_size >> level), in order. Empty from the first
  // level that does not grow on.
  std::span<const merkle::Hash> NewNodes(int level) const;

  // A new node or an old frontier node. These are all the full nodes that
  // the new tree's root, any subtree of it that ends at or after old_size,
  // and the inclusion proof of any new entry in such a subtree are made of:
  // a full node left of old_size in one of them is a left sibling on the
  // path of an entry m >= old_size, so it is (l, (m >> l) - 1) with m >> l
  // odd and (m >> l) << l <= old_size, hence m >> l == old_size >> l.
  // kNotFound for any other node.
  Result<merkle::Hash> NodeHash(int level, uint64_t index) const override;

 private:
  CommitNodes(uint64_t old_size, uint64_t new_size)
      : old_size_(old_size), new_size_(new_size) {}

  uint64_t old_size_;
  uint64_t new_size_;
  // levels_[l] holds the nodes [old_size >> l, new_size >> l).
  std::vector<std::vector<merkle::Hash>> levels_;
  // frontier_[l] is the node (l, (old_size >> l) - 1) when old_size >> l is
  // odd.
  std::vector<std::optional<merkle::Hash>> frontier_;
};

// The inclusion proofs of one commit's new entries in their covering
// subtrees, built when asked for. A commit shares one of these among all its
// entries, so an entry waiting for its caller to take it costs a pointer
// instead of its proof (23 hashes in a log of 2^23 entries).
//
// PATH(m, D_n) = SUBTREE_PROOF(m, m + 1, D_n) (§Generating a Subtree
// Consistency Proof) lists the recursive part first, then the sibling. For an
// entry in a full, aligned chunk of 256 entries inside its covering subtree,
// the recursion passes through that chunk, so the proof is the entry's path
// within the chunk (8 full nodes, no hashing) followed by the chunk's path
// above it, which Build computes once per chunk: the right covering subtree
// is usually partial, and its partial siblings would otherwise be hashed
// again for every entry. Build proves the few other entries (in a chunk that
// crosses old_size's covering subtree's edge or the tree's end) at once.
//
// Immutable once built; safe to read from several threads.
class CommitProofs {
 public:
  // `subtrees` are the covering subtrees of [old_size, new_size) in order
  // (one or two, none empty). Fails only if `nodes` cannot prove an entry,
  // which would be a bug.
  static Result<std::shared_ptr<const CommitProofs>> Build(
      CommitNodes nodes, std::vector<merkle::Subtree> subtrees);

  const CommitNodes& nodes() const { return nodes_; }
  // The covering subtree that contains entry `index`.
  const merkle::Subtree& SubtreeOf(uint64_t index) const;
  // The inclusion proof of new entry `index` (old_size <= index < new_size)
  // in SubtreeOf(index); empty for any other index.
  merkle::Proof InclusionProof(uint64_t index) const;

 private:
  static constexpr uint64_t kChunk = 256;
  static constexpr int kChunkHeight = 8;  // log2(kChunk)

  explicit CommitProofs(CommitNodes nodes) : nodes_(std::move(nodes)) {}

  CommitNodes nodes_;
  std::vector<merkle::Subtree> subtrees_;
  uint64_t first_chunk_ = 0;  // old_size / kChunk
  // above_[c - first_chunk_]: the path of chunk c above it in its covering
  // subtree, for each chunk that lies inside one.
  std::vector<std::optional<merkle::Proof>> above_;
  // The proofs of the entries in the other chunks.
  std::map<uint64_t, merkle::Proof> other_;
};

}  // namespace mtc::log

#endif  // MTC_LOG_COMMIT_NODES_H_
