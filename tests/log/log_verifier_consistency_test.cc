// Tests of VerifyLog's checks against what a monitor saw earlier: signed
// checkpoints proven consistent with the current one (RFC 9162 §2.1.4;
// draft-ietf-plants-merkle-tree-certs §Subtree Consistency Proofs), forks
// rejected, and certificates whose entries must be in the log at their
// indices (§Verifying Certificate Signatures steps 2-9). The logs are
// written by the CA's own issuance log; the reference corpus
// (tests/testdata/refdata) gives the known answers for certificates.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "log/directory_tile_store.h"
#include "log/issuance_log.h"
#include "log/log_verifier.h"
#include "log/memory_state_store.h"
#include "log/memory_tile_store.h"
#include "log/temp_dir_testutil.h"
#include "mtc/cert/ca_certificate.h"
#include "mtc/cert/certificate.h"
#include "mtc/cert/log_entry.h"
#include "mtc/cert/log_entry_builder.h"
#include "mtc/cert/mtc_proof.h"
#include "mtc/cert/refdata_testutil.h"
#include "mtc/crypto/private_key.h"
#include "mtc/wire/pem.h"

namespace mtc::log {
namespace {

namespace fs = std::filesystem;

using crypto::PrivateKey;
using ::testing::HasSubstr;

constexpr char kCaId[] = "32473.1";
// Log 1 of CA 32473.1; VerifyLog over a store checks only that the prefix
// names the log.
constexpr char kPrefix[] = "http://127.0.0.1/1";

const PrivateKey& CaKey() {
  static const PrivateKey* key = new PrivateKey(
      PrivateKey::Generate(crypto::SignatureAlgorithm::kMlDsa44).value());
  return *key;
}

cert::CaCertificate MakeCa(const PrivateKey& key) {
  auto id = cert::TrustAnchorId::FromAscii(kCaId).value();
  auto der = cert::BuildCaCertificate(id, key.public_key(), {});
  EXPECT_TRUE(der.ok()) << der.error().ToString();
  return cert::ParseCaCertificate(*der).value();
}

const std::vector<uint8_t>& SubjectSpki() {
  static const auto* spki = new std::vector<uint8_t>(
      PrivateKey::Generate(crypto::SignatureAlgorithm::kEcdsaP256Sha256)
          ->public_key()
          .ToSpkiDer());
  return *spki;
}

// The tbs_cert_entry for "<name>.example".
cert::TbsCertificateLogEntry Fields(const std::string& name) {
  cert::CertificateInputs in{cert::TrustAnchorId::FromAscii(kCaId).value()};
  in.not_before = 1'700'000'000;
  in.not_after = 1'700'000'000 + 7 * 86400;
  in.dns_names = {name + ".example"};
  in.key_usage = cert::kDigitalSignature;
  in.ext_key_usage = {cert::kServerAuthOid};
  in.spki = SubjectSpki();
  return cert::BuildLogEntry(in).value();
}

std::vector<uint8_t> EntryBytes(const cert::TbsCertificateLogEntry& fields) {
  cert::MtcLogEntry entry{{}, cert::kTbsCertEntry, fields.EncodeContents()};
  return cert::SerializeMtcLogEntry(entry).value();
}

std::string Text(const std::vector<uint8_t>& bytes) {
  return std::string(bytes.begin(), bytes.end());
}

// One issuance log of CA 32473.1 in memory, as `mtc ca serve` runs it:
// entries committed in batches, each commit publishing a signed checkpoint.
class Log {
 public:
  explicit Log(const PrivateKey& key, uint32_t log_number = 1) {
    IssuanceLogOptions options{cert::TrustAnchorId::FromAscii(kCaId).value()};
    options.log_number = log_number;
    auto log = IssuanceLog::Open(options, &key, &tiles_, &state_);
    EXPECT_TRUE(log.ok()) << log.error().ToString();
    if (log.ok()) log_ = std::move(log).value();
  }

