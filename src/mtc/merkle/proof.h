// Subtree inclusion and consistency proofs
// (draft-ietf-plants-merkle-tree-certs §Subtree Inclusion Proofs,
// §Subtree Consistency Proofs), and the RFC 9162 §2.1.3-2.1.4 proofs they
// generalize. Each procedure has one implementation; the RFC 9162 forms are
// the special cases the draft names.
#ifndef MTC_MERKLE_PROOF_H_
#define MTC_MERKLE_PROOF_H_

#include <cstdint>
#include <span>
#include <vector>

#include "mtc/base/result.h"
#include "mtc/merkle/hash.h"
#include "mtc/merkle/node_source.h"
#include "mtc/merkle/subtree.h"

namespace mtc::merkle {

using Proof = std::vector<Hash>;

// The inclusion proof of entry `index` in `subtree`: PATH(index - start,
// D[start:end]) of RFC 9162 §2.1.3.1.
Result<Proof> GenerateInclusionProof(const NodeSource& source,
                                     const Subtree& subtree, uint64_t index);

// §Evaluating a Subtree Inclusion Proof: the subtree hash that `proof` and
// `entry_hash` reconstruct, or an error naming the check that failed.
Result<Hash> EvaluateInclusionProof(const Subtree& subtree, uint64_t index,
                                    const Hash& entry_hash,
                                    std::span<const Hash> proof);

// §Verifying a Subtree Inclusion Proof.
Status VerifyInclusionProof(const Subtree& subtree, uint64_t index,
                            const Hash& entry_hash, std::span<const Hash> proof,
                            const Hash& subtree_hash);

// SUBTREE_PROOF(start, end, D_n): proves `subtree` consistent with the tree of
// size `tree_size`.
Result<Proof> GenerateConsistencyProof(const NodeSource& source,
                                       uint64_t tree_size,
                                       const Subtree& subtree);

// §Verifying a Subtree Consistency Proof.
Status VerifyConsistencyProof(uint64_t tree_size, const Subtree& subtree,
                              std::span<const Hash> proof,
                              const Hash& node_hash, const Hash& root_hash);

// RFC 9162 §2.1.3: the inclusion proof of leaf `index` in the tree of size
// `tree_size` is the subtree inclusion proof for [0, tree_size).
inline Result<Proof> GenerateRfc9162InclusionProof(const NodeSource& source,
                                                   uint64_t tree_size,
                                                   uint64_t index) {
  return GenerateInclusionProof(source, {0, tree_size}, index);
}
inline Status VerifyRfc9162InclusionProof(uint64_t tree_size, uint64_t index,
                                          const Hash& leaf_hash,
                                          std::span<const Hash> proof,
                                          const Hash& root_hash) {
  return VerifyInclusionProof({0, tree_size}, index, leaf_hash, proof,
                              root_hash);
}

// RFC 9162 §2.1.4: PROOF(m, D_n) = SUBTREE_PROOF(0, m, D_n).
inline Result<Proof> GenerateRfc9162ConsistencyProof(const NodeSource& source,
                                                     uint64_t old_size,
                                                     uint64_t new_size) {
  return GenerateConsistencyProof(source, new_size, {0, old_size});
}
inline Status VerifyRfc9162ConsistencyProof(uint64_t old_size,
                                            uint64_t new_size,
                                            std::span<const Hash> proof,
                                            const Hash& old_root,
                                            const Hash& new_root) {
  return VerifyConsistencyProof(new_size, {0, old_size}, proof, old_root,
                                new_root);
}

}  // namespace mtc::merkle

#endif  // MTC_MERKLE_PROOF_H_
