// Tests of the tlog-witness wire formats (spec/c2sp-tlog-witness.md): the
// spec's examples first, then round trips over many sizes, then every rule a
// parser enforces.
#include "witness/protocol.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mtc/base/hex.h"
#include "mtc/crypto/sha256.h"
#include "mtc/merkle/node_source.h"
#include "mtc/merkle/proof.h"
#include "mtc/tlog/checkpoint.h"
#include "mtc/wire/base64.h"

namespace mtc::witness {
namespace {

// §add-checkpoint, "Example request body".
constexpr char kSpecAddCheckpointBody[] =
    "old 20852014\n"
    "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n"
    "jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n"
    "5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n"
    "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n"
    "\n"
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    "\n"
    "\xe2\x80\x94 example.com/behind-the-sofa "
    "Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/"
    "Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    "\xe2\x80\x94 example.com/behind-the-sofa "
    "opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/"
    "V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=\n";

// §add-checkpoint, "Example response body".
constexpr char kSpecCosignatureResponse[] =
    "\xe2\x80\x94 witness.example/w1 "
    "CMp+6LWBU0anHGH5aNDTJkH/gj79sG+T6+iP2ThYN5krrDJbR1HDnucjL39QsZTSvVjyQLrdk3"
    "DXDqI5G2HgLatVs0pWh6Up69HVOw==\n"
    "\xe2\x80\x94 witness.example/w1 "
    "I7rEps0pvK2UqkS2gSpVUDhrhVtQV9lgF6pRrWAvjJHjyWpW7VcE3SiOlVlbQNt64vWhO+"
    "DlkL0+UfzuOBMh9ChdMkP1vi/lCAsmlw==\n"
    "\xe2\x80\x94 witness.example/w2 "
    "AWui8Sk55XjYLOijihBjhqEH6nS1ndDymE0a+6idX7pLcnoB+dhnz0854aLZgrrKbYKA7nC3HN"
    "Jhm/kWl7oJlqU3rXXvpysAdyP3wQ==\n";

// §sign-subtree, "Example request body", up to the checkpoint's signature
// line, which the spec elides ("LijDAFSpKvDUj+ZtaJ4lUVcnvnooXd[...]").
constexpr char kSpecSignSubtreeHead[] =
    "subtree 8 13\n"
    "mbsQCg+dEIMGlpqeGgk94JutQwKKS2Lo5IuDhKmDjiU=\n"
    "CD82D2LDm0phY0+xKbHyZfq3Hw21lVkuV7Zis5EFg0k=\n"
    "h/ghL5nyaXTIBAklqDnisM+SFdbA3izoGZ5oRYMZzc0=\n"
    "8qtnAAU9sTKQx/zt3E4v8Jt2a9IMQUf0QUawvePF9y0=\n"
    "KuO5BNOmginG34Lm5G3e2GuiWliGo3K0ebzGpvI0fEg=\n"
    "\n"
    "example.com/behind-the-sofa\n"
    "14\n"
    "/CcKVZM9n65aH7jLaIZuUB4/MSlEFQ4+ldwUC21rDHM=\n"
    "\n";

// A well-formed signature line (not a valid signature: these tests are
// about the format only).
std::string SignatureLine(const std::string& name, uint8_t fill = 1) {
  return "\xe2\x80\x94 " + name + " " +
         wire::Base64Encode(std::vector<uint8_t>(4 + 8 + 64, fill)) + "\n";
}

tlog::SignedNote FakeSignedCheckpoint(uint64_t size, const merkle::Hash& root) {
  tlog::Checkpoint cp{"example.com/log", size, root, {}};
  tlog::SignedNote note;
  note.text = tlog::FormatCheckpointText(cp).value();
  note.signatures.push_back(
      {"example.com/log", 0x01020304, std::vector<uint8_t>(72, 9)});
  return note;
}

merkle::Hash HashOf(uint8_t b) {
  merkle::Hash h;
  h.fill(b);
  return h;
}

TEST(AddCheckpointRequestTest, SpecExampleParsesAndRoundTrips) {
  auto r = ParseAddCheckpointRequest(kSpecAddCheckpointBody);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->old_size, 20852014u);
  ASSERT_EQ(r->consistency_proof.size(), 4u);
  EXPECT_EQ(wire::Base64Encode(r->consistency_proof[3]),
            "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=");
  auto cp = tlog::ParseCheckpointText(r->checkpoint.text);
  ASSERT_TRUE(cp.ok());
  EXPECT_EQ(cp->origin, "example.com/behind-the-sofa");
  EXPECT_EQ(cp->tree_size, 20852163u);
  EXPECT_EQ(r->checkpoint.signatures.size(), 2u);
  EXPECT_EQ(*BuildAddCheckpointRequest(*r), kSpecAddCheckpointBody);
}

TEST(SignSubtreeRequestTest, SpecExampleParsesAndRoundTrips) {
  std::string body =
      std::string(kSpecSignSubtreeHead) + SignatureLine("witness.example/w1");
  auto r = ParseSignSubtreeRequest(body);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->subtree, (merkle::Subtree{8, 13}));
  EXPECT_EQ(wire::Base64Encode(r->subtree_hash),
            "mbsQCg+dEIMGlpqeGgk94JutQwKKS2Lo5IuDhKmDjiU=");
  EXPECT_EQ(r->consistency_proof.size(), 4u);
  EXPECT_EQ(*BuildSignSubtreeRequest(*r), body);

