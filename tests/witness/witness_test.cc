// Tests of the witness's add-checkpoint procedure and checkpoint retrieval
// (spec/c2sp-tlog-witness.md §add-checkpoint, §Monitor Retrieval Mechanism),
// against a test log that grows in steps.
#include "witness/witness.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mtc/merkle/hash.h"
#include "mtc/tlog/checkpoint.h"
#include "mtc/tlog/cosignature.h"
#include "witness/protocol.h"
#include "witness/witness_testutil.h"

namespace mtc::witness {
namespace {

using crypto::SignatureAlgorithm;
using testing::kNow;
using testing::kOrigin;
using testing::kWitnessName;
using testing::TestLog;

class AddCheckpointTest : public testing::WitnessTestBase {
 protected:
  // The body of add-checkpoint for `checkpoint` (signed by `log`) with an
  // explicit old size and proof.
  static std::string Body(uint64_t old_size, const merkle::Proof& proof,
                          const tlog::SignedNote& note) {
    return BuildAddCheckpointRequest({old_size, proof, note}).value();
  }

  static void ExpectStatus(const Response& r, int status,
                           const std::string& what) {
    EXPECT_EQ(r.status, status) << what << ": " << r.body;
  }

  void ExpectStoredSize(Witness& w, const std::string& origin, uint64_t size) {
    auto state = w.GetState(origin);
    ASSERT_TRUE(state.ok());
    ASSERT_TRUE(state->has_value()) << origin << " has no state";
    EXPECT_EQ((*state)->tree_size, size);
  }
};

// §add-checkpoint: the witness cosigns each checkpoint of a growing log,
// starting from the empty tree, and records it.
TEST_F(AddCheckpointTest, CosignsAGrowingLog) {
  TestLog log(kOrigin);
  auto w = OpenWitness({&log});
  uint64_t old_size = 0;
  for (uint64_t size : {0, 1, 2, 3, 4, 7, 8, 9, 16, 17, 31, 64, 100, 257}) {
    Response r = w->HandleAddCheckpoint(log.AddCheckpointBody(old_size, size));
    ExpectCosigned(r, log.CheckpointAt(size));
    auto state = w->GetState(kOrigin);
    ASSERT_TRUE(state.ok() && state->has_value());
    EXPECT_EQ((*state)->tree_size, size);
    EXPECT_EQ((*state)->root_hash, log.CheckpointAt(size).root_hash);
    old_size = size;
  }
}

// The ML-DSA-44 cosignature is a subtree/v1 signature over [0, size) with a
// non-zero timestamp: "start MUST be zero and end MUST be the checkpoint
// size ... the timestamp MUST NOT be zero".
TEST_F(AddCheckpointTest, CosignatureIsTimestampedSubtreeV1) {
  TestLog log(kOrigin);
  auto w = OpenWitness({&log});
  EXPECT_EQ(w->cosigner().type(), tlog::NoteSignatureType::kMlDsa44Subtree);
  EXPECT_TRUE(w->supports_sign_subtree());
  tlog::NoteSignature sig =
      ExpectCosigned(w->HandleAddCheckpoint(log.AddCheckpointBody(0, 10)),
                     log.CheckpointAt(10));
  EXPECT_EQ(sig.key_name, kWitnessName);
  EXPECT_EQ(sig.key_id, WitnessCosigner().key_id());
  // timestamped_signature: u64 timestamp, then the 2420-byte signature.
  ASSERT_EQ(sig.signature.size(), 8u + 2420u);
  // As a raw MTCProof signature it is refused: it is timestamped.
  EXPECT_FALSE(tlog::RawFromNoteSignature(sig).ok());
}

// Re-submitting the latest checkpoint (old size = size, same root) is
// consistent and cosigned again: a log may retry.
TEST_F(AddCheckpointTest, ResubmittingTheLatestCheckpointIsCosigned) {
  TestLog log(kOrigin);
  auto w = OpenWitness({&log});
  ExpectCosigned(w->HandleAddCheckpoint(log.AddCheckpointBody(0, 12)),
                 log.CheckpointAt(12));
  ExpectCosigned(w->HandleAddCheckpoint(log.AddCheckpointBody(12, 12)),
                 log.CheckpointAt(12));
  ExpectStoredSize(*w, kOrigin, 12);
}

// "If ... a Merkle Consistency Proof doesn't verify, the witness MUST respond
// with a "422 Unprocessable Entity"": every single proof hash altered, a
// hash missing or extra, at each step of a growing log; the state does not
// move until the correct proof arrives.
TEST_F(AddCheckpointTest, EveryAlteredProofHashIs422) {
  TestLog log(kOrigin);
  auto w = OpenWitness({&log});
  ASSERT_EQ(w->HandleAddCheckpoint(log.AddCheckpointBody(0, 5)).status, 200);
  uint64_t old_size = 5;
  for (uint64_t size : {6, 8, 13, 20, 37, 64, 100, 1000}) {
    tlog::SignedNote note = log.SignedCheckpointAt(size);
    merkle::Proof proof = log.ConsistencyProof(old_size, size);
    ASSERT_FALSE(proof.empty());
    for (size_t i = 0; i < proof.size(); i++) {
      for (size_t byte : {size_t{0}, size_t{31}}) {
        merkle::Proof bad = proof;
        bad[i][byte] ^= 0x01;
        ExpectStatus(w->HandleAddCheckpoint(Body(old_size, bad, note)), 422,
                     std::to_string(old_size) + "->" + std::to_string(size) +
                         " hash " + std::to_string(i));
      }
    }
    merkle::Proof shorter(proof.begin(), proof.end() - 1);
    ExpectStatus(w->HandleAddCheckpoint(Body(old_size, shorter, note)), 422,
                 "missing hash");
    merkle::Proof longer = proof;
    longer.push_back(proof.back());
    ExpectStatus(w->HandleAddCheckpoint(Body(old_size, longer, note)), 422,
                 "extra hash");
    ExpectStatus(w->HandleAddCheckpoint(Body(old_size, {}, note)), 422,
                 "no proof");
    // Swapping two hashes.
    if (proof.size() > 1) {
      merkle::Proof swapped = proof;
      std::swap(swapped[0], swapped[1]);
      ExpectStatus(w->HandleAddCheckpoint(Body(old_size, swapped, note)), 422,
                   "swapped");
    }
    ExpectStoredSize(*w, kOrigin, old_size);
    ExpectCosigned(w->HandleAddCheckpoint(Body(old_size, proof, note)),
                   log.CheckpointAt(size));
    old_size = size;
  }
}

// A log that forks: a checkpoint signed by the log's key whose root hash is
// not the one the witness recorded (same size) or not consistent with it
// (larger size) is 422, and the witness keeps its state.
TEST_F(AddCheckpointTest, ForkedCheckpointsAre422) {
  TestLog log(kOrigin);
  std::vector<std::string> lines;
  auto options = Options({&log});
  options.log = [&](std::string_view line) { lines.emplace_back(line); };
  auto w = Witness::Open(std::move(options)).value();
  ASSERT_EQ(w->HandleAddCheckpoint(log.AddCheckpointBody(0, 20)).status, 200);

  tlog::Checkpoint fork = log.CheckpointAt(20);
  fork.root_hash[0] ^= 1;
  ExpectStatus(w->HandleAddCheckpoint(Body(20, {}, log.Sign(fork))), 422,
               "same size, other root");
  tlog::Checkpoint bigger_fork = log.CheckpointAt(30);
  bigger_fork.root_hash[5] ^= 1;
  ExpectStatus(w->HandleAddCheckpoint(Body(20, log.ConsistencyProof(20, 30),
                                           log.Sign(bigger_fork))),
               422, "larger size, inconsistent root");
  ExpectStoredSize(*w, kOrigin, 20);
  // "the witness MAY log the request even if the checkpoint fails one of
  // the consistency checks above ... as it might be proof of log
  // misbehavior."
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find(kOrigin), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("422"), std::string::npos) << lines[0];
}

// Rollback: the log asks the witness to cosign a smaller tree than it
// recorded. With the old size it recorded, "The old size MUST be equal to or
// lower than the checkpoint size. Otherwise ... 400 Bad Request"; with any
// other old size, 409 Conflict. Neither moves the state.
TEST_F(AddCheckpointTest, RollbackIs400Or409) {
  TestLog log(kOrigin);
  auto w = OpenWitness({&log});
  ASSERT_EQ(w->HandleAddCheckpoint(log.AddCheckpointBody(0, 20)).status, 200);
  tlog::SignedNote smaller = log.SignedCheckpointAt(10);
  // BuildAddCheckpointRequest refuses to write this body.
  ExpectStatus(w->HandleAddCheckpoint("old 20\n\n" +
                                      *tlog::SerializeSignedNote(smaller)),
               400, "old size above the checkpoint size");
  Response r = w->HandleAddCheckpoint(Body(10, {}, smaller));
  ExpectStatus(r, 409, "old size = new size < recorded size");
  EXPECT_EQ(r.body, "20\n");
  ExpectStatus(w->HandleAddCheckpoint(Body(0, {}, smaller)), 409, "old size 0");
  ExpectStatus(w->HandleAddCheckpoint(log.AddCheckpointBody(5, 10)), 409,
               "consistent proof from 5");
  ExpectStoredSize(*w, kOrigin, 20);
}

// "If it doesn't match, the witness MUST respond with a "409 Conflict" ...
// The response body MUST consist of the tree size of the latest cosigned
// checkpoint in decimal, followed by a newline (U+000A). The response MUST
// have a Content-Type of text/x.tlog.size." A client then retries from it.
TEST_F(AddCheckpointTest, StaleOldSizeIs409WithTheLatestSize) {
  TestLog log(kOrigin);
  TestLog fresh("oid/1.3.6.1.4.1.32473.1.0.2");
  auto w = OpenWitness({&log, &fresh});
  ASSERT_EQ(w->HandleAddCheckpoint(log.AddCheckpointBody(0, 20)).status, 200);

  Response r = w->HandleAddCheckpoint(log.AddCheckpointBody(5, 30));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.content_type, "text/x.tlog.size");
  EXPECT_EQ(r.body, "20\n");
  auto latest = ParseTreeSizeBody(r.body);
  ASSERT_TRUE(latest.ok());
  ExpectCosigned(w->HandleAddCheckpoint(log.AddCheckpointBody(*latest, 30)),
                 log.CheckpointAt(30));

