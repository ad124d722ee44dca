// Two CaServices opened shared on one CA directory and one PostgreSQL
// schema, as two `mtc ca serve` processes would (docs/design.md §6,
// docs/postgresql.md "Several processes, one CA"): one holds the sequencer
// role, the other hands its entries over; a takeover fails what the old
// holder had claimed (at most one append per order, design §5); a holder
// whose lease session ends learns it before its next commit.
// The same across real processes and SIGKILL: acme_clients.shared_postgres.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "acme/postgres_database.h"
#include "acme/shared_sequencer.h"
#include "log/ca_config.h"
#include "log/ca_service.h"
#include "log/sql_state_store.h"
#include "mtc/cert/ca_certificate.h"
#include "mtc/cert/certificate.h"
#include "mtc/cert/csr.h"
#include "mtc/cert/trust_anchor_id.h"
#include "mtc/crypto/private_key.h"
#include "mtc/verify/relying_party.h"
#include "mtc/wire/pem.h"
#include "pg/pg_cluster_testutil.h"

// MakeCsr (a real PKCS#10 request) and WriteTestCa.
#include "acme/acme_server_fixture.h"

namespace mtc::acme {
namespace {

using std::chrono::milliseconds;

class SharedSequencerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/shared_sequencer_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    conninfo_ = pg_testing::FreshSchemaConninfo();
    ca_der_ = testing::WriteTestCa(dir_, log::CaConfig());
    ASSERT_FALSE(ca_der_.empty());
  }

  void TearDown() override {
    for (auto* p : {&b_, &a_}) {
      if (p->sequencer) p->sequencer->Stop();
      if (p->ca) p->ca->Stop();
      p->sequencer.reset();
      p->ca.reset();
    }
    std::filesystem::remove_all(dir_);
  }

  // One "process": the CA opened shared, started, and its sequencer.
  struct Process {
    std::unique_ptr<log::CaService> ca;
    std::unique_ptr<SharedSequencer> sequencer;
    std::shared_ptr<std::atomic<bool>> lost =
        std::make_shared<std::atomic<bool>>(false);
  };
  void StartProcess(Process& p) {
    std::string conninfo = conninfo_;
    auto ca = log::CaService::Open(
        dir_,
        [conninfo](const log::CaConfig&, const std::string&)
            -> Result<std::unique_ptr<log::LogStateStore>> {
          MTC_ASSIGN_OR_RETURN(auto db, PostgresDatabase::Open(conninfo));
          MTC_ASSIGN_OR_RETURN(auto state,
                               log::SqlLogStateStore::Open(std::move(db)));
          return std::unique_ptr<log::LogStateStore>(std::move(state));
        },
        /*shared=*/true);
    ASSERT_TRUE(ca.ok()) << ca.error().ToString();
    p.ca = std::move(ca).value();
    ASSERT_TRUE(p.ca->Start().ok());
    auto lost = p.lost;
    auto s = SharedSequencer::Start(p.ca.get(), conninfo_,
                                    [lost] { lost->store(true); });
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    p.sequencer = std::move(s).value();
  }
  // Stops a process as SIGTERM would: the role is released at the end.
  void StopProcess(Process& p) {
    p.sequencer->Stop();
    p.ca->Stop();
    p.sequencer.reset();
    p.ca.reset();
  }

  // A certificate for `name` through `p`; its log index, after checking it
  // verifies against the CA certificate.
  uint64_t Issue(Process& p, const std::string& name) {
    auto key = crypto::PrivateKey::Generate(
        crypto::SignatureAlgorithm::kEcdsaP256Sha256);
    EXPECT_TRUE(key.ok());
    auto csr = cert::ParseCsr(testing::MakeCsr(*key, *key, {name}));
    EXPECT_TRUE(csr.ok());
    auto issued = p.ca->IssueFromCsr(*csr, /*commit_now=*/false);
    EXPECT_TRUE(issued.ok()) << issued.error().ToString();
    if (!issued.ok()) return ~uint64_t{0};
    auto der = wire::PemDecode(issued->pem, "CERTIFICATE");
    auto cert = cert::ParseCertificate(*der);
    auto ca_cert = cert::ParseCaCertificate(ca_der_);
    EXPECT_TRUE(cert.ok() && ca_cert.ok());
    auto verified = verify::VerifyCertificateSignature(
        verify::ConfigFromCaCertificate(*ca_cert), *cert);
    EXPECT_TRUE(verified.ok()) << verified.error().ToString();
    EXPECT_EQ(verified->index, issued->index);
    return issued->index;
  }

