// MTCProof, the signatureValue of a Merkle Tree Certificate
// (draft-ietf-plants-merkle-tree-certs §Certificate Format).
#ifndef MTC_CERT_MTC_PROOF_H_
#define MTC_CERT_MTC_PROOF_H_

#include <cstdint>
#include <span>
#include <vector>

#include "mtc/base/result.h"
#include "mtc/cert/log_entry.h"
#include "mtc/merkle/proof.h"
#include "mtc/merkle/subtree.h"

namespace mtc::cert {

// struct {
//     TrustAnchorID cosigner_id;
//     opaque signature<0..2^16-1>;
// } SubtreeSignature;
struct SubtreeSignature {
  std::vector<uint8_t> cosigner_id;  // binary trust anchor ID, 1..255 bytes
  std::vector<uint8_t> signature;    // raw (docs/design.md §2 items 2, 9)
  bool operator==(const SubtreeSignature&) const = default;
};

// struct {
//     MTCLogEntryExtension extensions<0..2^16-1>;
//     uint48 start;
//     uint48 end;
//     HashValue inclusion_proof<0..2^16-1>;
//     SubtreeSignature signatures<0..2^16-1>;
// } MTCProof;
struct MtcProof {
  std::vector<LogEntryExtension> extensions;
  merkle::Subtree subtree;
  merkle::Proof inclusion_proof;
  // Unique cosigner IDs, shorter first, then lexicographic.
  std::vector<SubtreeSignature> signatures;
  bool operator==(const MtcProof&) const = default;
};

// Rejects duplicate or misordered cosigner IDs, an inclusion proof that is not
// whole hashes, bad lengths and trailing data.
Result<MtcProof> ParseMtcProof(std::span<const uint8_t> bytes);
// Sorts nothing: the signatures must already be in order.
Result<std::vector<uint8_t>> SerializeMtcProof(const MtcProof& proof);

// The `extensions` field of `proof`, encoded with its length prefix, as the
// single-pass entry hash consumes it.
std::vector<uint8_t> EncodeProofExtensions(const MtcProof& proof);

}  // namespace mtc::cert

#endif  // MTC_CERT_MTC_PROOF_H_