  // Commits one entry "<prefix><i>.example" for each i in [from, to) and
  // returns their certificates (DER), assembled as the CA does.
  std::vector<std::vector<uint8_t>> Commit(const std::string& prefix, int from,
                                           int to) {
    std::vector<cert::TbsCertificateLogEntry> fields;
    std::vector<std::future<Result<IssuedEntry>>> futures;
    for (int i = from; i < to; i++) {
      fields.push_back(Fields(prefix + std::to_string(i)));
      futures.push_back(log_->Append(EntryBytes(fields.back())));
    }
    EXPECT_TRUE(log_->CommitNow().ok());
    std::vector<std::vector<uint8_t>> certificates;
    for (size_t i = 0; i < futures.size(); i++) {
      Result<IssuedEntry> issued = futures[i].get();
      EXPECT_TRUE(issued.ok()) << issued.error().ToString();
      if (!issued.ok()) continue;
      certificates.push_back(Certificate(fields[i], issued->log_number,
                                         issued->index, issued->Proof()));
    }
    return certificates;
  }

  // A certificate for `fields` that claims entry `index` of `log_number`.
  static std::vector<uint8_t> Certificate(
      const cert::TbsCertificateLogEntry& fields, uint64_t log_number,
      uint64_t index, const cert::MtcProof& proof) {
    auto der =
        cert::AssembleCertificate(fields, SubjectSpki(), log_number, index,
                                  cert::SerializeMtcProof(proof).value());
    EXPECT_TRUE(der.ok()) << der.error().ToString();
    return der.ok() ? *der : std::vector<uint8_t>{};
  }

  // The checkpoint as published now, named `name`.
  EarlierCheckpoint Checkpoint(const std::string& name) const {
    return {name, Text(tiles_.Get("checkpoint").value())};
  }

  const TileStore& tiles() const { return tiles_; }
  uint64_t size() const { return log_->head().size; }

 private:
  MemoryTileStore tiles_;
  MemoryLogStateStore state_;
  std::unique_ptr<IssuanceLog> log_;
};

class LogVerifierConsistencyTest : public ::testing::Test {
 protected:
  // Grows `log_` to 1000 entries in commits ending at 1, 256, 300 and 1000
  // (a tree of one entry, a full tile, a partial one, two tile levels),
  // keeping each commit's checkpoint and certificates.
  void SetUp() override {
    checkpoints_.push_back(log_.Checkpoint("size-0"));
    int size = 0;
    for (int end : {1, 256, 300, 1000}) {
      for (auto& c : log_.Commit("host", size, end)) {
        certificates_.push_back(std::move(c));
      }
      size = end;
      checkpoints_.push_back(log_.Checkpoint("size-" + std::to_string(end)));
    }
    ASSERT_EQ(log_.size(), 1000u);
  }

  Result<LogReport> Verify(std::vector<EarlierCheckpoint> earlier,
                           std::vector<CertificateEntry> entries = {}) {
    VerifyLogOptions options;
    options.consistent_with = std::move(earlier);
    options.entries_of = std::move(entries);
    return VerifyLog(log_.tiles(), kPrefix, ca_, options);
  }

  // Expects VerifyLog with `earlier` to fail as inconsistent, naming
  // `needle`.
  void ExpectInconsistent(std::vector<EarlierCheckpoint> earlier,
                          std::vector<CertificateEntry> entries,
                          const std::string& needle) {
    auto report = Verify(std::move(earlier), std::move(entries));
    ASSERT_FALSE(report.ok()) << "verified although " << needle;
    EXPECT_EQ(report.error().code(), ErrorCode::kVerificationFailed)
        << report.error().ToString();
    EXPECT_THAT(report.error().message(), HasSubstr(needle));
  }

  CertificateEntry EntryOf(const std::vector<uint8_t>& der,
                           const std::string& name) {
    auto entry = CertificateEntryOf(der, name);
    EXPECT_TRUE(entry.ok()) << entry.error().ToString();
    return entry.ok() ? *entry : CertificateEntry{};
  }

