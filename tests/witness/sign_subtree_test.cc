// Tests of the witness's sign-subtree procedure
// (spec/c2sp-tlog-witness.md §sign-subtree): a log gets a checkpoint
// cosigned with add-checkpoint, then exchanges it, with a subtree
// consistency proof, for subtree cosignatures (timestamp 0) that go into
// standalone certificates.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mtc/merkle/subtree.h"
#include "mtc/tlog/checkpoint.h"
#include "mtc/tlog/cosignature.h"
#include "mtc/wire/base64.h"
#include "witness/protocol.h"
#include "witness/witness.h"
#include "witness/witness_testutil.h"

namespace mtc::witness {
namespace {

using crypto::SignatureAlgorithm;
using testing::kOrigin;
using testing::kWitnessName;
using testing::TestLog;

class SignSubtreeTest : public testing::WitnessTestBase {
 protected:
  // Has `w` cosign `log` at `size` (from its latest size) and returns the
  // reference checkpoint: the log's note with the witness's line appended.
  tlog::SignedNote Cosign(Witness& w, TestLog& log, uint64_t size) {
    auto state = w.GetState(log.origin());
    uint64_t old_size =
        state.ok() && state->has_value() ? (*state)->tree_size : 0;
    Response r = w.HandleAddCheckpoint(log.AddCheckpointBody(old_size, size));
    tlog::SignedNote note = log.SignedCheckpointAt(size);
    note.signatures.push_back(ExpectCosigned(r, log.CheckpointAt(size)));
    return note;
  }

  static std::string Body(TestLog& log, const merkle::Subtree& subtree,
                          const tlog::SignedNote& reference) {
    uint64_t size = tlog::ParseCheckpointText(reference.text)->tree_size;
    return BuildSignSubtreeRequest({subtree, log.SubtreeHash(subtree),
                                    log.SubtreeProof(subtree, size), reference})
        .value();
  }
  // A body with explicit parts, for requests the builder would refuse.
  static std::string RawBody(const merkle::Subtree& subtree,
                             const merkle::Hash& hash,
                             const merkle::Proof& proof,
                             const tlog::SignedNote& reference) {
    std::string out = "subtree " + std::to_string(subtree.start) + " " +
                      std::to_string(subtree.end) + "\n" +
                      wire::Base64Encode(hash) + "\n";
    for (const merkle::Hash& h : proof) out += wire::Base64Encode(h) + "\n";
    return out + "\n" + *tlog::SerializeSignedNote(reference);
  }