  // "(or zero if it never cosigned a checkpoint for that origin)"
  r = w->HandleAddCheckpoint(fresh.AddCheckpointBody(3, 7));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body, "0\n");
  // "If a client doesn't have information on the latest cosigned
  // checkpoint, it MAY initially make a request with a old size of zero to
  // obtain it."
  r = w->HandleAddCheckpoint(log.AddCheckpointBody(0, 40));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(*ParseTreeSizeBody(r.body), 30u);
}

// "If the checkpoint origin is unknown, the witness MUST respond with a "404
// Not Found" HTTP status code."
TEST_F(AddCheckpointTest, UnknownOriginIs404) {
  TestLog log(kOrigin);
  TestLog other("oid/1.3.6.1.4.1.32473.1.0.2");
  auto w = OpenWitness({&log});
  EXPECT_EQ(w->HandleAddCheckpoint(other.AddCheckpointBody(0, 3)).status, 404);
  // A known log's key signing for an origin that differs only in case.
  tlog::Checkpoint cp = log.CheckpointAt(3);
  cp.origin = "OID/1.3.6.1.4.1.32473.1.0.1";
  EXPECT_EQ(w->HandleAddCheckpoint(Body(0, {}, log.Sign(cp))).status, 404);
  EXPECT_FALSE(w->GetState(other.origin())->has_value());
}

