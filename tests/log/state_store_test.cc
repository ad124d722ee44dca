// The LogStateStore contract (state_store_contract.h) on
// SqliteLogStateStore and MemoryLogStateStore, then what each adds:
// durability across reopening and processes sharing a file for SQLite, fault
// injection for memory.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <barrier>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "log/memory_state_store.h"
#include "log/sqlite_state_store.h"
#include "log/state_store_contract.h"
#include "log/temp_dir_testutil.h"
#include "mtc/merkle/hash.h"

namespace mtc::log {
namespace {

using testing::Head;
using testing::kEmpty;
using testing::StateStoreContractTest;
using testing::StateStoreFactory;
using testing::TempDir;

INSTANTIATE_TEST_SUITE_P(
    Stores, StateStoreContractTest,
    ::testing::Values(
        StateStoreFactory{"Sqlite",
                          [](std::function<void()>* cleanup)
                              -> std::unique_ptr<LogStateStore> {
                            auto dir = std::make_shared<TempDir>();
                            *cleanup = [dir] {};  // kept until the test ends
                            auto opened =
                                SqliteLogStateStore::Open(dir->Sub("state.db"));
                            EXPECT_TRUE(opened.ok())
                                << opened.error().ToString();
                            if (!opened.ok()) return nullptr;
                            return std::move(*opened);
                          }},
        StateStoreFactory{"Memory",
                          [](std::function<void()>*)
                              -> std::unique_ptr<LogStateStore> {
                            return std::make_unique<MemoryLogStateStore>();
                          }}),
    testing::StateStoreFactoryName);

// SqliteLogStateStore.

TEST(SqliteLogStateStoreTest, StatePersistsAcrossReopening) {
  TempDir dir;
  std::string path = dir.Sub("state.db");
  {
    auto store = SqliteLogStateStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    ASSERT_TRUE((*store)->CompareAndSwapTreeHead(1, kEmpty, Head(42, 4)).ok());
    ASSERT_TRUE((*store)->AppendLandmark(1, 1, 40).ok());
    ASSERT_TRUE((*store)->CompareAndSwapCurrentLog(1, 2).ok());
  }
  auto store = SqliteLogStateStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.error().ToString();
  EXPECT_EQ(*(*store)->GetTreeHead(1), Head(42, 4));
  EXPECT_EQ(*(*store)->GetLandmarks(1), std::vector<uint64_t>{40});
  EXPECT_EQ(*(*store)->GetCurrentLog(), 2u);
}

TEST(SqliteLogStateStoreTest, UsesWalAndRecordsSchemaVersion) {
  TempDir dir;
  std::string path = dir.Sub("state.db");
  ASSERT_TRUE(SqliteLogStateStore::Open(path).ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  auto query = [&](const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK);
    EXPECT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    std::string out(
        reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
    sqlite3_finalize(stmt);
    return out;
  };
  EXPECT_EQ(query("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(
      query("SELECT version FROM mtc_schema WHERE component = 'log_state'"),
      "1");
  // A database from a future version is refused, not misread.
  ASSERT_EQ(sqlite3_exec(db,
                         "UPDATE mtc_schema SET version = 2 "
                         "WHERE component = 'log_state'",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto reopened = SqliteLogStateStore::Open(path);
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.error().code(), ErrorCode::kUnsupported);
}

TEST(SqliteLogStateStoreTest, OpenFailures) {
  TempDir dir;
  auto missing_dir = SqliteLogStateStore::Open(dir.Sub("no/such/dir/db"));
  ASSERT_FALSE(missing_dir.ok());
  EXPECT_EQ(missing_dir.error().code(), ErrorCode::kIo);

  std::string not_db = dir.Sub("not.db");
  FILE* f = std::fopen(not_db.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("this is not an SQLite database, not even close to one....", f);
  std::fclose(f);
  auto garbage = SqliteLogStateStore::Open(not_db);
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().code(), ErrorCode::kIo);
}

// Two store objects on one file, as two CA processes sharing it would have:
// each has its own connection, so only SQLite's locking (BEGIN IMMEDIATE)
// stands between them. Each round both race the same compare-and-swap, and
// exactly one may win.
TEST(SqliteLogStateStoreTest, TwoStoresOnOneFileOneWinsPerRound) {
  TempDir dir;
  std::string path = dir.Sub("state.db");
  auto a = SqliteLogStateStore::Open(path);
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  auto b = SqliteLogStateStore::Open(path);
  ASSERT_TRUE(b.ok()) << b.error().ToString();
  LogStateStore* stores[2] = {a->get(), b->get()};

  constexpr int kRounds = 300;
  std::vector<std::atomic<int>> wins(kRounds);
  std::vector<std::atomic<int>> landmark_wins(kRounds);
  std::vector<std::atomic<int>> log_wins(kRounds);
  std::atomic<int> errors{0};
  std::barrier sync(2);
  auto race = [&](int t) {
    LogStateStore* store = stores[t];
    for (int round = 0; round < kRounds; round++) {
      // Both read the same committed head, then both try to extend it.
      auto head = store->GetTreeHead(1);
      if (!head.ok()) errors++;
      sync.arrive_and_wait();
      TreeHead next = Head(head->size + 1 + t, static_cast<uint8_t>(t));
      Status s = store->CompareAndSwapTreeHead(1, *head, next);
      if (s.ok()) {
        wins[round]++;
      } else if (s.error().code() != ErrorCode::kConflict) {
        errors++;
      }
      Status l = store->AppendLandmark(2, round + 1, 10 * (round + 1) + t);
      if (l.ok()) {
        landmark_wins[round]++;
      } else if (l.error().code() != ErrorCode::kConflict) {
        errors++;
      }
      Status c = store->CompareAndSwapCurrentLog(round + 1, round + 2);
      if (c.ok()) {
        log_wins[round]++;
      } else if (c.error().code() != ErrorCode::kConflict) {
        errors++;
      }
      sync.arrive_and_wait();
    }
  };
  std::thread t0(race, 0), t1(race, 1);
  t0.join();
  t1.join();
  EXPECT_EQ(errors.load(), 0);
  for (int round = 0; round < kRounds; round++) {
    EXPECT_EQ(wins[round].load(), 1) << "round " << round;
    EXPECT_EQ(landmark_wins[round].load(), 1) << "round " << round;
    EXPECT_EQ(log_wins[round].load(), 1) << "round " << round;
  }
  EXPECT_EQ((*a)->GetLandmarks(2)->size(), size_t{kRounds});
  EXPECT_EQ(*(*b)->GetCurrentLog(), uint32_t{kRounds + 1});
}

// MemoryLogStateStore: fault injection.

TEST(MemoryLogStateStoreTest, FaultHookSeesEveryOperation) {
  std::vector<std::string> seen;
  MemoryLogStateStore store([&](std::string_view op) {
    seen.emplace_back(op);
    return OkStatus();
  });
  (void)store.GetTreeHead(1);
  (void)store.CompareAndSwapTreeHead(1, kEmpty, Head(1, 1));
  (void)store.GetLandmarks(1);
  (void)store.AppendLandmark(1, 1, 1);
  (void)store.GetCurrentLog();
  (void)store.CompareAndSwapCurrentLog(1, 2);
  EXPECT_EQ(seen, (std::vector<std::string>{
                      "GetTreeHead", "CompareAndSwapTreeHead", "GetLandmarks",
                      "AppendLandmark", "GetCurrentLog",
                      "CompareAndSwapCurrentLog"}));
}

TEST(MemoryLogStateStoreTest, FailedOperationHasNoEffect) {
  MemoryLogStateStore store;
  store.SetFaultHook([](std::string_view op) -> Status {
    if (op.starts_with("Get")) return OkStatus();
    return Error(ErrorCode::kUnavailable, "injected");
  });
  EXPECT_EQ(store.CompareAndSwapTreeHead(1, kEmpty, Head(1, 1)).error().code(),
            ErrorCode::kUnavailable);
  EXPECT_EQ(store.AppendLandmark(1, 1, 1).error().code(),
            ErrorCode::kUnavailable);
  EXPECT_EQ(store.CompareAndSwapCurrentLog(1, 2).error().code(),
            ErrorCode::kUnavailable);
  EXPECT_EQ(*store.GetTreeHead(1), kEmpty);
  EXPECT_TRUE(store.GetLandmarks(1)->empty());
  EXPECT_EQ(*store.GetCurrentLog(), 1u);

  store.SetFaultHook([](std::string_view op) -> Status {
    if (op == "GetTreeHead") return Error(ErrorCode::kIo, "injected");
    return OkStatus();
  });
  EXPECT_EQ(store.GetTreeHead(1).error().code(), ErrorCode::kIo);
  EXPECT_TRUE(store.CompareAndSwapTreeHead(1, kEmpty, Head(1, 1)).ok());
  store.SetFaultHook(nullptr);
  EXPECT_EQ(*store.GetTreeHead(1), Head(1, 1));
}

}  // namespace
}  // namespace mtc::log
