// Helpers of the witness tests: a transparency log that sends a witness
// requests, and a fixture that opens witnesses over a temporary state file.
#ifndef MTC_TESTS_WITNESS_WITNESS_TESTUTIL_H_
#define MTC_TESTS_WITNESS_WITNESS_TESTUTIL_H_

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mtc/crypto/private_key.h"
#include "mtc/merkle/node_source.h"
#include "mtc/merkle/proof.h"
#include "mtc/tlog/checkpoint.h"
#include "mtc/tlog/cosignature.h"
#include "mtc/tlog/note.h"
#include "witness/protocol.h"
#include "witness/witness.h"

namespace mtc::witness::testing {

// A transparency log: an in-memory Merkle tree that grows on demand and signs
// checkpoints at any of its past sizes with its own key, as an MTC CA signs
// its issuance log's checkpoints (mtc-tlog §Serving Issuance Logs), and the
// request bodies a log sends a witness.
class TestLog {
 public:
  // A log with `origin`, signing as `key_name` with a fresh key of `alg`.
  explicit TestLog(
      std::string origin,
      crypto::SignatureAlgorithm alg = crypto::SignatureAlgorithm::kMlDsa44,
      std::string key_name = "oid/1.3.6.1.4.1.32473.1")
      : origin_(std::move(origin)),
        key_name_(std::move(key_name)),
        key_(crypto::PrivateKey::Generate(alg).value()) {}

  const std::string& origin() const { return origin_; }
  const crypto::PrivateKey& key() const { return key_; }
  uint64_t size() const { return tree_.size(); }
  tlog::NoteCosigner cosigner() const {
    return tlog::NoteCosigner::Create(key_name_, key_.public_key()).value();
  }
  std::string vkey() const {
    return tlog::FormatVerifierKey(cosigner().ToVerifierKey());
  }

  // Appends entries until the tree has `size` entries.
  void GrowTo(uint64_t size) {
    while (tree_.size() < size) {
      std::string entry = origin_ + " entry " + std::to_string(tree_.size());
      tree_.AppendEntry(
          {reinterpret_cast<const uint8_t*>(entry.data()), entry.size()});
    }
  }

  // The checkpoint of the tree's first `size` entries (growing it if needed).
  tlog::Checkpoint CheckpointAt(uint64_t size) {
    GrowTo(size);
    tlog::Checkpoint cp;
    cp.origin = origin_;
    cp.tree_size = size;
    cp.root_hash = merkle::SubtreeHash(tree_, {0, size}).value();
    return cp;
  }

  // `checkpoint` signed by this log (timestamp 0, as the reference
  // generator's CA writes it; any timestamp verifies).
  tlog::SignedNote Sign(const tlog::Checkpoint& checkpoint) const {
    tlog::SignedNote note;
    note.text = tlog::FormatCheckpointText(checkpoint).value();
    note.signatures.push_back(
        tlog::SignCheckpoint(key_, key_name_, checkpoint, 0).value());
    return note;
  }
  tlog::SignedNote SignedCheckpointAt(uint64_t size) {
    return Sign(CheckpointAt(size));
  }

  // PROOF(old, D_new) of RFC 6962 §2.1.2 (empty for old 0).
  merkle::Proof ConsistencyProof(uint64_t old_size, uint64_t new_size) {
    GrowTo(new_size);
    return merkle::GenerateRfc9162ConsistencyProof(tree_, old_size, new_size)
        .value();
  }
  // SUBTREE_PROOF(start, end, D_n) and the subtree's hash.
  merkle::Proof SubtreeProof(const merkle::Subtree& subtree,
                             uint64_t tree_size) {
    GrowTo(tree_size);
    return merkle::GenerateConsistencyProof(tree_, tree_size, subtree).value();
  }
  merkle::Hash SubtreeHash(const merkle::Subtree& subtree) {
    GrowTo(subtree.end);
    return merkle::SubtreeHash(tree_, subtree).value();
  }

  // The add-checkpoint body a correct log sends to move a witness from
  // `old_size` to `new_size`.
  std::string AddCheckpointBody(uint64_t old_size, uint64_t new_size) {
    AddCheckpointRequest r{old_size, ConsistencyProof(old_size, new_size),
                           SignedCheckpointAt(new_size)};
    return BuildAddCheckpointRequest(r).value();
  }

 private:
  std::string origin_;
  std::string key_name_;
  crypto::PrivateKey key_;
  merkle::MemoryTree tree_;
};

// The log origin and cosigner names of mtc-tlog §Representing Trust Anchor
// IDs, for CA 32473.1 and a witness 32473.2.1.
inline constexpr char kOrigin[] = "oid/1.3.6.1.4.1.32473.1.0.1";
inline constexpr char kWitnessName[] = "oid/1.3.6.1.4.1.32473.2.1";
// The witness's clock in these tests.
inline constexpr uint64_t kNow = 1'760'000'000;

// Opens witnesses over a state file in a fresh temporary directory, with one
// witness key per test (kept as PEM, so that several Witness objects, and the
// test itself, can hold it).
class WitnessTestBase : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mtc-witness-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    state_path_ = dir_ + "/witness.db";
    UseWitnessKey(crypto::SignatureAlgorithm::kMlDsa44);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void UseWitnessKey(crypto::SignatureAlgorithm alg) {
    witness_key_pem_ = crypto::PrivateKey::Generate(alg)->ToPkcs8Pem();
  }
  crypto::PrivateKey WitnessKey() const {
    return crypto::PrivateKey::FromPkcs8Pem(witness_key_pem_).value();
  }
  tlog::NoteCosigner WitnessCosigner() const {
    return tlog::NoteCosigner::Create(kWitnessName, WitnessKey().public_key())
        .value();
  }

  // Options for a witness over state_path_ that knows `logs`.
  WitnessOptions Options(const std::vector<const TestLog*>& logs) {
    WitnessOptions o{kWitnessName, WitnessKey(),        {},
                     state_path_,  [] { return kNow; }, nullptr};
    for (const TestLog* log : logs) {
      o.logs.push_back({log->origin(), {log->cosigner()}});
    }
    return o;
  }
  std::unique_ptr<Witness> OpenWitness(
      const std::vector<const TestLog*>& logs) {
    auto w = Witness::Open(Options(logs));
    EXPECT_TRUE(w.ok()) << w.error().ToString();
    return w.ok() ? std::move(w).value() : nullptr;
  }

  // Checks that `r` is a 200 with one cosignature of this test's witness
  // over `checkpoint` at kNow, and returns that line.
  tlog::NoteSignature ExpectCosigned(const Response& r,
                                     const tlog::Checkpoint& checkpoint) {
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.content_type, kTextContentType);
    auto sigs = ParseCosignatureLines(r.body);
    EXPECT_TRUE(sigs.ok()) << r.body;
    if (!sigs.ok() || sigs->size() != 1) {
      ADD_FAILURE() << "expected one cosignature line: " << r.body;
      return {};
    }
    auto timestamp = tlog::VerifyCheckpointCosignature(WitnessCosigner(),
                                                       checkpoint, (*sigs)[0]);
    EXPECT_TRUE(timestamp.ok()) << timestamp.error().ToString();
    if (timestamp.ok()) {
      EXPECT_EQ(*timestamp, kNow);
    }
    return (*sigs)[0];
  }

  std::string dir_;
  std::string state_path_;
  std::string witness_key_pem_;
};

}  // namespace mtc::witness::testing

#endif  // MTC_TESTS_WITNESS_WITNESS_TESTUTIL_H_