// "The witness MUST respond with a "403 Forbidden" HTTP status code if
// either no signature from a trusted key for the origin is present, or a
// signature line's key name and ID match a trusted key but the signature
// itself fails to verify", and "it MUST ignore signatures from unknown
// keys".
TEST_F(AddCheckpointTest, ForgedCheckpointsAre403) {
  TestLog log(kOrigin);
  // Same origin and key name, another key: its key ID differs.
  TestLog impostor(kOrigin);
  auto w = OpenWitness({&log});
  tlog::SignedNote genuine = log.SignedCheckpointAt(8);

  ExpectStatus(
      w->HandleAddCheckpoint(Body(0, {}, impostor.SignedCheckpointAt(8))), 403,
      "signed by another key");

  tlog::SignedNote flipped = genuine;
  flipped.signatures[0].signature[100] ^= 1;
  ExpectStatus(w->HandleAddCheckpoint(Body(0, {}, flipped)), 403,
               "signature bit flipped");

  tlog::SignedNote truncated = genuine;
  truncated.signatures[0].signature.resize(100);
  ExpectStatus(w->HandleAddCheckpoint(Body(0, {}, truncated)), 403,
               "signature truncated");

  // A good signature does not excuse a failing one of the same key.
  tlog::SignedNote mixed = genuine;
  mixed.signatures.push_back(flipped.signatures[0]);
  ExpectStatus(w->HandleAddCheckpoint(Body(0, {}, mixed)), 403,
               "a good and a failing line");

  // The log's signature over another checkpoint.
  tlog::SignedNote moved = log.SignedCheckpointAt(9);
  moved.signatures = genuine.signatures;
  ExpectStatus(w->HandleAddCheckpoint(Body(0, {}, moved)), 403,
               "signature of another checkpoint");

  // Only lines of unknown keys.
  tlog::SignedNote unknown = genuine;
  unknown.signatures[0].key_name = "example.com/someone-else";
  ExpectStatus(w->HandleAddCheckpoint(Body(0, {}, unknown)), 403,
               "unknown key only");

  // A note with no signature line at all is not a signed note
  // (signed-note §Format: "one or more signature lines"): 400.
  std::string unsigned_body = "old 0\n\n" + genuine.text + "\n";
  ExpectStatus(w->HandleAddCheckpoint(unsigned_body), 400, "unsigned");

  EXPECT_FALSE(w->GetState(kOrigin)->has_value());

  // Unknown lines are ignored next to a good one, and not kept.
  tlog::SignedNote extra = genuine;
  extra.signatures.insert(extra.signatures.begin(), unknown.signatures[0]);
  extra.signatures.push_back(impostor.Sign(log.CheckpointAt(8)).signatures[0]);
  ExpectCosigned(w->HandleAddCheckpoint(Body(0, {}, extra)),
                 log.CheckpointAt(8));
  auto stored = tlog::ParseSignedNote((*w->GetState(kOrigin))->checkpoint);
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->signatures.size(), 2u);
  EXPECT_EQ(stored->signatures[0], genuine.signatures[0]);
  EXPECT_EQ(stored->signatures[1].key_name, kWitnessName);
}