  // The example's four proof lines are as many as SUBTREE_PROOF(8, 13, D_14)
  // has hashes: line two is the subtree hash, not part of the proof.
  merkle::MemoryTree tree;
  for (int i = 0; i < 14; i++) tree.AppendLeafHash(HashOf(i));
  EXPECT_EQ(merkle::GenerateConsistencyProof(tree, 14, {8, 13})->size(), 4u);
}

TEST(CosignatureLinesTest, SpecExampleParsesAndRoundTrips) {
  auto sigs = ParseCosignatureLines(kSpecCosignatureResponse);
  ASSERT_TRUE(sigs.ok()) << sigs.error().ToString();
  ASSERT_EQ(sigs->size(), 3u);
  EXPECT_EQ((*sigs)[0].key_name, "witness.example/w1");
  EXPECT_EQ((*sigs)[2].key_name, "witness.example/w2");
  // Ed25519 cosignature/v1: 8-byte timestamp and 64-byte signature.
  EXPECT_EQ((*sigs)[0].signature.size(), 72u);
  EXPECT_EQ(*FormatCosignatureLines(*sigs), kSpecCosignatureResponse);
}

// Every old size and checkpoint size of trees up to 40 entries, with the
// real RFC 6962 proof between them: built bodies parse back to the same
// request and the same bytes.
TEST(AddCheckpointRequestTest, RoundTripsForAllSizes) {
  merkle::MemoryTree tree;
  for (uint64_t n = 0; n <= 40; n++) {
    for (uint64_t m = 0; m <= n; m++) {
      AddCheckpointRequest r;
      r.old_size = m;
      r.consistency_proof =
          merkle::GenerateRfc9162ConsistencyProof(tree, m, n).value();
      r.checkpoint = FakeSignedCheckpoint(n, tree.RootHash());
      // The RootHash of a smaller tree is irrelevant to the format.
      auto body = BuildAddCheckpointRequest(r);
      ASSERT_TRUE(body.ok()) << body.error().ToString();
      auto parsed = ParseAddCheckpointRequest(*body);
      ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
      EXPECT_EQ(parsed->old_size, m);
      EXPECT_EQ(parsed->consistency_proof, r.consistency_proof);
      EXPECT_EQ(parsed->checkpoint.text, r.checkpoint.text);
      EXPECT_EQ(*BuildAddCheckpointRequest(*parsed), *body);
    }
    tree.AppendLeafHash(HashOf(static_cast<uint8_t>(n)));
  }
}

// Every valid non-empty subtree of trees up to 24 entries.
TEST(SignSubtreeRequestTest, RoundTripsForAllSubtrees) {
  merkle::MemoryTree tree;
  for (int i = 0; i < 24; i++) tree.AppendLeafHash(HashOf(i));
  int count = 0;
  for (uint64_t n = 1; n <= 24; n++) {
    for (uint64_t end = 1; end <= n; end++) {
      for (uint64_t start = 0; start < end; start++) {
        if (!merkle::IsValidSubtree(start, end)) continue;
        SignSubtreeRequest r;
        r.subtree = {start, end};
        r.subtree_hash = merkle::SubtreeHash(tree, r.subtree).value();
        r.consistency_proof =
            merkle::GenerateConsistencyProof(tree, n, r.subtree).value();
        r.checkpoint = FakeSignedCheckpoint(n, HashOf(0));
        auto body = BuildSignSubtreeRequest(r);
        ASSERT_TRUE(body.ok()) << body.error().ToString();
        auto parsed = ParseSignSubtreeRequest(*body);
        ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
        EXPECT_EQ(parsed->subtree, r.subtree);
        EXPECT_EQ(parsed->subtree_hash, r.subtree_hash);
        EXPECT_EQ(parsed->consistency_proof, r.consistency_proof);
        EXPECT_EQ(*BuildSignSubtreeRequest(*parsed), *body);
        count++;
      }
    }
  }
  EXPECT_GT(count, 300);
}

std::string ProofLines(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; i++) {
    out += wire::Base64Encode(HashOf(static_cast<uint8_t>(i))) + "\n";
  }
  return out;
}

