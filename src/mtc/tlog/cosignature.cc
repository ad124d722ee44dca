#include "mtc/tlog/cosignature.h"

#include "mtc/cert/cosigned_message.h"
#include "mtc/wire/builder.h"
#include "mtc/wire/reader.h"

namespace mtc::tlog {

namespace {

using crypto::SignatureAlgorithm;

Result<NoteSignatureType> TypeFor(SignatureAlgorithm alg) {
  switch (alg) {
    case SignatureAlgorithm::kEd25519:
      return NoteSignatureType::kCosignatureV1;
    case SignatureAlgorithm::kMlDsa44:
      return NoteSignatureType::kMlDsa44Subtree;
    default:
      return Error(ErrorCode::kUnsupported,
                   std::string("no note cosignature format for ") +
                       std::string(crypto::SignatureAlgorithmName(alg)));
  }
}

// The message a cosignature of `type` signs over `checkpoint` at `timestamp`.
Result<std::vector<uint8_t>> CheckpointMessage(NoteSignatureType type,
                                               const std::string& name,
                                               const Checkpoint& checkpoint,
                                               uint64_t timestamp) {
  if (type == NoteSignatureType::kCosignatureV1) {
    // "cosignature/v1\ntime <timestamp>\n" followed by the whole note body.
    MTC_ASSIGN_OR_RETURN(std::string text, FormatCheckpointText(checkpoint));
    std::string msg =
        "cosignature/v1\ntime " + std::to_string(timestamp) + "\n" + text;
    return std::vector<uint8_t>(msg.begin(), msg.end());
  }
  // ML-DSA-44: the CosignedMessage of [0, size); extension lines unsigned.
  cert::CosignedMessage m;
  m.cosigner_name = name;
  m.timestamp = timestamp;
  m.log_origin = checkpoint.origin;
  m.subtree = {0, checkpoint.tree_size};
  m.subtree_hash = checkpoint.root_hash;
  return cert::SerializeCosignedMessage(m);
}

std::vector<uint8_t> Timestamped(uint64_t timestamp,
                                 std::span<const uint8_t> signature) {
  wire::Builder b;
  b.AddU64(timestamp);
  b.AddBytes(signature);
  return std::move(b).Finish().value();
}

// Splits a timestamped_signature; see VerifyCheckpointCosignature for the
// timestamp-less form.
Status SplitTimestamped(SignatureAlgorithm alg, std::span<const uint8_t> sig,
                        uint64_t* timestamp,
                        std::span<const uint8_t>* signature) {
  size_t size = crypto::GetSignatureAlgorithmInfo(alg).max_signature_size;
  if (sig.size() == size) {
    *timestamp = 0;
    *signature = sig;
    return OkStatus();
  }
  wire::Reader r(sig);
  if (sig.size() != size + 8 || !r.ReadU64(timestamp)) {
    return Error(ErrorCode::kMalformed,
                 "cosignature is not a timestamped_signature");
  }
  *signature = r.rest();
  if (*timestamp > (uint64_t{1} << 63) - 1) {
    return Error(ErrorCode::kMalformed, "cosignature timestamp exceeds 2^63-1");
  }
  return OkStatus();
}

}  // namespace

Result<NoteCosigner> NoteCosigner::Create(std::string name,
                                          crypto::PublicKey key) {
  if (!IsValidKeyName(name)) {
    return Error(ErrorCode::kInvalidArgument,
                 "invalid cosigner name \"" + name + "\"");
  }
  MTC_ASSIGN_OR_RETURN(NoteSignatureType type, TypeFor(key.algorithm()));
  uint32_t key_id = NoteKeyId(name, type, key.ToRaw());
  return NoteCosigner(std::move(name), std::move(key), type, key_id);
}

VerifierKey NoteCosigner::ToVerifierKey() const {
  return VerifierKey{name_, key_id_, type_, key_.ToRaw()};
}

Result<NoteSignature> SignCheckpoint(const crypto::PrivateKey& key,
                                     const std::string& name,
                                     const Checkpoint& checkpoint,
                                     uint64_t timestamp) {
  MTC_ASSIGN_OR_RETURN(NoteCosigner cosigner,
                       NoteCosigner::Create(name, key.public_key()));
  MTC_ASSIGN_OR_RETURN(
      std::vector<uint8_t> msg,
      CheckpointMessage(cosigner.type(), name, checkpoint, timestamp));
  MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> sig, key.Sign(msg));
  return NoteSignature{name, cosigner.key_id(), Timestamped(timestamp, sig)};
}

