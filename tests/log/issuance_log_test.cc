// Tests of the issuance log's sequencer and commit protocol (docs/design.md
// §5) on the in-memory stores, failing each step in turn.
#include "log/issuance_log.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "log/memory_state_store.h"
#include "log/memory_tile_store.h"
#include "mtc/cert/certificate.h"
#include "mtc/cert/log_entry.h"
#include "mtc/cert/log_entry_builder.h"
#include "mtc/merkle/node_source.h"
#include "mtc/merkle/proof.h"
#include "mtc/merkle/subtree.h"
#include "mtc/tlog/checkpoint.h"
#include "mtc/tlog/cosignature.h"
#include "mtc/verify/relying_party.h"

namespace mtc::log {
namespace {

using crypto::PrivateKey;

const PrivateKey& CaKey() {
  static const PrivateKey* key = new PrivateKey(
      PrivateKey::Generate(crypto::SignatureAlgorithm::kMlDsa44).value());
  return *key;
}

cert::TrustAnchorId CaId() {
  return cert::TrustAnchorId::FromAscii("32473.1").value();
}

const std::vector<uint8_t>& SubjectSpki() {
  static const auto* spki = new std::vector<uint8_t>(
      PrivateKey::Generate(crypto::SignatureAlgorithm::kEcdsaP256Sha256)
          ->public_key()
          .ToSpkiDer());
  return *spki;
}

// A tbs_cert_entry for "host<i>.example".
std::pair<std::vector<uint8_t>, cert::TbsCertificateLogEntry> Entry(int i) {
  cert::CertificateInputs in{CaId()};
  in.not_before = 1'700'000'000;
  in.not_after = 1'700'000'000 + 7 * 86400;
  in.dns_names = {"host" + std::to_string(i) + ".example"};
  in.key_usage = cert::kDigitalSignature;
  in.ext_key_usage = {cert::kServerAuthOid};
  in.spki = SubjectSpki();
  cert::TbsCertificateLogEntry fields = cert::BuildLogEntry(in).value();
  cert::MtcLogEntry entry{{}, cert::kTbsCertEntry, fields.EncodeContents()};
  return {cert::SerializeMtcLogEntry(entry).value(), fields};
}

IssuanceLogOptions Options() {
  IssuanceLogOptions o{CaId()};
  o.log_number = 1;
  o.checkpoint_period = std::chrono::milliseconds(50);
  return o;
}

verify::RelyingPartyConfig Relying() {
  verify::RelyingPartyConfig c{CaId(), CaKey().public_key()};
  return c;
}

// Issues `n` entries in one commit and checks each certificate verifies.
void IssueAndVerify(IssuanceLog& log, int first, int n) {
  std::vector<std::future<Result<IssuedEntry>>> futures;
  std::vector<cert::TbsCertificateLogEntry> fields;
  for (int i = first; i < first + n; i++) {
    auto [bytes, f] = Entry(i);
    futures.push_back(log.Append(bytes));
    fields.push_back(f);
  }
  ASSERT_TRUE(log.CommitNow().ok());
  for (int i = 0; i < n; i++) {
    Result<IssuedEntry> issued = futures[i].get();
    ASSERT_TRUE(issued.ok()) << issued.error().ToString();
    auto der = cert::AssembleCertificate(
        fields[i], SubjectSpki(), issued->log_number, issued->index,
        cert::SerializeMtcProof(issued->Proof()).value());
    ASSERT_TRUE(der.ok()) << der.error().ToString();
    auto c = cert::ParseCertificate(*der).value();
    auto v = verify::VerifyCertificateSignature(Relying(), c);
    ASSERT_TRUE(v.ok()) << v.error().ToString();
  }
}

tlog::Checkpoint Published(const TileStore& tiles) {
  auto bytes = tiles.Get("checkpoint").value();
  auto cosigner = tlog::NoteCosigner::Create("oid/1.3.6.1.4.1.32473.1",
                                             CaKey().public_key())
                      .value();
  auto verified = tlog::VerifyCheckpointNote(
      std::string(bytes.begin(), bytes.end()), {cosigner});
  EXPECT_TRUE(verified.ok()) << verified.error().ToString();
  return verified->checkpoint;
}

TEST(IssuanceLogTest, CommitsSignsAndProves) {
  MemoryTileStore tiles;
  MemoryLogStateStore state;
  auto log = IssuanceLog::Open(Options(), &CaKey(), &tiles, &state).value();
  EXPECT_EQ(Published(tiles).tree_size, 0u);
  EXPECT_EQ(log->origin(), "oid/1.3.6.1.4.1.32473.1.0.1");
  IssueAndVerify(*log, 0, 1);
  IssueAndVerify(*log, 1, 300);
  IssueAndVerify(*log, 301, 17);
  tlog::Checkpoint cp = Published(tiles);
  EXPECT_EQ(cp.tree_size, 318u);
  EXPECT_EQ(cp.root_hash, state.GetTreeHead(1)->root);
}

TEST(IssuanceLogTest, RestartRebuildsProofsFromTiles) {
  MemoryTileStore tiles;
  MemoryLogStateStore state;
  {
    auto log = IssuanceLog::Open(Options(), &CaKey(), &tiles, &state).value();
    IssueAndVerify(*log, 0, 600);
  }
  auto log = IssuanceLog::Open(Options(), &CaKey(), &tiles, &state).value();
  EXPECT_EQ(log->head().size, 600u);
  // A landmark-style proof to [0, 512) and a CA-signed one to [512, 600).
  auto [bytes, fields] = Entry(7);
  auto proof = log->ProveEntry(7, {0, 512}, false).value();
  verify::RelyingPartyConfig trusted = Relying();
  auto der = cert::AssembleCertificate(fields, SubjectSpki(), 1, 7,
                                       cert::SerializeMtcProof(proof).value())
                 .value();
  // Without the trusted subtree it has no signature to verify.
  EXPECT_FALSE(verify::VerifyCertificateSignature(
                   trusted, cert::ParseCertificate(der).value())
                   .ok());
  auto signed_proof = log->ProveEntry(7, {0, 512}, true).value();
  auto der2 =
      cert::AssembleCertificate(fields, SubjectSpki(), 1, 7,
                                cert::SerializeMtcProof(signed_proof).value())
          .value();
  EXPECT_TRUE(verify::VerifyCertificateSignature(
                  trusted, cert::ParseCertificate(der2).value())
                  .ok());
  IssueAndVerify(*log, 600, 5);
}

// Every step of the commit protocol, failed: the commit fails, its entries
// fail, the sequencer stops; reopening reconciles and issuance continues.
TEST(IssuanceLogTest, EachCommitStepFailureIsRecoverable) {
  for (std::string step : {"PutStaged tile/entries", "PutStaged tile/0",
                           "CompareAndSwapTreeHead", "PutMutable checkpoint"}) {
    SCOPED_TRACE(step);
    bool armed = false;
    FaultHook hook = [&](std::string_view op) -> Status {
      if (armed && op.rfind(step, 0) == 0) {
        return Error(ErrorCode::kIo, "injected failure at " + std::string(op));
      }
      return OkStatus();
    };
    MemoryTileStore tiles(hook);
    MemoryLogStateStore state(hook);
    {
      auto log = IssuanceLog::Open(Options(), &CaKey(), &tiles, &state).value();
      IssueAndVerify(*log, 0, 10);
      armed = true;
      auto f = log->Append(Entry(10).first);
      EXPECT_FALSE(log->CommitNow().ok());
      // The checkpoint is written after the entries are resolved: past the
      // commit point an entry gets its certificate even if the write then
      // fails (and the log stops until a restart re-publishes).
      EXPECT_EQ(f.get().ok(), step == "PutMutable checkpoint");
      EXPECT_TRUE(log->fatal_error().has_value());
      EXPECT_FALSE(log->Append(Entry(11).first).get().ok());  // stopped
      armed = false;
    }
    auto log = IssuanceLog::Open(Options(), &CaKey(), &tiles, &state).value();
    uint64_t size = log->head().size;
    // Before the commit point nothing was committed; after it, the entry was.
    EXPECT_EQ(size, step == "PutMutable checkpoint" ? 11u : 10u);
    EXPECT_EQ(Published(tiles).tree_size, size);  // re-published on open
    IssueAndVerify(*log, 20, 300);
    EXPECT_EQ(Published(tiles).tree_size, size + 300);
  }
}

TEST(IssuanceLogTest, RefusesToStartOnDisagreement) {
  MemoryTileStore tiles;
  MemoryLogStateStore state;
  {
    auto log = IssuanceLog::Open(Options(), &CaKey(), &tiles, &state).value();
    IssueAndVerify(*log, 0, 10);
  }
  TreeHead empty{0, merkle::EmptyTreeHash()};
  // A committed head the tiles do not hold.
  MemoryLogStateStore forged_state;
  TreeHead forged = state.GetTreeHead(1).value();
  forged.root[0] ^= 1;
  ASSERT_TRUE(forged_state.CompareAndSwapTreeHead(1, empty, forged).ok());
  auto opened = IssuanceLog::Open(Options(), &CaKey(), &tiles, &forged_state);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message().find("refusing to start"),
            std::string::npos);
  // A published checkpoint ahead of the committed head: a view the CA never
  // committed.
  MemoryLogStateStore behind;
  opened = IssuanceLog::Open(Options(), &CaKey(), &tiles, &behind);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message().find("disagrees with the committed head"),
            std::string::npos);
}