  cert::CaCertificate ca_ = MakeCa(CaKey());
  Log log_{CaKey()};
  std::vector<EarlierCheckpoint> checkpoints_;
  std::vector<std::vector<uint8_t>> certificates_;
};

TEST_F(LogVerifierConsistencyTest, EveryEarlierCheckpointIsConsistent) {
  auto report = Verify(checkpoints_);
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  EXPECT_EQ(report->tree_size, 1000u);
  EXPECT_EQ(report->checkpoints_consistent, checkpoints_.size());
  // Without any, nothing more is checked.
  report = Verify({});
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  EXPECT_EQ(report->checkpoints_consistent, 0u);
}

// A second log under the same CA key that agrees with log_ on the first
// `fork_at` entries and differs after them: each of its checkpoints beyond
// `fork_at` is a fork, which no consistency proof can join to log_.
TEST_F(LogVerifierConsistencyTest, ForkedCheckpointsAreRejected) {
  struct Case {
    int fork_at;
    int size;
  } cases[] = {
      {0, 1},       // a different first entry
      {100, 256},   // a full tile, another entry inside it
      {256, 300},   // the same full subtree [0, 256), another tail
      {299, 300},   // only the last entry differs
      {700, 1000},  // the same size as the current tree, another root
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::to_string(c.fork_at) + " of " + std::to_string(c.size));
    Log fork(CaKey());
    fork.Commit("host", 0, c.fork_at);
    fork.Commit("forked", c.fork_at, c.size);
    ExpectInconsistent({checkpoints_[2], fork.Checkpoint("forked.checkpoint")},
                       {},
                       "forked.checkpoint: the checkpoint of tree size " +
                           std::to_string(c.size) + " and root ");
    ExpectInconsistent({fork.Checkpoint("forked.checkpoint")}, {},
                       "is not consistent with the current one of tree size "
                       "1000");
    // The log it forked from, fork_at entries long, is consistent.
    Log prefix(CaKey());
    prefix.Commit("host", 0, c.fork_at);
    auto report = Verify({prefix.Checkpoint("prefix.checkpoint")});
    EXPECT_TRUE(report.ok()) << report.error().ToString();
  }
}

// A checkpoint larger than the current one: the log went backwards.
TEST_F(LogVerifierConsistencyTest, LargerCheckpointIsRejected) {
  Log longer(CaKey());
  longer.Commit("host", 0, 1001);
  ExpectInconsistent({longer.Checkpoint("longer")}, {},
                     "longer: its tree size 1001 exceeds the current "
                     "checkpoint's 1000: the log went backwards");
}

TEST_F(LogVerifierConsistencyTest, CheckpointNotSignedByTheCaIsRejected) {
  PrivateKey other =
      PrivateKey::Generate(crypto::SignatureAlgorithm::kMlDsa44).value();
  Log log(other);
  log.Commit("host", 0, 300);
  ExpectInconsistent({log.Checkpoint("other-key")}, {},
                     "other-key: checkpoint");
  ExpectInconsistent({{"not-a-note", "garbage\n"}}, {}, "not-a-note: ");
}

TEST_F(LogVerifierConsistencyTest, CheckpointOfAnotherLogIsRejected) {
  Log log2(CaKey(), 2);
  log2.Commit("host", 0, 300);
  // Its origin names log 2, which the prefix .../1 does not.
  ExpectInconsistent({log2.Checkpoint("log-2")}, {},
                     "log-2: the checkpoint is of log 2");
}

TEST_F(LogVerifierConsistencyTest, CertificatesEntriesAreFound) {
  std::vector<CertificateEntry> entries;
  for (size_t i = 0; i < certificates_.size(); i++) {
    entries.push_back(EntryOf(certificates_[i], "cert-" + std::to_string(i)));
    EXPECT_EQ(entries.back().index, i);
    EXPECT_EQ(entries.back().log_number, 1u);
  }
  auto report = Verify(checkpoints_, entries);
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  EXPECT_EQ(report->certificate_entries_found, 1000u);
  EXPECT_EQ(report->checkpoints_consistent, checkpoints_.size());
}

// A certificate whose serial names another entry than the one it commits
// to: the index was handed out twice, or the log lost its entry.
TEST_F(LogVerifierConsistencyTest, CertificateAtAnotherIndexIsRejected) {
  cert::MtcProof proof;
  proof.subtree = {0, 1};
  auto at_5 = Log::Certificate(Fields("host4"), 1, 5, proof);
  ExpectInconsistent({}, {EntryOf(at_5, "host4-at-5.pem")},
                     "host4-at-5.pem: entry 5 (in tile/entries/000) "
                     "is not the entry the certificate commits to");
  // The same entry at its own index is found.
  auto at_4 = Log::Certificate(Fields("host4"), 1, 4, proof);
  auto report = Verify({}, {EntryOf(at_4, "host4.pem")});
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  EXPECT_EQ(report->certificate_entries_found, 1u);
  // An entry the log never had, at any index.
  auto stranger = Log::Certificate(Fields("stranger"), 1, 999, proof);
  ExpectInconsistent({}, {EntryOf(stranger, "stranger.pem")},
                     "stranger.pem: entry 999 (in tile/entries/003.p/232)");
}

TEST_F(LogVerifierConsistencyTest, CertificateOutsideTheTreeIsRejected) {
  cert::MtcProof proof;
  proof.subtree = {0, 1};
  auto beyond = Log::Certificate(Fields("host1000"), 1, 1000, proof);
  ExpectInconsistent({}, {EntryOf(beyond, "beyond.pem")},
                     "beyond.pem: its entry 1000 is not in the tree of size "
                     "1000");
  auto log2 = Log::Certificate(Fields("host3"), 2, 3, proof);
  ExpectInconsistent({}, {EntryOf(log2, "log2.pem")},
                     "log2.pem: a certificate of log 2, not of log 1");
}

TEST(CertificateEntryOfTest, RejectsWhatIsNotAnMtc) {
  std::vector<uint8_t> garbage = {0x30, 0x03, 0x02, 0x01, 0x01};
  auto entry = CertificateEntryOf(garbage, "garbage.pem");
  ASSERT_FALSE(entry.ok());
  EXPECT_EQ(entry.error().code(), ErrorCode::kMalformed);
  EXPECT_THAT(entry.error().message(), HasSubstr("garbage.pem"));

  // A certificate, but not signed by an MTCProof: the CA certificate
  // (RFC 9925, id-alg-unsigned).
  auto id = cert::TrustAnchorId::FromAscii(kCaId).value();
  auto ca = cert::BuildCaCertificate(id, CaKey().public_key(), {});
  ASSERT_TRUE(ca.ok()) << ca.error().ToString();
  entry = CertificateEntryOf(*ca, "ca.pem");
  ASSERT_FALSE(entry.ok());
  EXPECT_EQ(entry.error().code(), ErrorCode::kMalformed);
  EXPECT_THAT(entry.error().message(),
              HasSubstr("ca.pem: step 1: signature algorithm is not "
                        "id-alg-mtcProof"));
}

// Known answers from the draft authors' generator: every certificate it
// wrote commits to the entry at its index in its log, with the index from
// generator-output.txt; the log verifies with all of them.
TEST(CertificateEntryOfTest, ReferenceCertificatesAreInTheReferenceLog) {
  using cert::testing::RefdataPath;
  testing::TempDir dir;
  fs::copy(RefdataPath("tile"), dir.Sub("tile"), fs::copy_options::recursive);
  fs::copy_file(RefdataPath("checkpoint"), dir.Sub("checkpoint"));
  auto store = DirectoryTileStore::Open(dir.path());
  ASSERT_TRUE(store.ok()) << store.error().ToString();
  auto ca = cert::ParseCaCertificatePem(
      Text(cert::testing::ReadFileBytes(RefdataPath("ca_cert.pem"))));
  ASSERT_TRUE(ca.ok()) << ca.error().ToString();

  std::vector<std::vector<uint8_t>> entries = cert::testing::RefLogEntries();
  VerifyLogOptions options;
  for (const cert::testing::RefCertificate& c :
       cert::testing::RefCertificates()) {
    auto der = wire::PemDecode(
        Text(cert::testing::ReadFileBytes(RefdataPath(c.file))), "CERTIFICATE");
    ASSERT_TRUE(der.ok()) << c.file;
    auto entry = CertificateEntryOf(*der, c.file);
    ASSERT_TRUE(entry.ok()) << entry.error().ToString();
    EXPECT_EQ(entry->log_number, 1u) << c.file;
    EXPECT_EQ(entry->index, c.index) << c.file;
    ASSERT_LT(c.index, entries.size());
    EXPECT_EQ(entry->entry_hash, cert::LogEntryHash(entries[c.index]))
        << c.file;
    options.entries_of.push_back(*entry);
  }
  ASSERT_GE(options.entries_of.size(), 10u);
  auto report = VerifyLog(**store, kPrefix, *ca, options);
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  EXPECT_EQ(report->certificate_entries_found, options.entries_of.size());

  // Its checkpoint is consistent with itself: equal sizes, equal roots.
  options.consistent_with = {
      {"refdata/checkpoint",
       Text(cert::testing::ReadFileBytes(RefdataPath("checkpoint")))}};
  report = VerifyLog(**store, kPrefix, *ca, options);
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  EXPECT_EQ(report->checkpoints_consistent, 1u);
}

}  // namespace
}  // namespace mtc::log
