// Signed notes (C2SP signed-note): text signed by one or more keys.
//
// This layer parses and serializes the format and computes key IDs; which
// signature lines verify, and with which algorithm, is up to the cosignature
// formats built on it (tlog/cosignature.h).
#ifndef MTC_TLOG_NOTE_H_
#define MTC_TLOG_NOTE_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mtc/base/result.h"

namespace mtc::tlog {

// Signature type identifier bytes (signed-note §Signature types).
enum class NoteSignatureType : uint8_t {
  kEd25519 = 0x01,
  kEcdsa = 0x02,
  kCosignatureV1 = 0x04,   // timestamped Ed25519 (tlog-cosignature)
  kMlDsa44Subtree = 0x06,  // timestamped ML-DSA-44 (tlog-cosignature)
};

// "— <key name> base64(key ID || signature)".
struct NoteSignature {
  std::string key_name;
  uint32_t key_id = 0;
  std::vector<uint8_t> signature;  // without the key ID

  bool operator==(const NoteSignature&) const = default;
};

struct SignedNote {
  std::string text;  // ends in U+000A; excludes the separating blank line
  std::vector<NoteSignature> signatures;
};

// Verifiers must accept at least 16 signatures; we bound what we parse.
inline constexpr size_t kMaxNoteSignatures = 64;

// Key names are non-empty and contain no Unicode spaces and no '+'.
bool IsValidKeyName(std::string_view name);

// key ID = SHA-256(key name || 0x0A || signature type || public key)[:4].
uint32_t NoteKeyId(std::string_view key_name, NoteSignatureType type,
                   std::span<const uint8_t> public_key);

// Parses a signed note strictly: valid UTF-8 with no control characters but
// U+000A; text and signatures split at the last blank line; at least one and
// at most kMaxNoteSignatures well-formed signature lines.
Result<SignedNote> ParseSignedNote(std::string_view note);
// The note's bytes: text, blank line, signature lines.
Result<std::string> SerializeSignedNote(const SignedNote& note);

// A verifier key: "<key name>+hex(key ID)+base64(signature type || public
// key)".
struct VerifierKey {
  std::string key_name;
  uint32_t key_id = 0;
  NoteSignatureType type = NoteSignatureType::kEd25519;
  std::vector<uint8_t> public_key;
};
Result<VerifierKey> ParseVerifierKey(std::string_view vkey);
std::string FormatVerifierKey(const VerifierKey& key);

}  // namespace mtc::tlog

#endif  // MTC_TLOG_NOTE_H_