// Each commit's proofs, built a chunk of 256 entries at a time, equal the
// definition's PATH(m, D_n) over the covering subtree (computed here over a
// MemoryTree), across growths that start and end inside chunks, fill whole
// chunks, and leave the right covering subtree partial; entries with
// extensions keep them.
TEST(IssuanceLogTest, ProofsEqualTheDefinitionAcrossChunks) {
  MemoryTileStore tiles;
  MemoryLogStateStore state;
  auto log = IssuanceLog::Open(Options(), &CaKey(), &tiles, &state).value();
  merkle::MemoryTree tree;
  uint64_t size = 0;
  for (uint64_t next : {1, 3, 700, 1300, 1301, 1536, 5000, 5100}) {
    std::vector<std::future<Result<IssuedEntry>>> futures;
    std::vector<std::vector<cert::LogEntryExtension>> extensions;
    for (uint64_t i = size; i < next; i++) {
      cert::MtcLogEntry e;
      e.type = cert::kTbsCertEntry;
      e.tbs_cert_entry_data.assign(40, static_cast<uint8_t>(i));
      e.tbs_cert_entry_data[0] = static_cast<uint8_t>(i >> 8);
      if (i % 97 == 5)
        e.extensions.push_back({7, {1, 2, static_cast<uint8_t>(i)}});
      std::vector<uint8_t> bytes = cert::SerializeMtcLogEntry(e).value();
      tree.AppendEntry(bytes);
      extensions.push_back(e.extensions);
      futures.push_back(log->Append(bytes));
    }
    ASSERT_TRUE(log->CommitNow().ok());
    auto [left, right] = merkle::FindCoveringSubtrees(size, next);
    for (uint64_t i = size; i < next; i++) {
      Result<IssuedEntry> issued = futures[i - size].get();
      ASSERT_TRUE(issued.ok()) << issued.error().ToString();
      ASSERT_EQ(issued->index, i);
      EXPECT_EQ(issued->tree_size, next);
      merkle::Subtree expected =
          (right.empty() || i < right.start) ? left : right;
      ASSERT_EQ(issued->subtree, expected) << i;
      EXPECT_EQ(issued->InclusionProof(),
                merkle::GenerateInclusionProof(tree, expected, i).value())
          << "entry " << i << " of the growth " << size << " -> " << next;
      EXPECT_EQ(issued->extensions, extensions[i - size]) << i;
    }
    size = next;
  }
}