// 400 for bodies that do not parse, before any signature is checked.
TEST_F(AddCheckpointTest, MalformedBodiesAre400) {
  TestLog log(kOrigin);
  auto w = OpenWitness({&log});
  std::string good = log.AddCheckpointBody(0, 4);
  for (const std::string& body : {
           std::string(), std::string("garbage"), std::string("old 0\n"),
           "old 00\n" + good.substr(6), "old 0\r\n" + good.substr(6),
           good.substr(6), good.substr(0, good.size() - 1),
           "old 5\n" + good.substr(6),  // old size above the checkpoint's
       }) {
    ExpectStatus(w->HandleAddCheckpoint(body), 400, body.substr(0, 20));
  }
  Response r =
      w->HandleAddCheckpoint(std::string(kMaxRequestBodySize + 1, 'x'));
  EXPECT_EQ(r.status, 413);
  EXPECT_FALSE(w->GetState(kOrigin)->has_value());
}

// "A checkpoint of size zero MUST have the root hash of the empty tree" and
// "If the old size is zero, the consistency proof MUST be empty": 422.
TEST_F(AddCheckpointTest, EmptyTreeRulesAre422) {
  TestLog log(kOrigin);
  auto w = OpenWitness({&log});
  tlog::Checkpoint empty = log.CheckpointAt(0);
  EXPECT_EQ(empty.root_hash, merkle::EmptyTreeHash());
  tlog::Checkpoint bad_empty = empty;
  bad_empty.root_hash[0] ^= 1;
  ExpectStatus(w->HandleAddCheckpoint(Body(0, {}, log.Sign(bad_empty))), 422,
               "size 0 with another root");
  merkle::Proof some = log.ConsistencyProof(3, 5);
  ExpectStatus(w->HandleAddCheckpoint(Body(0, some, log.SignedCheckpointAt(5))),
               422, "old size 0 with a proof");
  EXPECT_FALSE(w->GetState(kOrigin)->has_value());
  ExpectCosigned(w->HandleAddCheckpoint(Body(0, {}, log.Sign(empty))), empty);
  ExpectStoredSize(*w, kOrigin, 0);
}

