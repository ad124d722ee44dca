#include "mtc/tlog/note.h"

#include <cstdio>

#include "mtc/base/hex.h"
#include "mtc/base/utf8.h"
#include "mtc/crypto/sha256.h"
#include "mtc/wire/base64.h"

namespace mtc::tlog {

namespace {

constexpr std::string_view kEmDashSpace = "\xe2\x80\x94 ";  // U+2014, U+0020

Error Malformed(const std::string& why) {
  return Error(ErrorCode::kMalformed, "malformed signed note: " + why);
}

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

Result<NoteSignature> ParseSignatureLine(std::string_view line) {
  if (!line.starts_with(kEmDashSpace)) {
    return Malformed("signature line does not start with an em dash");
  }
  line.remove_prefix(kEmDashSpace.size());
  size_t space = line.find(' ');
  if (space == std::string_view::npos) {
    return Malformed("signature line has no signature");
  }
  NoteSignature sig;
  sig.key_name = std::string(line.substr(0, space));
  if (!IsValidKeyName(sig.key_name)) {
    return Malformed("invalid key name \"" + sig.key_name + "\"");
  }
  auto decoded = wire::Base64Decode(line.substr(space + 1));
  if (!decoded.ok()) {
    return Malformed("signature of " + sig.key_name + " is not base64");
  }
  if (decoded->size() < 5) {
    return Malformed("signature of " + sig.key_name + " is too short");
  }
  const std::vector<uint8_t>& d = *decoded;
  sig.key_id = uint32_t{d[0]} << 24 | uint32_t{d[1]} << 16 |
               uint32_t{d[2]} << 8 | uint32_t{d[3]};
  sig.signature.assign(d.begin() + 4, d.end());
  return sig;
}

}  // namespace

bool IsValidKeyName(std::string_view name) {
  std::vector<char32_t> chars;
  if (name.empty() || !DecodeUtf8(name, &chars)) return false;
  for (char32_t c : chars) {
    if (c == '+' || c < 0x20 || IsUnicodeSpace(c)) return false;
  }
  return true;
}

uint32_t NoteKeyId(std::string_view key_name, NoteSignatureType type,
                   std::span<const uint8_t> public_key) {
  crypto::Sha256 h;
  h.Update(Bytes(key_name));
  const uint8_t sep[2] = {0x0a, static_cast<uint8_t>(type)};
  h.Update(sep);
  h.Update(public_key);
  crypto::Sha256Digest d = h.Finish();
  return uint32_t{d[0]} << 24 | uint32_t{d[1]} << 16 | uint32_t{d[2]} << 8 |
         uint32_t{d[3]};
}

Result<SignedNote> ParseSignedNote(std::string_view note) {
  if (!IsValidUtf8(note)) return Malformed("not valid UTF-8");
  for (char c : note) {
    if (static_cast<uint8_t>(c) < 0x20 && c != '\n') {
      return Malformed("contains a control character");
    }
  }
  if (!note.ends_with('\n')) return Malformed("does not end in a newline");
  // The text is separated from the signatures by the last empty line.
  size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) return Malformed("no signatures");
  SignedNote out;
  out.text = std::string(note.substr(0, split + 1));
  std::string_view sigs = note.substr(split + 2);
  if (sigs.empty()) return Malformed("no signatures");
  while (!sigs.empty()) {
    size_t nl = sigs.find('\n');
    if (out.signatures.size() == kMaxNoteSignatures) {
      return Malformed("more than " + std::to_string(kMaxNoteSignatures) +
                       " signatures");
    }
    MTC_ASSIGN_OR_RETURN(NoteSignature sig,
                         ParseSignatureLine(sigs.substr(0, nl)));
    out.signatures.push_back(std::move(sig));
    sigs.remove_prefix(nl + 1);
  }
  return out;
}

Result<std::string> SerializeSignedNote(const SignedNote& note) {
  if (note.text.empty() || !note.text.ends_with('\n')) {
    return Error(ErrorCode::kInvalidArgument,
                 "note text must end in a newline");
  }
  if (note.signatures.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "a signed note needs a signature");
  }
  std::string out = note.text + "\n";
  for (const NoteSignature& sig : note.signatures) {
    if (!IsValidKeyName(sig.key_name)) {
      return Error(ErrorCode::kInvalidArgument,
                   "invalid key name \"" + sig.key_name + "\"");
    }
    std::vector<uint8_t> blob = {static_cast<uint8_t>(sig.key_id >> 24),
                                 static_cast<uint8_t>(sig.key_id >> 16),
                                 static_cast<uint8_t>(sig.key_id >> 8),
                                 static_cast<uint8_t>(sig.key_id)};
    blob.insert(blob.end(), sig.signature.begin(), sig.signature.end());
    out += std::string(kEmDashSpace) + sig.key_name + " " +
           wire::Base64Encode(blob) + "\n";
  }
  // What we write must be what we read.
  MTC_RETURN_IF_ERROR(ParseSignedNote(out));
  return out;
}

Result<VerifierKey> ParseVerifierKey(std::string_view vkey) {
  size_t plus1 = vkey.find('+');
  size_t plus2 =
      plus1 == std::string_view::npos ? plus1 : vkey.find('+', plus1 + 1);
  if (plus2 == std::string_view::npos) {
    return Error(ErrorCode::kMalformed, "verifier key is not name+id+key");
  }
  VerifierKey key;
  key.key_name = std::string(vkey.substr(0, plus1));
  if (!IsValidKeyName(key.key_name)) {
    return Error(ErrorCode::kMalformed, "verifier key has an invalid name");
  }
  std::string_view id_hex = vkey.substr(plus1 + 1, plus2 - plus1 - 1);
  auto id = HexDecode(id_hex);
  if (id_hex.size() != 8 || !id.ok() || HexEncode(*id) != id_hex) {
    return Error(ErrorCode::kMalformed,
                 "verifier key ID is not 8 lower-case hex digits");
  }
  key.key_id = uint32_t{(*id)[0]} << 24 | uint32_t{(*id)[1]} << 16 |
               uint32_t{(*id)[2]} << 8 | uint32_t{(*id)[3]};
  auto blob = wire::Base64Decode(vkey.substr(plus2 + 1));
  if (!blob.ok() || blob->size() < 2) {
    return Error(ErrorCode::kMalformed, "verifier key material is not base64");
  }
  key.type = static_cast<NoteSignatureType>((*blob)[0]);
  key.public_key.assign(blob->begin() + 1, blob->end());
  return key;
}

std::string FormatVerifierKey(const VerifierKey& key) {
  char id[9];
  std::snprintf(id, sizeof(id), "%08x", key.key_id);
  std::vector<uint8_t> blob = {static_cast<uint8_t>(key.type)};
  blob.insert(blob.end(), key.public_key.begin(), key.public_key.end());
  return key.key_name + "+" + id + "+" + wire::Base64Encode(blob);
}

}  // namespace mtc::tlog
