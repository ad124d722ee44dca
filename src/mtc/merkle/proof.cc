#include "mtc/merkle/proof.h"

#include <bit>
#include <string>

namespace mtc::merkle {

namespace {

Error Rejected(const std::string& why) {
  return Error(ErrorCode::kVerificationFailed, why);
}

// SUBTREE_SUBPROOF(start, end, D[base:base+n], b) of §Generating a Subtree
// Consistency Proof, with `start` and `end` relative to `base`. Appends to
// `out` in the definition's order: the recursive part first, then the sibling.
Status SubtreeSubproof(const NodeSource& source, uint64_t base, uint64_t n,
                       uint64_t start, uint64_t end, bool omit_first,
                       Proof* out) {
  // Base case: the subtree is this whole (sub)tree.
  if (start == 0 && end == n) {
    if (!omit_first) {
      MTC_ASSIGN_OR_RETURN(Hash h, SubtreeHash(source, {base, base + n}));
      out->push_back(h);
    }
    return OkStatus();
  }
  // Otherwise n > 1; k is the largest power of two smaller than n.
  uint64_t k = std::bit_floor(n - 1);
  Subtree sibling;
  if (end <= k) {
    // The subtree is left of k: recurse left, include the right child.
    MTC_RETURN_IF_ERROR(
        SubtreeSubproof(source, base, k, start, end, omit_first, out));
    sibling = {base + k, base + n};
  } else if (k <= start) {
    // The subtree is right of k: recurse right, include the left child.
    MTC_RETURN_IF_ERROR(SubtreeSubproof(source, base + k, n - k, start - k,
                                        end - k, omit_first, out));
    sibling = {base, base + k};
  } else {
    // start < k < end, so start = 0: the subtree's root is not in this tree;
    // its first hash can no longer be omitted.
    MTC_RETURN_IF_ERROR(
        SubtreeSubproof(source, base + k, n - k, 0, end - k, false, out));
    sibling = {base, base + k};
  }
  MTC_ASSIGN_OR_RETURN(Hash h, SubtreeHash(source, sibling));
  out->push_back(h);
  return OkStatus();
}

}  // namespace

Result<Proof> GenerateInclusionProof(const NodeSource& source,
                                     const Subtree& subtree, uint64_t index) {
  if (!IsValidSubtree(subtree)) {
    return Error(ErrorCode::kOutOfRange,
                 subtree.ToString() + " is not a valid subtree");
  }
  if (index < subtree.start || index >= subtree.end) {
    return Error(
        ErrorCode::kOutOfRange,
        "index " + std::to_string(index) + " is not in " + subtree.ToString());
  }
  // PATH(m, D_n) = SUBTREE_PROOF(m, m + 1, D_n) (§Generating a Subtree
  // Consistency Proof), over the tree D[start:end].
  Proof proof;
  uint64_t m = index - subtree.start;
  MTC_RETURN_IF_ERROR(SubtreeSubproof(source, subtree.start, subtree.size(), m,
                                      m + 1, /*omit_first=*/true, &proof));
  return proof;
}

Result<Hash> EvaluateInclusionProof(const Subtree& subtree, uint64_t index,
                                    const Hash& entry_hash,
                                    std::span<const Hash> proof) {
  // Step 1.
  if (!IsValidSubtree(subtree)) {
    return Rejected(subtree.ToString() + " is not a valid subtree");
  }
  if (index < subtree.start || index >= subtree.end) {
    return Rejected("index " + std::to_string(index) + " is not in " +
                    subtree.ToString());
  }
  // Step 2.
  uint64_t fn = index - subtree.start;
  uint64_t sn = subtree.end - subtree.start - 1;
  // Step 3.
  Hash r = entry_hash;
  // Step 4.
  for (const Hash& p : proof) {
    // Step 4.1.
    if (sn == 0) return Rejected("inclusion proof has too many hashes");
    // Step 4.2.
    if ((fn & 1) == 1 || fn == sn) {
      r = HashChildren(p, r);
      while ((fn & 1) == 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = HashChildren(r, p);
    }
    // Step 4.3.
    fn >>= 1;
    sn >>= 1;
  }
  // Step 5.
  if (sn != 0) return Rejected("inclusion proof has too few hashes");
  // Step 6.
  return r;
}

Status VerifyInclusionProof(const Subtree& subtree, uint64_t index,
                            const Hash& entry_hash, std::span<const Hash> proof,
                            const Hash& subtree_hash) {
  MTC_ASSIGN_OR_RETURN(
      Hash expected, EvaluateInclusionProof(subtree, index, entry_hash, proof));
  if (expected != subtree_hash) {
    return Rejected("inclusion proof does not lead to the subtree hash of " +
                    subtree.ToString());
  }
  return OkStatus();
}

Result<Proof> GenerateConsistencyProof(const NodeSource& source,
                                       uint64_t tree_size,
                                       const Subtree& subtree) {
  if (!IsValidSubtree(subtree) || subtree.end > tree_size) {
    return Error(ErrorCode::kOutOfRange,
                 subtree.ToString() +
                     " is not a valid subtree of a tree of size " +
                     std::to_string(tree_size));
  }
  Proof proof;
  if (subtree.empty()) return proof;  // SUBTREE_PROOF(start, start, D_n) = {}
  MTC_RETURN_IF_ERROR(SubtreeSubproof(source, 0, tree_size, subtree.start,
                                      subtree.end, /*omit_first=*/true,
                                      &proof));
  return proof;
}

Status VerifyConsistencyProof(uint64_t tree_size, const Subtree& subtree,
                              std::span<const Hash> proof,
                              const Hash& node_hash, const Hash& root_hash) {
  // Step 1.
  if (!IsValidSubtree(subtree)) {
    return Rejected(subtree.ToString() + " is not a valid subtree");
  }
  if (subtree.end > tree_size) {
    return Rejected(subtree.ToString() + " ends past the tree size " +
                    std::to_string(tree_size));
  }
  // Step 2.
  if (subtree.empty()) {
    if (!proof.empty())
      return Rejected("proof for an empty subtree is not empty");
    if (node_hash != EmptyTreeHash()) {
      return Rejected("empty subtree's hash is not the empty hash");
    }
    return OkStatus();
  }
  // Step 3.
  uint64_t fn = subtree.start;
  uint64_t sn = subtree.end - 1;
  uint64_t tn = tree_size - 1;
  auto shift = [&] {
    fn >>= 1;
    sn >>= 1;
    tn >>= 1;
  };
  if (sn == tn) {
    // Step 4.
    while (fn != sn) shift();
  } else {
    // Step 5.
    while (fn != sn && (sn & 1) == 1) shift();
  }
  // Steps 6 and 7.
  Hash fr, sr;
  if (fn == sn) {
    fr = sr = node_hash;
  } else {
    if (proof.empty()) return Rejected("consistency proof is empty");
    fr = sr = proof.front();
    proof = proof.subspan(1);
  }
  // Step 8.
  for (const Hash& c : proof) {
    if (tn == 0) return Rejected("consistency proof has too many hashes");
    if ((sn & 1) == 1 || sn == tn) {
      if (fn < sn) fr = HashChildren(c, fr);
      sr = HashChildren(c, sr);
      while ((sn & 1) == 0) shift();
    } else {
      sr = HashChildren(sr, c);
    }
    shift();
  }
  // Step 9.
  if (tn != 0) return Rejected("consistency proof has too few hashes");
  if (fr != node_hash) {
    return Rejected("consistency proof does not lead to the subtree hash");
  }
  if (sr != root_hash) {
    return Rejected("consistency proof does not lead to the root hash");
  }
  return OkStatus();
}

}  // namespace mtc::merkle