  // Checks that `r` is a 200 with one subtree/v1 line of this test's
  // witness, with timestamp 0, over `subtree` of `log`.
  void ExpectSubtreeCosigned(const Response& r, TestLog& log,
                             const merkle::Subtree& subtree) {
    ASSERT_EQ(r.status, 200) << subtree.ToString() << ": " << r.body;
    EXPECT_EQ(r.content_type, kTextContentType);
    auto sigs = ParseCosignatureLines(r.body);
    ASSERT_TRUE(sigs.ok());
    ASSERT_EQ(sigs->size(), 1u);
    const tlog::NoteSignature& sig = (*sigs)[0];
    EXPECT_EQ(sig.key_name, kWitnessName);
    EXPECT_EQ(sig.key_id, WitnessCosigner().key_id());
    // "If the cosignature format supports timestamps, the timestamp MUST be
    // zero": RawFromNoteSignature accepts only timestamp 0.
    auto raw = tlog::RawFromNoteSignature(sig);
    ASSERT_TRUE(raw.ok()) << raw.error().ToString();
    Status verified = tlog::VerifySubtreeSignature(
        WitnessKey().public_key(), kWitnessName, log.origin(), subtree,
        log.SubtreeHash(subtree), *raw);
    EXPECT_TRUE(verified.ok())
        << subtree.ToString() << ": " << verified.error().ToString();
  }
};

// Every valid non-empty subtree of a cosigned checkpoint is cosigned.
TEST_F(SignSubtreeTest, SignsEverySubtreeOfACosignedCheckpoint) {
  TestLog log(kOrigin);
  auto w = OpenWitness({&log});
  tlog::SignedNote reference = Cosign(*w, log, 21);
  int count = 0;
  for (uint64_t end = 1; end <= 21; end++) {
    for (uint64_t start = 0; start < end; start++) {
      if (!merkle::IsValidSubtree(start, end)) continue;
      ExpectSubtreeCosigned(
          w->HandleSignSubtree(Body(log, {start, end}, reference)), log,
          {start, end});
      count++;
    }
  }
  EXPECT_GT(count, 40);
}

// The reference checkpoint may be an older one the witness cosigned, and
// "SHOULD only include signatures from the witness's key(s)": the log's own
// line is not needed.
TEST_F(SignSubtreeTest, OlderReferenceAndWitnessLineOnly) {
  TestLog log(kOrigin);
  auto w = OpenWitness({&log});
  tlog::SignedNote at_13 = Cosign(*w, log, 13);
  tlog::SignedNote at_40 = Cosign(*w, log, 40);
  ExpectSubtreeCosigned(w->HandleSignSubtree(Body(log, {8, 13}, at_13)), log,
                        {8, 13});
  ExpectSubtreeCosigned(w->HandleSignSubtree(Body(log, {32, 40}, at_40)), log,
                        {32, 40});
  tlog::SignedNote witness_only = at_40;
  witness_only.signatures.erase(witness_only.signatures.begin());
  ExpectSubtreeCosigned(w->HandleSignSubtree(Body(log, {0, 32}, witness_only)),
                        log, {0, 32});
}

// "If the request is invalid according to the rules above, the witness MUST
// respond with a "400 Bad Request" HTTP status code."
TEST_F(SignSubtreeTest, InvalidSubtreesAre400) {
  TestLog log(kOrigin);
  auto w = OpenWitness({&log});
  tlog::SignedNote reference = Cosign(*w, log, 14);
  merkle::Hash h = log.SubtreeHash({8, 12});
  for (merkle::Subtree s : {merkle::Subtree{4, 9}, merkle::Subtree{1, 3},
                            merkle::Subtree{8, 15}, merkle::Subtree{16, 17},
                            merkle::Subtree{8, 8}, merkle::Subtree{0, 0}}) {
    Response r = w->HandleSignSubtree(RawBody(s, h, {}, reference));
    EXPECT_EQ(r.status, 400) << s.ToString() << ": " << r.body;
  }
  EXPECT_EQ(w->HandleSignSubtree("subtree 8 12\n").status, 400);
  EXPECT_EQ(w->HandleSignSubtree("").status, 400);
  EXPECT_EQ(
      w->HandleSignSubtree(std::string(kMaxRequestBodySize + 1, 's')).status,
      413);
}

// "If the checkpoint origin is unknown, the witness MUST respond with a "404
// Not Found" HTTP status code", even with the witness's own cosignature.
TEST_F(SignSubtreeTest, UnknownOriginIs404) {
  TestLog log(kOrigin);
  TestLog other("oid/1.3.6.1.4.1.32473.1.0.9");
  auto w = OpenWitness({&log});
  tlog::Checkpoint cp = other.CheckpointAt(8);
  tlog::SignedNote reference = other.Sign(cp);
  reference.signatures.push_back(
      tlog::SignCheckpoint(WitnessKey(), kWitnessName, cp, 1).value());
  EXPECT_EQ(w->HandleSignSubtree(Body(other, {0, 4}, reference)).status, 404);
}

// "The witness MUST verify that the checkpoint includes a valid cosignature
// from one of its own keys. If the witness can't verify the checkpoint, it
// MUST respond with a "403 Forbidden" HTTP status code."
TEST_F(SignSubtreeTest, CheckpointsNotCosignedByTheWitnessAre403) {
  TestLog log(kOrigin);
  auto w = OpenWitness({&log});
  tlog::SignedNote reference = Cosign(*w, log, 20);
  const tlog::NoteSignature& own = reference.signatures.back();

  tlog::SignedNote log_only = log.SignedCheckpointAt(20);
  EXPECT_EQ(w->HandleSignSubtree(Body(log, {16, 20}, log_only)).status, 403);

  tlog::SignedNote flipped = reference;
  flipped.signatures.back().signature[20] ^= 1;
  EXPECT_EQ(w->HandleSignSubtree(Body(log, {16, 20}, flipped)).status, 403);

  // A cosignature by another key under the witness's name is not its own.
  tlog::SignedNote other_key = log_only;
  other_key.signatures.push_back(
      tlog::SignCheckpoint(
          crypto::PrivateKey::Generate(SignatureAlgorithm::kMlDsa44).value(),
          kWitnessName, log.CheckpointAt(20), testing::kNow)
          .value());
  EXPECT_EQ(w->HandleSignSubtree(Body(log, {16, 20}, other_key)).status, 403);

  // The witness's cosignature moved onto a checkpoint it never saw: same
  // size, another root hash (a fork the log wants subtrees of).
  tlog::Checkpoint fork = log.CheckpointAt(20);
  fork.root_hash[0] ^= 1;
  tlog::SignedNote forked = log.Sign(fork);
  forked.signatures.push_back(own);
  EXPECT_EQ(
      w->HandleSignSubtree(RawBody({16, 20}, log.SubtreeHash({16, 20}),
                                   log.SubtreeProof({16, 20}, 20), forked))
          .status,
      403);

  // A witness line and a failing line of the same key.
  tlog::SignedNote mixed = reference;
  mixed.signatures.push_back(flipped.signatures.back());
  EXPECT_EQ(w->HandleSignSubtree(Body(log, {16, 20}, mixed)).status, 403);
}

// "If the Merkle Consistency Proof doesn't verify, the witness MUST respond
// with a "422 Unprocessable Entity" HTTP status code": every proof hash
// altered, a wrong subtree hash, a hash missing or extra.
TEST_F(SignSubtreeTest, BadSubtreeProofsAre422) {
  TestLog log(kOrigin);
  auto w = OpenWitness({&log});
  tlog::SignedNote reference = Cosign(*w, log, 37);
  for (merkle::Subtree s : {merkle::Subtree{8, 13}, merkle::Subtree{32, 37},
                            merkle::Subtree{0, 16}, merkle::Subtree{16, 32}}) {
    merkle::Hash hash = log.SubtreeHash(s);
    merkle::Proof proof = log.SubtreeProof(s, 37);
    ASSERT_FALSE(proof.empty());
    for (size_t i = 0; i < proof.size(); i++) {
      merkle::Proof bad = proof;
      bad[i][7] ^= 0x80;
      EXPECT_EQ(w->HandleSignSubtree(RawBody(s, hash, bad, reference)).status,
                422)
          << s.ToString() << " hash " << i;
    }
    merkle::Hash wrong = hash;
    wrong[31] ^= 1;
    EXPECT_EQ(w->HandleSignSubtree(RawBody(s, wrong, proof, reference)).status,
              422);
    merkle::Proof shorter(proof.begin(), proof.end() - 1);
    EXPECT_EQ(w->HandleSignSubtree(RawBody(s, hash, shorter, reference)).status,
              422);
    merkle::Proof longer = proof;
    longer.push_back(hash);
    EXPECT_EQ(w->HandleSignSubtree(RawBody(s, hash, longer, reference)).status,
              422);
    ExpectSubtreeCosigned(
        w->HandleSignSubtree(RawBody(s, hash, proof, reference)), log, s);
  }
}

// "The cosignature format MUST support subtree cosigning": an Ed25519
// (cosignature/v1) witness does not offer sign-subtree.
TEST_F(SignSubtreeTest, Ed25519WitnessDoesNotSignSubtrees) {
  UseWitnessKey(SignatureAlgorithm::kEd25519);
  TestLog log(kOrigin);
  auto w = OpenWitness({&log});
  tlog::SignedNote reference = Cosign(*w, log, 8);
  EXPECT_EQ(w->HandleSignSubtree(Body(log, {0, 4}, reference)).status, 404);
}

}  // namespace
}  // namespace mtc::witness
