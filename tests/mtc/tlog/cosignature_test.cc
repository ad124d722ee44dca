// Tests of C2SP tlog-cosignature formats and their conversion to MTCProof
// signatures.
#include "mtc/tlog/cosignature.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "mtc/cert/cosigned_message.h"
#include "mtc/wire/base64.h"

namespace mtc::tlog {
namespace {

using crypto::PrivateKey;
using crypto::SignatureAlgorithm;

std::string ReadText(const std::string& name) {
  std::ifstream in(std::string(MTC_TESTDATA_DIR) + "/refdata/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The reference corpus's cosigner keys, by cosigner ID.
std::vector<std::pair<std::string, PrivateKey>> ReferenceKeys() {
  auto json = nlohmann::json::parse(ReadText("mtc.json"));
  std::vector<std::pair<std::string, PrivateKey>> out;
  for (const auto& c : json["Cosigners"]) {
    auto der = wire::Base64Decode(c["PrivateKey"].get<std::string>()).value();
    out.emplace_back(c["CosignerID"].get<std::string>(),
                     PrivateKey::FromPkcs8Der(der).value());
  }
  return out;
}

Checkpoint ExampleCheckpoint() {
  Checkpoint cp;
  cp.origin = "oid/1.3.6.1.4.1.32473.1.0.1";
  cp.tree_size = 2036;
  cp.root_hash.fill(7);
  return cp;
}

// The CA's ML-DSA-44 line of the reference checkpoint verifies as subtree/v1
// with the key ID of tlog-cosignature (type 0x06 over the raw public key).
TEST(CosignatureTest, ReferenceCheckpointVerifies) {
  auto keys = ReferenceKeys();
  ASSERT_EQ(keys[0].first, "32473.1");
  auto ca = NoteCosigner::Create(cert::OidName("32473.1"),
                                 keys[0].second.public_key())
                .value();
  auto verified = VerifyCheckpointNote(ReadText("checkpoint"), {ca});
  ASSERT_TRUE(verified.ok()) << verified.error().ToString();
  EXPECT_EQ(verified->checkpoint.tree_size, 2036u);
  EXPECT_EQ(verified->signed_by, std::vector<std::string>{ca.name()});

  // A key that is not the CA's fails, and an unknown cosigner alone is an
  // error.
  auto other =
      NoteCosigner::Create(
          cert::OidName("32473.1"),
          PrivateKey::Generate(SignatureAlgorithm::kMlDsa44)->public_key())
          .value();
  EXPECT_FALSE(VerifyCheckpointNote(ReadText("checkpoint"), {other}).ok());
}

// Every reference cosigner's checkpoint line is a raw signature over the
// CosignedMessage of [0, 2036) with timestamp 0, whatever its algorithm.
TEST(CosignatureTest, ReferenceLinesAreCosignedMessages) {
  std::string text = ReadText("checkpoint");
  SignedNote note = ParseSignedNote(text).value();
  Checkpoint cp = ParseCheckpointText(note.text).value();
  for (const auto& [id, key] : ReferenceKeys()) {
    bool found = false;
    for (const NoteSignature& sig : note.signatures) {
      if (sig.key_name != cert::OidName(id)) continue;
      found = true;
      EXPECT_TRUE(VerifySubtreeSignature(key.public_key(), sig.key_name,
                                         cp.origin, {0, cp.tree_size},
                                         cp.root_hash, sig.signature)
                      .ok())
          << id;
    }
    EXPECT_TRUE(found) << id;
  }
}

TEST(CosignatureTest, SignAndVerifyBothFormats) {
  Checkpoint cp = ExampleCheckpoint();
  for (SignatureAlgorithm alg :
       {SignatureAlgorithm::kEd25519, SignatureAlgorithm::kMlDsa44}) {
    PrivateKey key = PrivateKey::Generate(alg).value();
    auto cosigner =
        NoteCosigner::Create("example.com/witness", key.public_key()).value();
    NoteSignature sig =
        SignCheckpoint(key, cosigner.name(), cp, 1679315147).value();
    EXPECT_EQ(sig.key_id, cosigner.key_id());
    EXPECT_EQ(VerifyCheckpointCosignature(cosigner, cp, sig).value(),
              1679315147u);
    // A different tree, timestamp or signature byte fails.
    Checkpoint other = cp;
    other.tree_size++;
    EXPECT_FALSE(VerifyCheckpointCosignature(cosigner, other, sig).ok());
    NoteSignature bad = sig;
    bad.signature[7] ^= 1;  // the timestamp
    EXPECT_FALSE(VerifyCheckpointCosignature(cosigner, cp, bad).ok());
    bad = sig;
    bad.signature.back() ^= 1;
    EXPECT_FALSE(VerifyCheckpointCosignature(cosigner, cp, bad).ok());
    // The signed note round trip.
    SignedNote note{FormatCheckpointText(cp).value(), {sig}};
    auto verified =
        VerifyCheckpointNote(SerializeSignedNote(note).value(), {cosigner});
    ASSERT_TRUE(verified.ok()) << verified.error().ToString();
  }
  // Algorithms without a note cosignature format.
  EXPECT_FALSE(
      NoteCosigner::Create(
          "x", PrivateKey::Generate(SignatureAlgorithm::kMlDsa65)->public_key())
          .ok());
}

// tlog-cosignature §Ed25519 signed message: the key ID uses type 0x04.
TEST(CosignatureTest, Ed25519KeyIdAndMessage) {
  PrivateKey key = PrivateKey::Generate(SignatureAlgorithm::kEd25519).value();
  auto cosigner =
      NoteCosigner::Create("example.com/w", key.public_key()).value();
  EXPECT_EQ(cosigner.key_id(),
            NoteKeyId("example.com/w", NoteSignatureType::kCosignatureV1,
                      key.public_key().ToRaw()));
  Checkpoint cp = ExampleCheckpoint();
  NoteSignature sig = SignCheckpoint(key, cosigner.name(), cp, 5).value();
  std::string msg =
      "cosignature/v1\ntime 5\n" + FormatCheckpointText(cp).value();
  std::vector<uint8_t> raw(sig.signature.begin() + 8, sig.signature.end());
  EXPECT_TRUE(
      key.public_key()
          .Verify({reinterpret_cast<const uint8_t*>(msg.data()), msg.size()},
                  raw)
          .ok());
}

// docs/design.md §2 item 2: raw <-> note form, timestamp 0 required.
TEST(CosignatureTest, RawConversion) {
  PrivateKey key = PrivateKey::Generate(SignatureAlgorithm::kMlDsa44).value();
  auto cosigner =
      NoteCosigner::Create("oid/1.3.6.1.4.1.32473.1", key.public_key()).value();
  merkle::Hash h;
  h.fill(3);
  std::vector<uint8_t> raw =
      SignSubtree(key, cosigner.name(), "oid/1.3.6.1.4.1.32473.1.0.1", {8, 13},
                  h)
          .value();
  NoteSignature note_sig = NoteSignatureFromRaw(cosigner, raw);
  EXPECT_EQ(note_sig.signature.size(), raw.size() + 8);
  EXPECT_EQ(RawFromNoteSignature(note_sig).value(), raw);
  EXPECT_TRUE(VerifySubtreeSignature(key.public_key(), cosigner.name(),
                                     "oid/1.3.6.1.4.1.32473.1.0.1", {8, 13}, h,
                                     raw)
                  .ok());
  EXPECT_FALSE(VerifySubtreeSignature(key.public_key(), cosigner.name(),
                                      "oid/1.3.6.1.4.1.32473.1.0.2", {8, 13}, h,
                                      raw)
                   .ok());
  note_sig.signature[7] = 1;  // timestamp 1
  EXPECT_FALSE(RawFromNoteSignature(note_sig).ok());
}

}  // namespace
}  // namespace mtc::tlog
