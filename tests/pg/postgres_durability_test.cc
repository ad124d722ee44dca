// What a store wrote and returned OK for survives a crash of the server:
// committed transactions are in the WAL (fsync and synchronous_commit on),
// and the stores' sessions lost in the crash are replaced.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "acme/postgres_acme_store.h"
#include "acme/postgres_database.h"
#include "log/sql_state_store.h"
#include "mtc/merkle/hash.h"
#include "pg_cluster_testutil.h"

namespace mtc {
namespace {

TEST(PostgresDurabilityTest, CommittedWritesSurviveAServerCrash) {
  std::string conninfo = pg_testing::FreshSchemaConninfo();
  auto acme = acme::PostgresAcmeStore::Open(conninfo);
  ASSERT_TRUE(acme.ok()) << acme.error().ToString();
  auto db = acme::PostgresDatabase::Open(conninfo);
  ASSERT_TRUE(db.ok()) << db.error().ToString();
  auto state = log::SqlLogStateStore::Open(std::move(*db));
  ASSERT_TRUE(state.ok()) << state.error().ToString();

  acme::Account account;
  account.id = "a1";
  account.jwk_json = "{}";
  account.thumbprint = "t1";
  ASSERT_TRUE((*acme)->CreateAccount(account).ok());
  log::TreeHead empty{0, merkle::EmptyTreeHash()};
  log::TreeHead head{17, {}};
  head.root.fill(0x42);
  ASSERT_TRUE((*state)->CompareAndSwapTreeHead(1, empty, head).ok());
  ASSERT_TRUE((*state)->AppendLandmark(1, 1, 17).ok());

  pg_testing::CrashAndRestartCluster();

  // The same store objects carry on over new sessions...
  auto got = (*acme)->GetAccount("a1");
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->thumbprint, "t1");
  auto got_head = (*state)->GetTreeHead(1);
  ASSERT_TRUE(got_head.ok()) << got_head.error().ToString();
  EXPECT_EQ(*got_head, head);
  // ...and so do new ones, as a restarted CA process would open.
  auto reopened = acme::PostgresAcmeStore::Open(conninfo);
  ASSERT_TRUE(reopened.ok()) << reopened.error().ToString();
  EXPECT_TRUE((*reopened)->FindAccountByThumbprint("t1")->has_value());
  EXPECT_EQ(*(*state)->GetLandmarks(1), std::vector<uint64_t>{17});
  // The compare-and-swap goes on from the recovered head.
  log::TreeHead next{18, {}};
  next.root.fill(0x43);
  EXPECT_TRUE((*state)->CompareAndSwapTreeHead(1, head, next).ok());
}

}  // namespace
}  // namespace mtc
