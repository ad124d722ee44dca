// Checkpoint and subtree cosignatures as signed-note signature lines (C2SP
// tlog-cosignature): Ed25519 `cosignature/v1` and ML-DSA-44 `subtree/v1`, and
// their conversion to the raw SubtreeSignature of an MTCProof
// (docs/design.md §2 item 2).
#ifndef MTC_TLOG_COSIGNATURE_H_
#define MTC_TLOG_COSIGNATURE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "mtc/base/result.h"
#include "mtc/crypto/private_key.h"
#include "mtc/crypto/public_key.h"
#include "mtc/merkle/subtree.h"
#include "mtc/tlog/checkpoint.h"
#include "mtc/tlog/note.h"

namespace mtc::tlog {

// A cosigner as a note verifier: its name (key name), key, and the key ID and
// signature type that its algorithm implies. Ed25519 keys make
// `cosignature/v1` (type 0x04) cosignatures; ML-DSA-44 keys `subtree/v1`
// (type 0x06); other algorithms have no note form.
class NoteCosigner {
 public:
  static Result<NoteCosigner> Create(std::string name, crypto::PublicKey key);

  const std::string& name() const { return name_; }
  const crypto::PublicKey& key() const { return key_; }
  NoteSignatureType type() const { return type_; }
  uint32_t key_id() const { return key_id_; }
  // True when `sig` claims to be by this cosigner (name and key ID match).
  bool Matches(const NoteSignature& sig) const {
    return sig.key_name == name_ && sig.key_id == key_id_;
  }
  VerifierKey ToVerifierKey() const;

 private:
  NoteCosigner(std::string name, crypto::PublicKey key, NoteSignatureType type,
               uint32_t key_id)
      : name_(std::move(name)),
        key_(std::move(key)),
        type_(type),
        key_id_(key_id) {}

  std::string name_;
  crypto::PublicKey key_;
  NoteSignatureType type_;
  uint32_t key_id_;
};

// Signs `checkpoint` (whose note text is `FormatCheckpointText(checkpoint)`)
// at `timestamp`: a timestamped_signature { u64 timestamp; signature } over
// the format's message.
Result<NoteSignature> SignCheckpoint(const crypto::PrivateKey& key,
                                     const std::string& name,
                                     const Checkpoint& checkpoint,
                                     uint64_t timestamp);

// Verifies `sig`, which must match `cosigner`, over `checkpoint`; returns the
// signature's timestamp. The draft authors' generator writes the raw
// signature without the timestamp (timestamp 0); a line exactly the
// algorithm's fixed signature size is read that way (ML-DSA sizes are fixed).
Result<uint64_t> VerifyCheckpointCosignature(const NoteCosigner& cosigner,
                                             const Checkpoint& checkpoint,
                                             const NoteSignature& sig);

// Verifies a signed checkpoint note: parses it, checks every signature line
// of a known cosigner (a failing one fails the note), and returns the
// checkpoint and the cosigners whose signatures verified. Unknown lines are
// ignored; no verified line at all is an error.
struct VerifiedCheckpoint {
  Checkpoint checkpoint;
  std::string note_text;
  std::vector<std::string> signed_by;  // cosigner names
};
Result<VerifiedCheckpoint> VerifyCheckpointNote(
    std::string_view note, const std::vector<NoteCosigner>& cosigners);

// A subtree cosignature with timestamp 0 (tlog-witness sign-subtree), as the
// raw signature an MTCProof carries.
Result<std::vector<uint8_t>> SignSubtree(const crypto::PrivateKey& key,
                                         const std::string& name,
                                         const std::string& log_origin,
                                         const merkle::Subtree& subtree,
                                         const merkle::Hash& subtree_hash);
Status VerifySubtreeSignature(const crypto::PublicKey& key,
                              const std::string& name,
                              const std::string& log_origin,
                              const merkle::Subtree& subtree,
                              const merkle::Hash& subtree_hash,
                              std::span<const uint8_t> raw_signature);

// docs/design.md §2 item 2: the raw SubtreeSignature.signature of a note
// signature line (which must carry timestamp 0), and back.
Result<std::vector<uint8_t>> RawFromNoteSignature(const NoteSignature& sig);
NoteSignature NoteSignatureFromRaw(const NoteCosigner& cosigner,
                                   std::span<const uint8_t> raw);

}  // namespace mtc::tlog

#endif  // MTC_TLOG_COSIGNATURE_H_
