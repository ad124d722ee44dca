#include "mtc/cert/mtc_proof.h"

#include <cstring>

#include "mtc/cert/trust_anchor_id.h"

namespace mtc::cert {

namespace {

Error Malformed(const std::string& why) {
  return Error(ErrorCode::kMalformed, "malformed MTCProof: " + why);
}

Status CheckSignatureOrder(const std::vector<SubtreeSignature>& sigs) {
  for (size_t i = 0; i < sigs.size(); i++) {
    if (sigs[i].cosigner_id.empty() || sigs[i].cosigner_id.size() > 255) {
      return Malformed("cosigner_id is not 1..255 bytes");
    }
    if (i > 0 &&
        !CosignerIdLess(sigs[i - 1].cosigner_id, sigs[i].cosigner_id)) {
      return Malformed("cosigner IDs are duplicated or out of order");
    }
  }
  return OkStatus();
}

}  // namespace

Result<MtcProof> ParseMtcProof(std::span<const uint8_t> bytes) {
  wire::Reader r(bytes), hashes, sigs;
  MtcProof proof;
  if (!ReadLogEntryExtensions(r, &proof.extensions)) {
    return Malformed("extensions");
  }
  if (!r.ReadU48(&proof.subtree.start) || !r.ReadU48(&proof.subtree.end)) {
    return Malformed("start or end");
  }
  if (!r.ReadU16LengthPrefixed(&hashes) ||
      hashes.remaining() % merkle::kHashSize != 0) {
    return Malformed("inclusion_proof is not a whole number of hashes");
  }
  while (!hashes.empty()) {
    std::span<const uint8_t> h;
    (void)hashes.ReadBytes(merkle::kHashSize, &h);
    merkle::Hash hash;
    std::memcpy(hash.data(), h.data(), h.size());
    proof.inclusion_proof.push_back(hash);
  }
  if (!r.ReadU16LengthPrefixed(&sigs)) return Malformed("signatures");
  while (!sigs.empty()) {
    std::span<const uint8_t> id, sig;
    if (!sigs.ReadU8LengthPrefixed(&id) || !sigs.ReadU16LengthPrefixed(&sig)) {
      return Malformed("SubtreeSignature");
    }
    proof.signatures.push_back(
        {{id.begin(), id.end()}, {sig.begin(), sig.end()}});
  }
  MTC_RETURN_IF_ERROR(CheckSignatureOrder(proof.signatures));
  if (!r.Done()) return Malformed("trailing data");
  return proof;
}

Result<std::vector<uint8_t>> SerializeMtcProof(const MtcProof& proof) {
  MTC_RETURN_IF_ERROR(CheckSignatureOrder(proof.signatures));
  wire::Builder b;
  AddLogEntryExtensions(b, proof.extensions);
  b.AddU48(proof.subtree.start);
  b.AddU48(proof.subtree.end);
  b.AddU16LengthPrefixed([&](wire::Builder& hashes) {
    for (const merkle::Hash& h : proof.inclusion_proof) hashes.AddBytes(h);
  });
  b.AddU16LengthPrefixed([&](wire::Builder& sigs) {
    for (const SubtreeSignature& s : proof.signatures) {
      sigs.AddU8LengthPrefixedBytes(s.cosigner_id);
      sigs.AddU16LengthPrefixedBytes(s.signature);
    }
  });
  return std::move(b).Finish();
}

std::vector<uint8_t> EncodeProofExtensions(const MtcProof& proof) {
  wire::Builder b;
  AddLogEntryExtensions(b, proof.extensions);
  // Extensions of a parsed proof are in order and bounded by its own length
  // prefix, so this cannot fail.
  return std::move(b).Finish().value();
}

}  // namespace mtc::cert
