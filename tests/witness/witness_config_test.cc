// Tests of the witness directory: witness.toml, the key file, verifier keys,
// and init followed by open.
#include "witness/witness_config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "mtc/crypto/private_key.h"
#include "mtc/tlog/note.h"
#include "mtc/wire/base64.h"
#include "witness/witness_testutil.h"

namespace mtc::witness {
namespace {

using crypto::SignatureAlgorithm;
using testing::kOrigin;
using testing::kWitnessName;
using testing::TestLog;

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

unsigned Mode(const std::string& path) {
  struct stat st;
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

class WitnessConfigTest : public testing::WitnessTestBase {
 protected:
  std::string WitnessDir() const { return dir_ + "/w"; }
};

TEST_F(WitnessConfigTest, FormattedConfigParsesBackEqual) {
  TestLog a(kOrigin);
  TestLog b("oid/1.3.6.1.4.1.32473.7.0.1", SignatureAlgorithm::kEd25519,
            "example.com/\"quoted\\name\"");
  WitnessConfig config{
      kWitnessName,
      "[::1]:9000",
      {{a.origin(), {a.vkey()}}, {b.origin(), {b.vkey(), a.vkey()}}}};
  ASSERT_TRUE(config.Validate().ok()) << config.Validate().error().ToString();
  std::string text = FormatWitnessConfig(config);
  auto parsed = ParseWitnessConfig(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString() << "\n" << text;
  EXPECT_EQ(*parsed, config);

  auto logs = KnownLogsFromConfig(*parsed);
  ASSERT_TRUE(logs.ok());
  ASSERT_EQ(logs->size(), 2u);
  EXPECT_EQ((*logs)[1].keys[0].key_id(), b.cosigner().key_id());
  EXPECT_EQ((*logs)[1].keys[0].type(), tlog::NoteSignatureType::kCosignatureV1);
}

TEST_F(WitnessConfigTest, DefaultsAndMinimalFile) {
  auto parsed = ParseWitnessConfig("name = \"w.example/1\"\n");
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(parsed->listen, "127.0.0.1:14002");
  EXPECT_TRUE(parsed->logs.empty());
}

TEST_F(WitnessConfigTest, RejectsBadFiles) {
  TestLog log(kOrigin);
  std::string vkey = "\"" + log.vkey() + "\"";
  const std::string log_table = "[[log]]\norigin = \"" + std::string(kOrigin) +
                                "\"\nvkeys = [" + vkey + "]\n";
  ASSERT_TRUE(ParseWitnessConfig("name = \"w\"\n" + log_table).ok());
  for (const std::string& text : {
           std::string(""),                                  // no name
           std::string("name = \"w\"\nlistne = \"x:1\"\n"),  // typo
           std::string("name = 5\n"), std::string("name = \"has space\"\n"),
           std::string("name = \"a+b\"\n"),
           std::string("name = \"w\"\nlisten = \"nowhere\"\n"),
           std::string("name = \"w\"\nlisten = \"h:70000\"\n"),
           std::string("name = \"w\"\nlog = 1\n"),
           std::string("name = \"w\"\n[[log]]\norigin = \"o\"\n"),  // no keys
           "name = \"w\"\n[[log]]\nvkeys = [" + vkey + "]\n",       // no origin
           "name = \"w\"\n" + log_table + log_table,                // twice
           "name = \"w\"\n[[log]]\norigin = \"o\"\nvkeys = [" + vkey +
               "]\nkey = 1\n",
           std::string("name = \"w\"\n[[log]]\norigin = \"o\"\nvkeys = "
                       "[\"o+01020304+AQ==\"]\n"),
           std::string("name = \"w\"\nname = \"v\"\n"),  // TOML: duplicate
           std::string("name = \"w"),                    // TOML: unterminated
       }) {
    EXPECT_FALSE(ParseWitnessConfig(text).ok()) << text;
  }
}

TEST_F(WitnessConfigTest, VerifierKeysOfBothCosignatureTypes) {
  for (SignatureAlgorithm alg :
       {SignatureAlgorithm::kMlDsa44, SignatureAlgorithm::kEd25519}) {
    TestLog log(kOrigin, alg);
    auto cosigner = NoteCosignerFromVerifierKey(log.vkey());
    ASSERT_TRUE(cosigner.ok()) << cosigner.error().ToString();
    EXPECT_EQ(cosigner->key(), log.key().public_key());
    EXPECT_EQ(cosigner->key_id(), log.cosigner().key_id());
    EXPECT_EQ(cosigner->name(), log.cosigner().name());
  }
  // signed-note §Example: a plain Ed25519 (type 0x01) note key is not a
  // tlog-cosignature key.
  auto plain = NoteCosignerFromVerifierKey(
      "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k");
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(plain.error().code(), ErrorCode::kUnsupported);
  // A key ID that does not match the name and key.
  TestLog log(kOrigin);
  tlog::VerifierKey vk = log.cosigner().ToVerifierKey();
  vk.key_id ^= 1;
  EXPECT_FALSE(NoteCosignerFromVerifierKey(tlog::FormatVerifierKey(vk)).ok());
  // Key material of the wrong size.
  vk = log.cosigner().ToVerifierKey();
  vk.public_key.pop_back();
  EXPECT_FALSE(NoteCosignerFromVerifierKey(tlog::FormatVerifierKey(vk)).ok());
}

// `mtc witness init` then `mtc witness serve`: the files, their modes, and a
// witness that cosigns for the configured log.
TEST_F(WitnessConfigTest, InitThenOpen) {
  TestLog log(kOrigin);
  WitnessInitOptions options{kWitnessName,
                             SignatureAlgorithm::kMlDsa44,
                             "127.0.0.1:14002",
                             {{kOrigin, {log.vkey()}}}};
  auto vkey = InitWitnessDir(WitnessDir(), options);
  ASSERT_TRUE(vkey.ok()) << vkey.error().ToString();
  EXPECT_EQ(Mode(WitnessDir()), 0700u);
  EXPECT_EQ(Mode(WitnessDir() + "/witness-key.pem"), 0600u);
  EXPECT_EQ(Read(WitnessDir() + "/witness.vkey"), *vkey + "\n");
  EXPECT_TRUE(std::filesystem::exists(WitnessDir() + "/witness.db"));
  auto key =
      crypto::PrivateKey::FromPkcs8Pem(Read(WitnessDir() + "/witness-key.pem"));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->algorithm(), SignatureAlgorithm::kMlDsa44);

  auto opened = OpenWitnessDir(WitnessDir());
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  EXPECT_EQ(opened->config.name, kWitnessName);
  Witness& w = *opened->witness;
  EXPECT_EQ(tlog::FormatVerifierKey(w.cosigner().ToVerifierKey()), *vkey);
  Response r = w.HandleAddCheckpoint(log.AddCheckpointBody(0, 5));
  ASSERT_EQ(r.status, 200) << r.body;
  auto sigs = ParseCosignatureLines(r.body);
  ASSERT_TRUE(sigs.ok());
  auto witness_key = NoteCosignerFromVerifierKey(*vkey);
  ASSERT_TRUE(witness_key.ok());
  EXPECT_TRUE(tlog::VerifyCheckpointCosignature(*witness_key,
                                                log.CheckpointAt(5), (*sigs)[0])
                  .ok());

  // A second init over the same directory refuses to overwrite.
  auto again = InitWitnessDir(WitnessDir(), options);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kConflict);

  // Reopening keeps the state.
  opened->witness.reset();
  auto reopened = OpenWitnessDir(WitnessDir());
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened->witness->GetState(kOrigin))->tree_size, 5u);
}

