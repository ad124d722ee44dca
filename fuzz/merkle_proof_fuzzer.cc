// Fuzzes subtree inclusion proof evaluation and subtree consistency proof
// verification (draft-ietf-plants-merkle-tree-certs §Subtrees).
//
// Properties, beyond "never crashes":
// - a proof verifies exactly against the hash its evaluation recomputes, and
//   against no other hash;
// - over a real tree, a proof that verifies against the true hashes is the
//   proof the generator makes (a forged proof would be a SHA-256 collision).
//
// Input: a flags byte, then either
//   raw mode:  u64 n, u64 start, u64 end, u64 index, 32-byte entry/node hash,
//              32-byte root hash, then proof hashes (32 bytes each);
//   tree mode: u16 n, u16 start, u16 end, u16 index (each reduced to a small
//              tree), then mutations of the true proof: (u8 op, u16 pos, u8
//              bit).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "mtc/merkle/node_source.h"
#include "mtc/merkle/proof.h"
#include "mtc/wire/reader.h"

namespace {

using mtc::merkle::Hash;
using mtc::merkle::Proof;
using mtc::merkle::Subtree;

void Check(bool condition) {
  if (!condition) std::abort();
}

Hash FlipBit(Hash h, unsigned bit) {
  h[(bit / 8) % h.size()] ^= static_cast<uint8_t>(1u << (bit % 8));
  return h;
}

bool ReadHash(mtc::wire::Reader& r, Hash* out) {
  std::span<const uint8_t> bytes;
  if (!r.ReadBytes(out->size(), &bytes)) return false;
  std::memcpy(out->data(), bytes.data(), out->size());
  return true;
}

void CheckInclusion(const Subtree& subtree, uint64_t index, const Hash& entry,
                    const Proof& proof) {
  auto evaluated =
      mtc::merkle::EvaluateInclusionProof(subtree, index, entry, proof);
  if (evaluated.ok()) {
    Check(mtc::merkle::VerifyInclusionProof(subtree, index, entry, proof,
                                            *evaluated)
              .ok());
    Check(!mtc::merkle::VerifyInclusionProof(subtree, index, entry, proof,
                                             FlipBit(*evaluated, 0))
               .ok());
  } else {
    Check(
        !mtc::merkle::VerifyInclusionProof(subtree, index, entry, proof, entry)
             .ok());
  }
}

void CheckConsistency(uint64_t n, const Subtree& subtree, const Hash& node,
                      const Hash& root, const Proof& proof) {
  if (!mtc::merkle::VerifyConsistencyProof(n, subtree, proof, node, root)
           .ok()) {
    return;
  }
  // An empty subtree is consistent with every tree (step 2): no root to check.
  Check(subtree.empty() || !mtc::merkle::VerifyConsistencyProof(
                                n, subtree, proof, node, FlipBit(root, 7))
                                .ok());
  Check(!mtc::merkle::VerifyConsistencyProof(n, subtree, proof,
                                             FlipBit(node, 9), root)
             .ok());
}

void RawMode(mtc::wire::Reader& r, bool consistency) {
  uint64_t n, start, end, index;
  Hash a, b;
  if (!r.ReadU64(&n) || !r.ReadU64(&start) || !r.ReadU64(&end) ||
      !r.ReadU64(&index) || !ReadHash(r, &a) || !ReadHash(r, &b)) {
    return;
  }
  Proof proof;
  Hash h;
  while (proof.size() < 70 && ReadHash(r, &h)) proof.push_back(h);
  if (consistency) {
    CheckConsistency(n, {start, end}, a, b, proof);
  } else {
    CheckInclusion({start, end}, index, a, proof);
  }
}

// Applies (op, pos, bit) mutations from the input to `proof`.
void Mutate(mtc::wire::Reader& r, Proof* proof) {
  uint8_t op, bit;
  uint16_t pos;
  while (r.ReadU8(&op) && r.ReadU16(&pos) && r.ReadU8(&bit)) {
    size_t i = proof->empty() ? 0 : pos % proof->size();
    switch (op % 4) {
      case 0:
        if (!proof->empty()) (*proof)[i] = FlipBit((*proof)[i], bit);
        break;
      case 1:
        if (!proof->empty()) proof->erase(proof->begin() + i);
        break;
      case 2:
        proof->insert(proof->begin() + i, FlipBit(Hash{}, bit));
        break;
      case 3:
        if (!proof->empty()) proof->insert(proof->begin() + i, (*proof)[i]);
        break;
    }
  }
}

void TreeMode(mtc::wire::Reader& r, bool consistency) {
  uint16_t n16, start16, end16, index16;
  if (!r.ReadU16(&n16) || !r.ReadU16(&start16) || !r.ReadU16(&end16) ||
      !r.ReadU16(&index16)) {
    return;
  }
  uint64_t n = n16 % 300;
  uint64_t end = n == 0 ? 0 : end16 % (n + 1);
  uint64_t start = end == 0 ? 0 : start16 % (end + 1);
  uint64_t index = start + (end > start ? index16 % (end - start) : 0);

  mtc::merkle::MemoryTree tree;
  for (uint64_t i = 0; i < n; i++) {
    uint8_t entry[8];
    for (int j = 0; j < 8; j++) entry[j] = static_cast<uint8_t>(i >> (8 * j));
    tree.AppendEntry(entry);
  }
  Subtree subtree{start, end};
  if (!mtc::merkle::IsValidSubtree(subtree)) {
    Check(!mtc::merkle::GenerateConsistencyProof(tree, n, subtree).ok());
    return;
  }
  Hash node = mtc::merkle::SubtreeHash(tree, subtree).value();
  if (consistency) {
    Proof truth =
        mtc::merkle::GenerateConsistencyProof(tree, n, subtree).value();
    Hash root = tree.RootHash();
    Check(mtc::merkle::VerifyConsistencyProof(n, subtree, truth, node, root)
              .ok());
    Proof proof = truth;
    Mutate(r, &proof);
    bool accepted =
        mtc::merkle::VerifyConsistencyProof(n, subtree, proof, node, root).ok();
    Check(accepted == (proof == truth));
    CheckConsistency(n, subtree, node, root, proof);
  } else {
    if (start == end) return;
    Proof truth =
        mtc::merkle::GenerateInclusionProof(tree, subtree, index).value();
    Hash entry = tree.NodeHash(0, index).value();
    Proof proof = truth;
    Mutate(r, &proof);
    bool accepted =
        mtc::merkle::VerifyInclusionProof(subtree, index, entry, proof, node)
            .ok();
    Check(accepted == (proof == truth));
    CheckInclusion(subtree, index, entry, proof);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mtc::wire::Reader r(std::span<const uint8_t>(data, size));
  uint8_t flags;
  if (!r.ReadU8(&flags)) return 0;
  bool consistency = (flags & 1) != 0;
  if ((flags & 2) != 0) {
    TreeMode(r, consistency);
  } else {
    RawMode(r, consistency);
  }
  return 0;
}
