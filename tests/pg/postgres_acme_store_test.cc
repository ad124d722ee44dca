// The AcmeStore conformance suite on PostgreSQL (PostgresAcmeStore), each
// test in a fresh schema of the binary's cluster, then what PostgreSQL
// adds: schema version, connection strings, sessions lost and regained.
#include "acme/postgres_acme_store.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "acme/acme_store_conformance.h"
#include "pg_cluster_testutil.h"

namespace mtc::acme::testing {
namespace {

using pg_testing::FreshSchemaConninfo;
using pg_testing::RunSql;

class PostgresSchema : public AcmeStoreDatabase {
 public:
  PostgresSchema() : conninfo_(FreshSchemaConninfo()) {}
  Result<std::unique_ptr<AcmeStore>> Open() override {
    auto store = PostgresAcmeStore::Open(conninfo_);
    if (!store.ok()) return store.error();
    return std::unique_ptr<AcmeStore>(std::move(*store));
  }

 private:
  std::string conninfo_;
};

AcmeStoreFactory PostgresFactory() {
  return {"Postgres", [] { return std::make_unique<PostgresSchema>(); }};
}

INSTANTIATE_TEST_SUITE_P(Postgres, AcmeStoreConformanceTest,
                         ::testing::Values(PostgresFactory()),
                         AcmeStoreFactoryName);
INSTANTIATE_TEST_SUITE_P(Postgres, AcmeStoreRaceTest,
                         ::testing::Values(PostgresFactory()),
                         AcmeStoreFactoryName);

Account SomeAccount(const std::string& id) {
  Account a;
  a.id = id;
  a.jwk_json = "{}";
  a.thumbprint = "thumb-" + id;
  return a;
}

TEST(PostgresAcmeStoreTest, SchemaVersionIsRecordedAndChecked) {
  std::string conninfo = FreshSchemaConninfo();
  ASSERT_TRUE(PostgresAcmeStore::Open(conninfo).ok());
  // A second process opening the same database finds the schema.
  auto again = PostgresAcmeStore::Open(conninfo);
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  auto conn = PostgresConnection::Connect(conninfo);
  ASSERT_TRUE(conn.ok());
  auto rows = (*conn)->Run(
      "SELECT version FROM mtc_schema WHERE component = 'acme'", {});
  ASSERT_TRUE(rows.ok()) << rows.error().ToString();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(*rows->front().Int(0), SqlAcmeStore::kSchemaVersion);
  // A version this program does not know is refused, not misread.
  ASSERT_TRUE((*conn)
                  ->RunScript("UPDATE mtc_schema SET version = " +
                              std::to_string(SqlAcmeStore::kSchemaVersion + 1))
                  .ok());
  auto future = PostgresAcmeStore::Open(conninfo);
  ASSERT_FALSE(future.ok());
  EXPECT_EQ(future.error().code(), ErrorCode::kUnsupported);
}

TEST(PostgresAcmeStoreTest, UnreachableServerIsUnavailable) {
  // Port 1 on loopback: nothing listens there.
  auto store = PostgresAcmeStore::Open(
      "postgresql://mtc@127.0.0.1:1/postgres?connect_timeout=2");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(store.error().message().find("127.0.0.1"), std::string::npos)
      << store.error().message();
  auto garbage = PostgresAcmeStore::Open("postgres://[not a uri");
  ASSERT_FALSE(garbage.ok());
}

// Pooled sessions that the server ends (restart, idle timeout, an operator's
// pg_terminate_backend) are replaced: the next call works.
TEST(PostgresAcmeStoreTest, LostSessionsAreReplaced) {
  std::string conninfo = FreshSchemaConninfo();
  auto store = PostgresAcmeStore::Open(conninfo);
  ASSERT_TRUE(store.ok()) << store.error().ToString();
  ASSERT_TRUE((*store)->CreateAccount(SomeAccount("a1")).ok());
  RunSql(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE application_name = 'mtc' AND pid <> pg_backend_pid()");
  auto account = (*store)->GetAccount("a1");
  ASSERT_TRUE(account.ok()) << account.error().ToString();
  EXPECT_TRUE(account->has_value());
  EXPECT_TRUE((*store)->CreateAccount(SomeAccount("a2")).ok());
}

// Values travel as parameters, never as SQL text: quotes, backslashes and
// SQL in them are stored verbatim; a NUL in text is refused (PostgreSQL
// text cannot hold one).
TEST(PostgresAcmeStoreTest, ValuesAreParameters) {
  std::string conninfo = FreshSchemaConninfo();
  auto store = PostgresAcmeStore::Open(conninfo);
  ASSERT_TRUE(store.ok());
  Account a = SomeAccount("x'); DROP TABLE accounts; --");
  a.contact = {"mailto:o'brien\\@example.com"};
  ASSERT_TRUE((*store)->CreateAccount(a).ok());
  auto got = (*store)->GetAccount(a.id);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->contact, a.contact);
  Account nul = SomeAccount(std::string("a\0b", 3));
  Status s = (*store)->CreateAccount(nul);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace mtc::acme::testing