TEST_F(WitnessConfigTest, InitWithEd25519) {
  WitnessInitOptions options{kWitnessName, SignatureAlgorithm::kEd25519};
  auto vkey = InitWitnessDir(WitnessDir(), options);
  ASSERT_TRUE(vkey.ok()) << vkey.error().ToString();
  auto parsed = tlog::ParseVerifierKey(*vkey);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->type, tlog::NoteSignatureType::kCosignatureV1);
  auto opened = OpenWitnessDir(WitnessDir());
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  EXPECT_FALSE(opened->witness->supports_sign_subtree());
}

TEST_F(WitnessConfigTest, InitRejectsBadOptionsBeforeWritingAnything) {
  WitnessInitOptions options{"bad name", SignatureAlgorithm::kMlDsa44};
  EXPECT_FALSE(InitWitnessDir(WitnessDir(), options).ok());
  options = {kWitnessName, SignatureAlgorithm::kEcdsaP256Sha256};
  EXPECT_FALSE(InitWitnessDir(WitnessDir(), options).ok());
  options = {kWitnessName,
             SignatureAlgorithm::kMlDsa44,
             "127.0.0.1:1",
             {{kOrigin, {"not a vkey"}}}};
  EXPECT_FALSE(InitWitnessDir(WitnessDir(), options).ok());
  EXPECT_FALSE(std::filesystem::exists(WitnessDir() + "/witness-key.pem"));
}

TEST_F(WitnessConfigTest, OpenRefusesAKeyReadableByOthers) {
  ASSERT_TRUE(InitWitnessDir(WitnessDir(), {kWitnessName}).ok());
  ASSERT_EQ(chmod((WitnessDir() + "/witness-key.pem").c_str(), 0644), 0);
  auto opened = OpenWitnessDir(WitnessDir());
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message().find("0644"), std::string::npos);
  EXPECT_FALSE(OpenWitnessDir(dir_ + "/missing").ok());
}

}  // namespace
}  // namespace mtc::witness