Result<uint64_t> VerifyCheckpointCosignature(const NoteCosigner& cosigner,
                                             const Checkpoint& checkpoint,
                                             const NoteSignature& sig) {
  if (!cosigner.Matches(sig)) {
    return Error(ErrorCode::kNotFound,
                 "signature is not by " + cosigner.name());
  }
  uint64_t timestamp;
  std::span<const uint8_t> raw;
  MTC_RETURN_IF_ERROR(SplitTimestamped(cosigner.key().algorithm(),
                                       sig.signature, &timestamp, &raw));
  MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> msg,
                       CheckpointMessage(cosigner.type(), cosigner.name(),
                                         checkpoint, timestamp));
  Status status = cosigner.key().Verify(msg, raw);
  if (!status.ok()) return status.error().WithContext(cosigner.name());
  return timestamp;
}

Result<VerifiedCheckpoint> VerifyCheckpointNote(
    std::string_view note, const std::vector<NoteCosigner>& cosigners) {
  MTC_ASSIGN_OR_RETURN(SignedNote parsed, ParseSignedNote(note));
  MTC_ASSIGN_OR_RETURN(Checkpoint checkpoint, ParseCheckpointText(parsed.text));
  VerifiedCheckpoint out{checkpoint, parsed.text, {}};
  for (const NoteSignature& sig : parsed.signatures) {
    for (const NoteCosigner& c : cosigners) {
      if (!c.Matches(sig)) continue;
      MTC_RETURN_IF_ERROR(VerifyCheckpointCosignature(c, checkpoint, sig));
      out.signed_by.push_back(c.name());
    }
  }
  if (out.signed_by.empty()) {
    return Error(ErrorCode::kVerificationFailed,
                 "checkpoint carries no signature of a known cosigner");
  }
  return out;
}

Result<std::vector<uint8_t>> SignSubtree(const crypto::PrivateKey& key,
                                         const std::string& name,
                                         const std::string& log_origin,
                                         const merkle::Subtree& subtree,
                                         const merkle::Hash& subtree_hash) {
  MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> msg,
                       cert::SerializeCosignedMessage(
                           {name, 0, log_origin, subtree, subtree_hash}));
  return key.Sign(msg);
}

Status VerifySubtreeSignature(const crypto::PublicKey& key,
                              const std::string& name,
                              const std::string& log_origin,
                              const merkle::Subtree& subtree,
                              const merkle::Hash& subtree_hash,
                              std::span<const uint8_t> raw_signature) {
  MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> msg,
                       cert::SerializeCosignedMessage(
                           {name, 0, log_origin, subtree, subtree_hash}));
  return key.Verify(msg, raw_signature);
}

Result<std::vector<uint8_t>> RawFromNoteSignature(const NoteSignature& sig) {
  wire::Reader r(sig.signature);
  uint64_t timestamp;
  if (!r.ReadU64(&timestamp) || r.empty()) {
    return Error(ErrorCode::kMalformed, "note signature is not timestamped");
  }
  if (timestamp != 0) {
    return Error(ErrorCode::kInvalidArgument,
                 "a cosignature in a certificate must have timestamp 0");
  }
  return std::vector<uint8_t>(r.rest().begin(), r.rest().end());
}

NoteSignature NoteSignatureFromRaw(const NoteCosigner& cosigner,
                                   std::span<const uint8_t> raw) {
  return NoteSignature{cosigner.name(), cosigner.key_id(), Timestamped(0, raw)};
}

}  // namespace mtc::tlog
