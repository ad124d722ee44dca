// The AcmeStore conformance suite on SQLite (SqliteAcmeStore), then what the
// SQLite store adds: WAL, the schema version, refusing what it cannot read.
#include "acme/acme_store_conformance.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "acme/sqlite_acme_store.h"

namespace mtc::acme::testing {
namespace {

// A fresh directory, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "mtc-acme-store-XXXXXX")
            .string();
    EXPECT_NE(::mkdtemp(pattern.data()), nullptr) << pattern;
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

class SqliteDatabaseFile : public AcmeStoreDatabase {
 public:
  Result<std::unique_ptr<AcmeStore>> Open() override {
    auto store = SqliteAcmeStore::Open(dir_.Sub("acme.db"));
    if (!store.ok()) return store.error();
    return std::unique_ptr<AcmeStore>(std::move(*store));
  }

 private:
  TempDir dir_;
};

AcmeStoreFactory SqliteFactory() {
  return {"Sqlite", [] { return std::make_unique<SqliteDatabaseFile>(); }};
}

INSTANTIATE_TEST_SUITE_P(Sqlite, AcmeStoreConformanceTest,
                         ::testing::Values(SqliteFactory()),
                         AcmeStoreFactoryName);
INSTANTIATE_TEST_SUITE_P(Sqlite, AcmeStoreRaceTest,
                         ::testing::Values(SqliteFactory()),
                         AcmeStoreFactoryName);

std::string QueryText(sqlite3* db, const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK) << sql;
  std::string out;
  if (sqlite3_step(stmt) == SQLITE_ROW) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  return out;
}

TEST(SqliteAcmeStoreTest, UsesWalAndRecordsSchemaVersion) {
  TempDir dir;
  std::string path = dir.Sub("acme.db");
  ASSERT_TRUE(SqliteAcmeStore::Open(path).ok());
  // Opening again finds the schema it made.
  ASSERT_TRUE(SqliteAcmeStore::Open(path).ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(QueryText(db, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(
      QueryText(db, "SELECT version FROM mtc_schema WHERE component = 'acme'"),
      std::to_string(SqlAcmeStore::kSchemaVersion));
  // A database of a future version is refused, not misread.
  std::string future = "UPDATE mtc_schema SET version = " +
                       std::to_string(SqlAcmeStore::kSchemaVersion + 1);
  ASSERT_EQ(sqlite3_exec(db, future.c_str(), nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto reopened = SqliteAcmeStore::Open(path);
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.error().code(), ErrorCode::kUnsupported);
}

// The schema `mtc` wrote as version 1, before orders could replace a
// certificate (RFC 9773 §5), with one account and one order in it.
constexpr const char* kVersion1Database = R"sql(
CREATE TABLE mtc_schema (component TEXT PRIMARY KEY, version BIGINT NOT NULL);
INSERT INTO mtc_schema VALUES ('acme', 1);
CREATE TABLE accounts (id TEXT PRIMARY KEY, jwk_json TEXT NOT NULL,
  thumbprint TEXT NOT NULL UNIQUE, status TEXT NOT NULL, contact TEXT NOT NULL,
  terms_agreed INTEGER NOT NULL, eab_kid TEXT NOT NULL,
  created_at INTEGER NOT NULL);
CREATE TABLE orders (seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE, account_id TEXT NOT NULL REFERENCES accounts (id),
  status TEXT NOT NULL, expires INTEGER NOT NULL, identifiers TEXT NOT NULL,
  authorization_ids TEXT NOT NULL, not_before INTEGER NOT NULL,
  not_after INTEGER NOT NULL, profile TEXT NOT NULL, error_json TEXT NOT NULL,
  certificate_id TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE INDEX orders_of_account ON orders (account_id, seq);
CREATE TABLE authorizations (seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE, account_id TEXT NOT NULL REFERENCES accounts (id),
  identifier_type TEXT NOT NULL, identifier_value TEXT NOT NULL,
  wildcard INTEGER NOT NULL, status TEXT NOT NULL, expires INTEGER NOT NULL);
CREATE INDEX authorizations_for_reuse ON authorizations
  (account_id, identifier_type, identifier_value, wildcard, status);
CREATE TABLE challenges (id TEXT PRIMARY KEY,
  authorization_id TEXT NOT NULL REFERENCES authorizations (id),
  position INTEGER NOT NULL, type TEXT NOT NULL, token TEXT NOT NULL,
  status TEXT NOT NULL, validated INTEGER NOT NULL, error_json TEXT NOT NULL,
  UNIQUE (authorization_id, position));
CREATE TABLE certificates (id TEXT PRIMARY KEY,
  order_id TEXT NOT NULL UNIQUE REFERENCES orders (id),
  account_id TEXT NOT NULL REFERENCES accounts (id),
  log_number INTEGER NOT NULL, entry_index INTEGER NOT NULL,
  serial_hex TEXT NOT NULL UNIQUE, standalone_pem TEXT NOT NULL,
  tbs_entry BLOB NOT NULL, spki_sha256 BLOB NOT NULL,
  not_before INTEGER NOT NULL, not_after INTEGER NOT NULL,
  revoked INTEGER NOT NULL, revocation_reason INTEGER NOT NULL,
  revoked_at INTEGER NOT NULL, UNIQUE (log_number, entry_index));
CREATE INDEX certificates_revoked ON certificates (revoked_at)
  WHERE revoked = 1;
INSERT INTO accounts VALUES ('a1', '{}', 't1', 'valid', '[]', 1, 'kid-1', 5);
INSERT INTO orders (id, account_id, status, expires, identifiers,
  authorization_ids, not_before, not_after, profile, error_json,
  certificate_id, created_at)
  VALUES ('o1', 'a1', 'pending', 9, '[]', '[]', 0, 0, '', '', '', 6);
)sql";

TEST(SqliteAcmeStoreTest, MigratesVersion1InPlace) {
  TempDir dir;
  std::string path = dir.Sub("acme.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, kVersion1Database, nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
  auto store = SqliteAcmeStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.error().ToString();
  auto order = (*store)->GetOrder("o1");
  ASSERT_TRUE(order.ok() && order->has_value()) << order.error().ToString();
  EXPECT_EQ((*order)->replaces, "");
  EXPECT_EQ((*order)->created_at, 6);
  // The version 2 rules hold on the old rows.
  Account same_kid;
  same_kid.id = "a2";
  same_kid.jwk_json = "{}";
  same_kid.thumbprint = "t2";
  same_kid.eab_kid = "kid-1";
  auto created = (*store)->CreateAccount(same_kid);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code(), ErrorCode::kConflict);
  store->reset();
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(
      QueryText(db, "SELECT version FROM mtc_schema WHERE component = 'acme'"),
      "2");
  sqlite3_close(db);
  // Opening again finds version 2 and migrates nothing.
  EXPECT_TRUE(SqliteAcmeStore::Open(path).ok());
}

TEST(SqliteAcmeStoreTest, OpenFailures) {
  TempDir dir;
  auto missing_dir = SqliteAcmeStore::Open(dir.Sub("no/such/dir/acme.db"));
  ASSERT_FALSE(missing_dir.ok());
  EXPECT_EQ(missing_dir.error().code(), ErrorCode::kIo);

  std::string not_db = dir.Sub("not.db");
  FILE* f = std::fopen(not_db.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("this is not an SQLite database, not even close to one....", f);
  std::fclose(f);
  auto garbage = SqliteAcmeStore::Open(not_db);
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().code(), ErrorCode::kIo);
}

// A write that returned is in the file: another connection that never
// shared the store's sees it (synchronous=FULL makes it survive power loss
// too, which a test cannot show).
TEST(SqliteAcmeStoreTest, CommittedWritesAreInTheFile) {
  TempDir dir;
  std::string path = dir.Sub("acme.db");
  auto store = SqliteAcmeStore::Open(path);
  ASSERT_TRUE(store.ok());
  Account a;
  a.id = "a1";
  a.thumbprint = "t1";
  a.jwk_json = "{}";
  ASSERT_TRUE((*store)->CreateAccount(a).ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(QueryText(db, "SELECT thumbprint FROM accounts WHERE id = 'a1'"),
            "t1");
  sqlite3_close(db);
}

}  // namespace
}  // namespace mtc::acme::testing
