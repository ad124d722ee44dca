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
      "1");
  // A database of a future version is refused, not misread.
  ASSERT_EQ(sqlite3_exec(db, "UPDATE mtc_schema SET version = 2", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto reopened = SqliteAcmeStore::Open(path);
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.error().code(), ErrorCode::kUnsupported);
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
