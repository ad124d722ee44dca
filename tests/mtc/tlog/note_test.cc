// Tests of C2SP signed-note and tlog-checkpoint formats.
#include "mtc/tlog/note.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "mtc/base/hex.h"
#include "mtc/tlog/checkpoint.h"
#include "mtc/wire/base64.h"

namespace mtc::tlog {
namespace {

// signed-note §Example.
constexpr char kExampleVkey[] =
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
constexpr char kExampleNote[] =
    "This is an example message.\n"
    "\n"
    "\xe2\x80\x94 example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRK"
    "uwHjG1Yu72IneyaQM=\n";

TEST(SignedNoteTest, SpecExampleParsesAndRoundTrips) {
  auto note = ParseSignedNote(kExampleNote);
  ASSERT_TRUE(note.ok()) << note.error().ToString();
  EXPECT_EQ(note->text, "This is an example message.\n");
  ASSERT_EQ(note->signatures.size(), 1u);
  EXPECT_EQ(note->signatures[0].key_name, "example.com/foo");
  EXPECT_EQ(note->signatures[0].key_id, 0x530d903au);
  EXPECT_EQ(note->signatures[0].signature.size(), 64u);  // Ed25519
  EXPECT_EQ(*SerializeSignedNote(*note), kExampleNote);
}

TEST(SignedNoteTest, SpecExampleVerifierKeyAndKeyId) {
  auto vkey = ParseVerifierKey(kExampleVkey);
  ASSERT_TRUE(vkey.ok()) << vkey.error().ToString();
  EXPECT_EQ(vkey->key_name, "example.com/foo");
  EXPECT_EQ(vkey->key_id, 0x530d903au);
  EXPECT_EQ(vkey->type, NoteSignatureType::kEd25519);
  EXPECT_EQ(vkey->public_key.size(), 32u);
  // The key ID is SHA-256(name || 0x0A || 0x01 || key)[:4].
  EXPECT_EQ(NoteKeyId(vkey->key_name, vkey->type, vkey->public_key),
            0x530d903au);
  EXPECT_EQ(FormatVerifierKey(*vkey), kExampleVkey);
}

TEST(SignedNoteTest, TextMaySplitAtTheLastBlankLine) {
  std::string note = "a\n\nb\n\n\xe2\x80\x94 k " +
                     wire::Base64Encode(std::vector<uint8_t>(9, 1)) + "\n";
  auto parsed = ParseSignedNote(note);
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(parsed->text, "a\n\nb\n");
}

TEST(SignedNoteTest, RejectsMalformedNotes) {
  std::string sig = wire::Base64Encode(std::vector<uint8_t>(9, 1));
  std::string good = "text\n\n\xe2\x80\x94 k " + sig + "\n";
  ASSERT_TRUE(ParseSignedNote(good).ok());
  for (std::string bad : {
           std::string("text\n\n"),                   // no signature
           "text\n\xe2\x80\x94 k " + sig + "\n",      // no blank line
           "text\n\n\xe2\x80\x94 k " + sig,           // no final newline
           "text\n\n- k " + sig + "\n",               // hyphen, not em dash
           "text\n\n\xe2\x80\x94 k+1 " + sig + "\n",  // '+' in name
           "text\n\n\xe2\x80\x94  " + sig + "\n",     // empty name
           "text\n\n\xe2\x80\x94 k\xc2\xa0x " + sig + "\n",  // U+00A0 in name
           "text\n\n\xe2\x80\x94 k " + sig + "=\n",          // bad base64
           std::string("text\n\n\xe2\x80\x94 k AAAA\n"),     // < 5 bytes
           "te\txt\n\n\xe2\x80\x94 k " + sig + "\n",         // control char
           "te\xff\n\n\xe2\x80\x94 k " + sig + "\n",         // invalid UTF-8
           "text\n\n\xe2\x80\x94 k " + sig + "\n\n",         // trailing blank
       }) {
    EXPECT_FALSE(ParseSignedNote(bad).ok()) << bad;
  }
  std::string many = "text\n\n";
  for (size_t i = 0; i <= kMaxNoteSignatures; i++) {
    many += "\xe2\x80\x94 k " + sig + "\n";
  }
  EXPECT_FALSE(ParseSignedNote(many).ok());
}

TEST(CheckpointTest, SpecExample) {
  // tlog-checkpoint's example note text.
  constexpr char kText[] =
      "example.com/behind-the-sofa\n"
      "20852163\n"
      "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
  auto cp = ParseCheckpointText(kText);
  ASSERT_TRUE(cp.ok()) << cp.error().ToString();
  EXPECT_EQ(cp->origin, "example.com/behind-the-sofa");
  EXPECT_EQ(cp->tree_size, 20852163u);
  EXPECT_EQ(wire::Base64Encode(cp->root_hash),
            "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
  EXPECT_TRUE(cp->extensions.empty());
  EXPECT_EQ(*FormatCheckpointText(*cp), kText);
}

TEST(CheckpointTest, ReferenceLogCheckpoint) {
  std::ifstream in(std::string(MTC_TESTDATA_DIR) + "/refdata/checkpoint");
  std::stringstream ss;
  ss << in.rdbuf();
  auto note = ParseSignedNote(ss.str());
  ASSERT_TRUE(note.ok()) << note.error().ToString();
  auto cp = ParseCheckpointText(note->text);
  ASSERT_TRUE(cp.ok()) << cp.error().ToString();
  EXPECT_EQ(cp->origin, "oid/1.3.6.1.4.1.32473.1.0.1");
  EXPECT_EQ(cp->tree_size, 2036u);
  // The CA's cosignature plus the three cosigners of the reference config.
  EXPECT_EQ(note->signatures.size(), 4u);
  EXPECT_EQ(note->signatures[0].key_name, "oid/1.3.6.1.4.1.32473.1");
}

TEST(CheckpointTest, RejectsMalformedText) {
  for (
      const char* bad : {
          "origin\n5\n",  // 2 lines
          "origin\n05\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",  // leading
                                                                         // 0
          "origin\n-5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
          "origin\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n",  // no pad
          "origin\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jx\n",  // 30 bytes
          "origin\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=",  // no
                                                                      // newline
          "\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",      // empty
                                                                      // origin
          "origin\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n",  // empty
                                                                          // ext
      }) {
    EXPECT_FALSE(ParseCheckpointText(bad).ok()) << bad;
  }
  auto with_ext = ParseCheckpointText(
      "origin\n0\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\next\n");
  ASSERT_TRUE(with_ext.ok());
  EXPECT_EQ(with_ext->extensions, std::vector<std::string>{"ext"});
}

}  // namespace
}  // namespace mtc::tlog