  // Waits up to 5 s for `condition`.
  template <typename F>
  static bool Eventually(F condition) {
    for (int i = 0; i < 250; i++) {
      if (condition()) return true;
      std::this_thread::sleep_for(milliseconds(20));
    }
    return condition();
  }

  std::string dir_;
  std::string conninfo_;
  std::vector<uint8_t> ca_der_;
  Process a_, b_;
};

TEST_F(SharedSequencerTest, OneHoldsTheRoleTheOtherHandsItsEntriesOver) {
  StartProcess(a_);
  StartProcess(b_);
  ASSERT_FALSE(HasFailure());
  EXPECT_TRUE(a_.sequencer->holder());
  EXPECT_TRUE(a_.ca->sequencing());
  EXPECT_FALSE(b_.sequencer->holder());
  EXPECT_FALSE(b_.ca->sequencing());
  std::set<uint64_t> indices;
  for (int i = 0; i < 3; i++) {
    indices.insert(Issue(b_, "b" + std::to_string(i) + ".example"));
    indices.insert(Issue(a_, "a" + std::to_string(i) + ".example"));
  }
  EXPECT_EQ(indices, (std::set<uint64_t>{0, 1, 2, 3, 4, 5}));
  // The follower reads the committed size from the shared state store, and
  // its hand-over rows are gone once answered.
  EXPECT_EQ(*b_.ca->CommittedSize(), 6u);
  EXPECT_EQ(b_.sequencer->outstanding(), 0u);
}

TEST_F(SharedSequencerTest, TakeoverFailsWhatThePreviousHolderHadClaimed) {
  StartProcess(a_);
  StartProcess(b_);
  ASSERT_FALSE(HasFailure());
  EXPECT_EQ(Issue(b_, "first.example"), 0u);
  // A row the holder claimed and never answered for, as if it died between
  // its claim and its write-back: whether the entry reached the log is
  // unknown, so it must not be appended again.
  auto db = PostgresDatabase::Open(conninfo_);
  ASSERT_TRUE(db.ok());
  auto id = (*db)->Transact<int64_t>(
      log::SqlMode::kWrite, [](log::SqlTransaction& tx) -> Result<int64_t> {
        MTC_ASSIGN_OR_RETURN(
            auto row,
            tx.QueryOne("INSERT INTO mtc_handoff (entry, state, created_at) "
                        "VALUES ($1, 'claimed', $2) RETURNING id",
                        {std::vector<uint8_t>{1, 2, 3},
                         static_cast<int64_t>(std::time(nullptr))}));
        if (!row) return Error(ErrorCode::kInternal, "no id");
        return row->Int(0);
      });
  ASSERT_TRUE(id.ok()) << id.error().ToString();
  StopProcess(a_);
  ASSERT_TRUE(Eventually([&] { return b_.sequencer->holder(); }));
  EXPECT_TRUE(b_.ca->sequencing());
  auto state = (*db)->Transact<std::string>(
      log::SqlMode::kRead, [&](log::SqlTransaction& tx) -> Result<std::string> {
        MTC_ASSIGN_OR_RETURN(
            auto row,
            tx.QueryOne("SELECT state FROM mtc_handoff WHERE id = $1", {*id}));
        if (!row) return std::string("none");
        return row->Text(0);
      });
  ASSERT_TRUE(state.ok()) << state.error().ToString();
  EXPECT_EQ(*state, "failed");
  // The new holder goes on from the committed head: no fork, no reuse.
  EXPECT_EQ(Issue(b_, "second.example"), 1u);
  // The old one, back, follows.
  StartProcess(a_);
  ASSERT_FALSE(HasFailure());
  EXPECT_FALSE(a_.sequencer->holder());
  EXPECT_EQ(Issue(a_, "third.example"), 2u);
}

TEST_F(SharedSequencerTest, AHolderThatLosesItsSessionStopsSequencing) {
  StartProcess(a_);
  StartProcess(b_);
  ASSERT_FALSE(HasFailure());
  ASSERT_TRUE(a_.sequencer->holder());
  EXPECT_EQ(Issue(a_, "before.example"), 0u);
  // An operator (or a network failure) ends the holder's lease session.
  pg_testing::RunSql(
      "SELECT pg_terminate_backend(pid) FROM pg_locks "
      "WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()");
  ASSERT_TRUE(Eventually([&] { return a_.lost->load(); }));
  EXPECT_TRUE(a_.sequencer->lost());
  ASSERT_TRUE(Eventually([&] { return b_.sequencer->holder(); }));
  EXPECT_EQ(Issue(b_, "after.example"), 1u);
}

}  // namespace
}  // namespace mtc::acme
