// SqliteDatabase: group commit (bodies of concurrent writers share one
// transaction, each in its own savepoint), read connections, and the
// prepared-statement cache.
#include "log/sqlite_database.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "temp_dir_testutil.h"

namespace mtc::log {
namespace {

using testing::TempDir;

std::unique_ptr<SqliteDatabase> OpenWithTable(const std::string& path) {
  auto db = SqliteDatabase::Open(path);
  EXPECT_TRUE(db.ok()) << db.error().ToString();
  if (!db.ok()) return nullptr;
  Status made = (*db)->InTransaction(SqlMode::kSchema, [](SqlTransaction& tx) {
    return tx.ExecuteScript(
        "CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v TEXT)");
  });
  EXPECT_TRUE(made.ok()) << made.error().ToString();
  return std::move(*db);
}

// The status of a statement, without its row count.
Status Done(const Result<int64_t>& executed) {
  if (!executed.ok()) return executed.error();
  return OkStatus();
}

Result<int64_t> Count(SqliteDatabase& db, std::string_view where = "1") {
  return db.Transact<int64_t>(
      SqlMode::kRead, [&](SqlTransaction& tx) -> Result<int64_t> {
        MTC_ASSIGN_OR_RETURN(
            auto row,
            tx.QueryOne("SELECT count(*) FROM t WHERE " + std::string(where)));
        if (!row) return Error(ErrorCode::kInternal, "no row");
        return row->Int(0);
      });
}

TEST(SqliteDatabaseTest,
     ConcurrentWritersAllCommitAndFailuresUndoOnlyTheirOwn) {
  TempDir dir;
  auto db = OpenWithTable(dir.Sub("db"));
  ASSERT_NE(db, nullptr);
  constexpr int kThreads = 16;
  constexpr int kWrites = 40;
  std::atomic<int> failures_seen{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        int64_t key = t * 1000 + i;
        // Every third body inserts and then fails: its row must not stay,
        // whatever batch it shared with others.
        bool fail = key % 3 == 0;
        Status s = db->InTransaction(
            SqlMode::kWrite, [&](SqlTransaction& tx) -> Status {
              MTC_RETURN_IF_ERROR(
                  Done(tx.Execute("INSERT INTO t (k, v) VALUES ($1, $2)",
                                  {key, std::string("v")})));
              if (fail) return Error(ErrorCode::kConflict, "body says no");
              return OkStatus();
            });
        if (fail) {
          EXPECT_EQ(s.error().code(), ErrorCode::kConflict);
          ++failures_seen;
        } else {
          EXPECT_TRUE(s.ok()) << s.error().ToString();
          // Read-after-write on another connection sees the committed row.
          auto seen = Count(*db, "k = " + std::to_string(key));
          ASSERT_TRUE(seen.ok()) << seen.error().ToString();
          EXPECT_EQ(*seen, 1);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  auto total = Count(*db);
  ASSERT_TRUE(total.ok());
  EXPECT_EQ(*total, kThreads * kWrites - failures_seen.load());
  auto failed_rows = Count(*db, "k % 3 = 0");
  ASSERT_TRUE(failed_rows.ok());
  EXPECT_EQ(*failed_rows, 0);
}

TEST(SqliteDatabaseTest, ConstraintViolationFailsOnlyThatBody) {
  TempDir dir;
  auto db = OpenWithTable(dir.Sub("db"));
  ASSERT_NE(db, nullptr);
  // Many writers race to insert the same key: exactly one wins, the others
  // see kConflict, and writers of other keys are unaffected.
  std::atomic<int> won{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 12; ++t) {
    threads.emplace_back([&, t] {
      Status same = db->InTransaction(SqlMode::kWrite, [](SqlTransaction& tx) {
        return Done(tx.Execute("INSERT INTO t (k, v) VALUES (7, 'x')"));
      });
      if (same.ok()) {
        ++won;
      } else {
        EXPECT_EQ(same.error().code(), ErrorCode::kConflict);
        ++conflicts;
      }
      Status own = db->InTransaction(SqlMode::kWrite, [&](SqlTransaction& tx) {
        return Done(tx.Execute("INSERT INTO t (k, v) VALUES ($1, 'y')",
                               {int64_t{100 + t}}));
      });
      EXPECT_TRUE(own.ok()) << own.error().ToString();
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(conflicts.load(), 11);
  auto total = Count(*db);
  ASSERT_TRUE(total.ok());
  EXPECT_EQ(*total, 13);
}

TEST(SqliteDatabaseTest, BodyThatThrowsFailsAlone) {
  TempDir dir;
  auto db = OpenWithTable(dir.Sub("db"));
  ASSERT_NE(db, nullptr);
  Status thrown =
      db->InTransaction(SqlMode::kWrite, [](SqlTransaction& tx) -> Status {
        (void)tx.Execute("INSERT INTO t (k, v) VALUES (1, 'a')");
        throw std::runtime_error("boom");
      });
  EXPECT_EQ(thrown.error().code(), ErrorCode::kInternal);
  Status fine = db->InTransaction(SqlMode::kWrite, [](SqlTransaction& tx) {
    return Done(tx.Execute("INSERT INTO t (k, v) VALUES (2, 'b')"));
  });
  EXPECT_TRUE(fine.ok());
  auto total = Count(*db);
  ASSERT_TRUE(total.ok());
  EXPECT_EQ(*total, 1);
}

TEST(SqliteDatabaseTest, ReadTransactionsCannotWrite) {
  TempDir dir;
  auto db = OpenWithTable(dir.Sub("db"));
  ASSERT_NE(db, nullptr);
  Status wrote = db->InTransaction(SqlMode::kRead, [](SqlTransaction& tx) {
    return Done(tx.Execute("INSERT INTO t (k, v) VALUES (1, 'a')"));
  });
  EXPECT_FALSE(wrote.ok());
  auto total = Count(*db);
  ASSERT_TRUE(total.ok());
  EXPECT_EQ(*total, 0);
}

TEST(SqliteDatabaseTest, CommittedWritesSurviveReopening) {
  TempDir dir;
  std::string path = dir.Sub("db");
  {
    auto db = OpenWithTable(path);
    ASSERT_NE(db, nullptr);
    // The same statement text many times: served from the statement cache
    // with fresh bindings each time.
    for (int64_t k = 0; k < 300; ++k) {
      Status s = db->InTransaction(SqlMode::kWrite, [&](SqlTransaction& tx) {
        return Done(tx.Execute("INSERT INTO t (k, v) VALUES ($1, $2)",
                               {k, "v" + std::to_string(k)}));
      });
      ASSERT_TRUE(s.ok()) << s.error().ToString();
    }
  }
  auto db = OpenWithTable(path);
  ASSERT_NE(db, nullptr);
  auto v = db->Transact<std::string>(
      SqlMode::kRead, [](SqlTransaction& tx) -> Result<std::string> {
        MTC_ASSIGN_OR_RETURN(
            auto row,
            tx.QueryOne("SELECT v FROM t WHERE k = $1", {int64_t{299}}));
        if (!row) return Error(ErrorCode::kNotFound, "no row 299");
        return row->Text(0);
      });
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  EXPECT_EQ(*v, "v299");
  auto total = Count(*db);
  ASSERT_TRUE(total.ok());
  EXPECT_EQ(*total, 300);
}

}  // namespace
}  // namespace mtc::log