// "The client MUST NOT send more than 63 consistency proof lines."
TEST(AddCheckpointRequestTest, AtMost63ProofLines) {
  std::string note = *tlog::SerializeSignedNote(
      FakeSignedCheckpoint(uint64_t{1} << 62, HashOf(1)));
  EXPECT_TRUE(
      ParseAddCheckpointRequest("old 5\n" + ProofLines(63) + "\n" + note).ok());
  EXPECT_FALSE(
      ParseAddCheckpointRequest("old 5\n" + ProofLines(64) + "\n" + note).ok());
  AddCheckpointRequest r{5, merkle::Proof(64, HashOf(2)),
                         FakeSignedCheckpoint(100, HashOf(1))};
  auto built = BuildAddCheckpointRequest(r);
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(built.error().code(), ErrorCode::kInvalidArgument);
}

TEST(SignSubtreeRequestTest, AtMost63ProofLines) {
  std::string head = "subtree 0 8\n" + wire::Base64Encode(HashOf(1)) + "\n";
  std::string note =
      *tlog::SerializeSignedNote(FakeSignedCheckpoint(100, HashOf(1)));
  EXPECT_TRUE(
      ParseSignSubtreeRequest(head + ProofLines(63) + "\n" + note).ok());
  EXPECT_FALSE(
      ParseSignSubtreeRequest(head + ProofLines(64) + "\n" + note).ok());
}

TEST(AddCheckpointRequestTest, RejectsMalformedBodies) {
  const std::string note =
      *tlog::SerializeSignedNote(FakeSignedCheckpoint(20, HashOf(1)));
  const std::string hash = wire::Base64Encode(HashOf(3)) + "\n";
  // A hash in base64 whose last character's low bits are set: not canonical.
  std::string noncanonical = hash;
  noncanonical[42] = 'B';
  ASSERT_TRUE(ParseAddCheckpointRequest("old 5\n" + hash + "\n" + note).ok());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"empty body", ""},
      {"no old line", "\n" + note},
      {"old line only", "old 5\n"},
      {"leading zero", "old 05\n\n" + note},
      {"double zero", "old 00\n\n" + note},
      {"sign", "old +5\n\n" + note},
      {"negative", "old -5\n\n" + note},
      {"two spaces", "old  5\n\n" + note},
      {"trailing space", "old 5 \n\n" + note},
      {"capital", "Old 5\n\n" + note},
      {"no size", "old \n\n" + note},
      {"hex size", "old 0x5\n\n" + note},
      {"overflow", "old 18446744073709551616\n\n" + note},
      {"CRLF", "old 5\r\n\r\n" + note},
      {"old above checkpoint size", "old 21\n\n" + note},
      {"no blank line", "old 5\n" + hash + note},
      {"31-byte hash", "old 5\n" +
                           wire::Base64Encode(std::vector<uint8_t>(31, 1)) +
                           "\n\n" + note},
      {"33-byte hash", "old 5\n" +
                           wire::Base64Encode(std::vector<uint8_t>(33, 1)) +
                           "\n\n" + note},
      {"non-canonical base64", "old 5\n" + noncanonical + "\n" + note},
      {"unpadded base64", "old 5\n" + hash.substr(0, 43) + "\n\n" + note},
      {"unsigned checkpoint",
       "old 5\n\nexample.com/log\n20\n" + wire::Base64Encode(HashOf(1)) + "\n"},
      {"checkpoint with a bad size", "old 5\n\nexample.com/log\n020\n" +
                                         wire::Base64Encode(HashOf(1)) +
                                         "\n\n" + SignatureLine("k")},
      {"note without final newline",
       "old 5\n\n" + note.substr(0, note.size() - 1)},
      {"second blank line", "old 5\n\n\n" + note},
  };
  for (const auto& [name, body] : cases) {
    auto r = ParseAddCheckpointRequest(body);
    EXPECT_FALSE(r.ok()) << name;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code(), ErrorCode::kMalformed) << name;
    }
  }
  // The largest size parses.
  std::string big =
      *tlog::SerializeSignedNote(FakeSignedCheckpoint(UINT64_MAX, HashOf(1)));
  auto r = ParseAddCheckpointRequest("old 18446744073709551615\n\n" + big);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->old_size, UINT64_MAX);
}