// One witness, two CAs' logs at once: each log's state is its own, and one
// log's key does not sign for the other.
TEST_F(AddCheckpointTest, TwoLogsAtOnce) {
  TestLog a(kOrigin, SignatureAlgorithm::kMlDsa44, "oid/1.3.6.1.4.1.32473.1");
  TestLog b("oid/1.3.6.1.4.1.32473.7.0.3", SignatureAlgorithm::kMlDsa44,
            "oid/1.3.6.1.4.1.32473.7");
  auto w = OpenWitness({&a, &b});
  uint64_t a_size = 0, b_size = 0;
  for (int step = 1; step <= 6; step++) {
    uint64_t a_next = a_size + 3 * step, b_next = b_size + 5;
    ExpectCosigned(w->HandleAddCheckpoint(a.AddCheckpointBody(a_size, a_next)),
                   a.CheckpointAt(a_next));
    ExpectCosigned(w->HandleAddCheckpoint(b.AddCheckpointBody(b_size, b_next)),
                   b.CheckpointAt(b_next));
    a_size = a_next;
    b_size = b_next;
  }
  ExpectStoredSize(*w, a.origin(), a_size);
  ExpectStoredSize(*w, b.origin(), b_size);
  // Log a's key signing a checkpoint of log b's origin.
  tlog::Checkpoint cross = b.CheckpointAt(b_size + 1);
  ExpectStatus(
      w->HandleAddCheckpoint(
          Body(b_size, b.ConsistencyProof(b_size, b_size + 1), a.Sign(cross))),
      403, "a's key on b's checkpoint");
  // A 409 for one log says that log's size.
  EXPECT_EQ(w->HandleAddCheckpoint(b.AddCheckpointBody(0, b_size + 1)).body,
            std::to_string(b_size) + "\n");
}

// "the public key(s) it trusts for the checkpoint origin": a log with two
// keys (a rotation) may sign with either.
TEST_F(AddCheckpointTest, LogWithTwoKeys) {
  TestLog old_key(kOrigin);
  TestLog new_key(kOrigin, SignatureAlgorithm::kMlDsa44,
                  "oid/1.3.6.1.4.1.32473.1");
  auto options = Options({});
  options.logs.push_back({kOrigin, {old_key.cosigner(), new_key.cosigner()}});
  auto w = Witness::Open(std::move(options)).value();
  // Both logs have the same entries, so their trees agree.
  ExpectCosigned(w->HandleAddCheckpoint(old_key.AddCheckpointBody(0, 4)),
                 old_key.CheckpointAt(4));
  ExpectCosigned(w->HandleAddCheckpoint(new_key.AddCheckpointBody(4, 9)),
                 new_key.CheckpointAt(9));
}

// "The witness MUST persist the new checkpoint before responding": a
// witness reopened over the same file continues from it.
TEST_F(AddCheckpointTest, RestartKeepsTheState) {
  TestLog a(kOrigin);
  TestLog b("oid/1.3.6.1.4.1.32473.1.0.2");
  {
    auto w = OpenWitness({&a, &b});
    ASSERT_EQ(w->HandleAddCheckpoint(a.AddCheckpointBody(0, 20)).status, 200);
    ASSERT_EQ(w->HandleAddCheckpoint(b.AddCheckpointBody(0, 3)).status, 200);
  }
  auto w = OpenWitness({&a, &b});
  ExpectStoredSize(*w, a.origin(), 20);
  EXPECT_EQ((*w->GetState(a.origin()))->root_hash,
            a.CheckpointAt(20).root_hash);
  Response r = w->HandleAddCheckpoint(a.AddCheckpointBody(0, 25));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body, "20\n");
  ExpectCosigned(w->HandleAddCheckpoint(a.AddCheckpointBody(20, 25)),
                 a.CheckpointAt(25));
  ExpectStatus(w->HandleAddCheckpoint(b.AddCheckpointBody(3, 4)), 200, "b");
}

// The timestamp "MUST NOT be zero": a clock reading 0 fails the request with
// 500 and nothing is recorded.
TEST_F(AddCheckpointTest, ClockAtZeroIs500) {
  TestLog log(kOrigin);
  std::vector<std::string> lines;
  auto options = Options({&log});
  options.clock = [] { return uint64_t{0}; };
  options.log = [&](std::string_view line) { lines.emplace_back(line); };
  auto w = Witness::Open(std::move(options)).value();
  EXPECT_EQ(w->HandleAddCheckpoint(log.AddCheckpointBody(0, 3)).status, 500);
  EXPECT_FALSE(w->GetState(kOrigin)->has_value());
  EXPECT_EQ(lines.size(), 1u);
}