// The callback form of Append resolves each entry once, in index order,
// with the same proof as the definition; an entry no bundle can hold, or
// one over max_pending, is refused at once on the appending thread.
TEST(IssuanceLogTest, CallbackAppend) {
  MemoryTileStore tiles;
  MemoryLogStateStore state;
  IssuanceLogOptions options = Options();
  options.max_pending = 300;
  auto log = IssuanceLog::Open(options, &CaKey(), &tiles, &state).value();
  merkle::MemoryTree tree;
  std::vector<Result<IssuedEntry>> outcomes;
  for (int i = 0; i < 300; i++) {
    auto bytes = Entry(i).first;
    tree.AppendEntry(bytes);
    log->Append(bytes, [&outcomes](Result<IssuedEntry> r) {
      outcomes.push_back(std::move(r));
    });
  }
  std::vector<uint8_t> one_more = Entry(300).first;
  log->Append(one_more, [&outcomes](Result<IssuedEntry> r) {
    outcomes.push_back(std::move(r));
  });
  ASSERT_EQ(outcomes.size(), 1u);  // refused: 300 pending
  EXPECT_EQ(outcomes[0].error().code(), ErrorCode::kUnavailable);
  outcomes.clear();
  ASSERT_TRUE(log->CommitNow().ok());
  ASSERT_EQ(outcomes.size(), 300u);
  for (uint64_t i = 0; i < 300; i++) {
    ASSERT_TRUE(outcomes[i].ok()) << outcomes[i].error().ToString();
    EXPECT_EQ(outcomes[i]->index, i);
    EXPECT_EQ(
        outcomes[i]->InclusionProof(),
        merkle::GenerateInclusionProof(tree, outcomes[i]->subtree, i).value());
  }
  outcomes.clear();
  std::vector<uint8_t> huge(65536, 0);
  log->Append(huge, [&outcomes](Result<IssuedEntry> r) {
    outcomes.push_back(std::move(r));
  });
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].error().code(), ErrorCode::kOutOfRange);
  // The refused entry took no index: the next one is 300.
  auto next = log->Append(one_more);
  ASSERT_TRUE(log->CommitNow().ok());
  EXPECT_EQ(next.get()->index, 300u);
  EXPECT_FALSE(log->fatal_error().has_value());
}

TEST(IssuanceLogTest, SequencerThreadCommitsOnItsPeriod) {
  MemoryTileStore tiles;
  MemoryLogStateStore state;
  auto log = IssuanceLog::Open(Options(), &CaKey(), &tiles, &state).value();
  log->Start();
  std::vector<std::future<Result<IssuedEntry>>> futures;
  for (int i = 0; i < 50; i++) futures.push_back(log->Append(Entry(i).first));
  std::set<uint64_t> indices;
  for (auto& f : futures) {
    ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    auto r = f.get();
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    indices.insert(r->index);
  }
  EXPECT_EQ(indices.size(), 50u);
  log->Stop();
}

}  // namespace
}  // namespace mtc::log