TEST(SignSubtreeRequestTest, RejectsMalformedAndInvalidBodies) {
  const std::string note =
      *tlog::SerializeSignedNote(FakeSignedCheckpoint(14, HashOf(1)));
  const std::string hash = wire::Base64Encode(HashOf(3)) + "\n";
  ASSERT_TRUE(ParseSignSubtreeRequest("subtree 8 13\n" + hash + "\n" + note));
  ASSERT_TRUE(ParseSignSubtreeRequest("subtree 0 14\n" + hash + "\n" + note));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"empty body", ""},
      {"no hash line", "subtree 8 13\n\n" + note},
      {"leading zero start", "subtree 08 13\n" + hash + "\n" + note},
      {"leading zero end", "subtree 8 013\n" + hash + "\n" + note},
      {"one number", "subtree 8\n" + hash + "\n" + note},
      {"three numbers", "subtree 8 13 14\n" + hash + "\n" + note},
      {"two spaces", "subtree 8  13\n" + hash + "\n" + note},
      {"tab", "subtree 8\t13\n" + hash + "\n" + note},
      {"wrong keyword", "subtrees 8 13\n" + hash + "\n" + note},
      {"old line", "old 8\n" + hash + "\n" + note},
      {"bad hash", "subtree 8 13\nAAAA\n\n" + note},
      {"no blank line", "subtree 8 13\n" + hash + note},
      // "The half-open interval [start, end) MUST be a valid subtree".
      {"start after end", "subtree 9 8\n" + hash + "\n" + note},
      {"misaligned", "subtree 4 9\n" + hash + "\n" + note},
      {"misaligned odd", "subtree 1 3\n" + hash + "\n" + note},
      // "and end MUST be less than or equal to the checkpoint size".
      {"past the checkpoint", "subtree 8 15\n" + hash + "\n" + note},
      // docs/design.md §2 item 1.
      {"empty subtree", "subtree 8 8\n" + hash + "\n" + note},
      {"empty at zero", "subtree 0 0\n" + hash + "\n" + note},
  };
  for (const auto& [name, body] : cases) {
    auto r = ParseSignSubtreeRequest(body);
    EXPECT_FALSE(r.ok()) << name;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code(), ErrorCode::kMalformed) << name;
    }
  }
  SignSubtreeRequest r{{8, 8}, HashOf(1), {}, FakeSignedCheckpoint(14, {})};
  EXPECT_FALSE(BuildSignSubtreeRequest(r).ok());
}

TEST(CosignatureLinesTest, RejectsMalformedBodies) {
  const std::string line = SignatureLine("w.example/1");
  ASSERT_TRUE(ParseCosignatureLines(line).ok());
  for (const std::string& body : {
           std::string(), std::string("\n"), "\n" + line, line + "\n",
           line + "\n" + line, line.substr(0, line.size() - 1),
           std::string("- w.example/1 AAAAAAAA\n"), line + "trailing",
           std::string("\xe2\x80\x94 w.example/1 AAAA\n"),  // under 5 bytes
       }) {
    EXPECT_FALSE(ParseCosignatureLines(body).ok()) << body;
  }
  EXPECT_FALSE(FormatCosignatureLines({}).ok());
  // signed-note lets verifiers bound the signatures of a note; we read 64.
  std::string many;
  for (size_t i = 0; i < tlog::kMaxNoteSignatures; i++) many += line;
  EXPECT_TRUE(ParseCosignatureLines(many).ok());
  EXPECT_FALSE(ParseCosignatureLines(many + line).ok());
}

TEST(TreeSizeBodyTest, FormatAndParse) {
  EXPECT_EQ(FormatTreeSizeBody(0), "0\n");
  EXPECT_EQ(FormatTreeSizeBody(20852163), "20852163\n");
  EXPECT_EQ(*ParseTreeSizeBody("20852163\n"), 20852163u);
  EXPECT_EQ(*ParseTreeSizeBody("18446744073709551615\n"), UINT64_MAX);
  for (const char* bad : {"", "\n", "5", "05\n", "5\n\n", " 5\n", "5 \n",
                          "-1\n", "+1\n", "5\r\n", "18446744073709551616\n"}) {
    EXPECT_FALSE(ParseTreeSizeBody(bad).ok()) << bad;
  }
}

// §Monitor Retrieval Mechanism: "The origin hash is the SHA-256 hash of the
// log's origin, hex encoded, in lowercase."
TEST(CheckpointPathTest, OriginHashInLowerCaseHex) {
  std::string origin = "oid/1.3.6.1.4.1.32473.1.0.1";
  std::string hash = HexEncode(crypto::Sha256Of(
      {reinterpret_cast<const uint8_t*>(origin.data()), origin.size()}));
  EXPECT_EQ(CheckpointPath(origin), "/" + hash + "/checkpoint");
  EXPECT_EQ(*OriginHashFromCheckpointPath(CheckpointPath(origin)), hash);
  std::string upper = CheckpointPath(origin);
  for (char& c : upper) {
    if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
  }
  upper.replace(upper.size() - 11, 11, "/checkpoint");
  for (const std::string& bad :
       {upper, "/" + hash, "/" + hash + "/checkpoint/", hash + "/checkpoint",
        "/" + hash.substr(1) + "/checkpoint", "/" + hash + "0/checkpoint",
        "/" + hash.substr(0, 63) + "g/checkpoint"}) {
    EXPECT_FALSE(OriginHashFromCheckpointPath(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace mtc::witness