// The Ed25519 option: cosignature/v1 lines over the whole note text.
TEST_F(AddCheckpointTest, Ed25519Witness) {
  UseWitnessKey(SignatureAlgorithm::kEd25519);
  TestLog log(kOrigin);
  auto w = OpenWitness({&log});
  EXPECT_EQ(w->cosigner().type(), tlog::NoteSignatureType::kCosignatureV1);
  EXPECT_FALSE(w->supports_sign_subtree());
  tlog::NoteSignature sig = ExpectCosigned(
      w->HandleAddCheckpoint(log.AddCheckpointBody(0, 6)), log.CheckpointAt(6));
  EXPECT_EQ(sig.signature.size(), 8u + 64u);
  ExpectCosigned(w->HandleAddCheckpoint(log.AddCheckpointBody(6, 11)),
                 log.CheckpointAt(11));
}

// A log that signs its checkpoints with Ed25519 cosignature/v1.
TEST_F(AddCheckpointTest, Ed25519Log) {
  TestLog log(kOrigin, SignatureAlgorithm::kEd25519, "example.com/log-key");
  auto w = OpenWitness({&log});
  ExpectCosigned(w->HandleAddCheckpoint(log.AddCheckpointBody(0, 6)),
                 log.CheckpointAt(6));
  ExpectCosigned(w->HandleAddCheckpoint(log.AddCheckpointBody(6, 9)),
                 log.CheckpointAt(9));
}

// §Monitor Retrieval Mechanism: the latest cosigned checkpoint, with "the
// cosignature(s) from the witness's key(s) that were returned from
// add-checkpoint and the cosignature from the log key(s) that the witness
// verified", or 404 if "the witness has never cosigned a checkpoint for that
// log".
TEST_F(AddCheckpointTest, ServesTheLatestCosignedCheckpoint) {
  TestLog log(kOrigin);
  TestLog unknown("oid/1.3.6.1.4.1.32473.9.0.1");
  auto w = OpenWitness({&log});
  std::string hash = *OriginHashFromCheckpointPath(CheckpointPath(kOrigin));
  EXPECT_EQ(w->HandleGetCheckpoint(hash).status, 404);
  EXPECT_EQ(w->HandleGetCheckpoint(*OriginHashFromCheckpointPath(
                                       CheckpointPath(unknown.origin())))
                .status,
            404);

  Response added = w->HandleAddCheckpoint(log.AddCheckpointBody(0, 14));
  ASSERT_EQ(added.status, 200);
  Response r = w->HandleGetCheckpoint(hash);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, kTextContentType);
  auto verified =
      tlog::VerifyCheckpointNote(r.body, {log.cosigner(), WitnessCosigner()});
  ASSERT_TRUE(verified.ok()) << verified.error().ToString();
  EXPECT_EQ(verified->checkpoint, log.CheckpointAt(14));
  EXPECT_EQ(verified->signed_by,
            (std::vector<std::string>{log.cosigner().name(), kWitnessName}));
  // The witness's line is the one add-checkpoint returned.
  EXPECT_TRUE(r.body.ends_with(added.body));
}

// Witness::Open checks its configuration.
TEST_F(AddCheckpointTest, OpenRejectsBadOptions) {
  TestLog log(kOrigin);
  auto expect_invalid = [](WitnessOptions o, const std::string& what) {
    auto w = Witness::Open(std::move(o));
    EXPECT_FALSE(w.ok()) << what;
  };
  auto o = Options({&log, &log});
  expect_invalid(std::move(o), "origin twice");
  o = Options({&log});
  o.logs[0].keys.clear();
  expect_invalid(std::move(o), "no keys");
  o = Options({&log});
  o.logs[0].origin = "";
  expect_invalid(std::move(o), "empty origin");
  o = Options({&log});
  o.logs[0].origin = std::string(256, 'o');
  expect_invalid(std::move(o), "long origin");
  o = Options({&log});
  o.name = "has space";
  expect_invalid(std::move(o), "bad name");
  o = Options({&log});
  o.key = crypto::PrivateKey::Generate(SignatureAlgorithm::kEcdsaP256Sha256)
              .value();
  expect_invalid(std::move(o), "ECDSA has no note cosignature");
}

}  // namespace
}  // namespace mtc::witness
