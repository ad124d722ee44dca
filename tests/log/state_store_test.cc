// Tests of the LogStateStore contract (log/storage.h) that
// SqliteLogStateStore and MemoryLogStateStore share, then of what each adds:
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
#include "log/temp_dir_testutil.h"
#include "mtc/merkle/hash.h"

namespace mtc::log {
namespace {

using testing::TempDir;

TreeHead Head(uint64_t size, uint8_t fill) {
  TreeHead head;
  head.size = size;
  head.root.fill(fill);
  return head;
}

const TreeHead kEmpty{0, merkle::EmptyTreeHash()};

enum class Kind { kSqlite, kMemory };

class StateStoreContractTest : public ::testing::TestWithParam<Kind> {
 protected:
  void SetUp() override {
    if (GetParam() == Kind::kMemory) {
      store_ = std::make_unique<MemoryLogStateStore>();
      return;
    }
    auto opened = SqliteLogStateStore::Open(dir_.Sub("state.db"));
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(*opened);
  }

  TempDir dir_;
  std::unique_ptr<LogStateStore> store_;
};

INSTANTIATE_TEST_SUITE_P(Stores, StateStoreContractTest,
                         ::testing::Values(Kind::kSqlite, Kind::kMemory),
                         [](const auto& info) {
                           return info.param == Kind::kSqlite ? "Sqlite"
                                                              : "Memory";
                         });

// storage.h: "size 0 and the empty-tree root when nothing was ever
// committed"; "The CA's current log number (1 on a new CA)".
TEST_P(StateStoreContractTest, NewStore) {
  for (uint32_t log : {0u, 1u, 7u, 0xffffffffu}) {
    auto head = store_->GetTreeHead(log);
    ASSERT_TRUE(head.ok()) << head.error().ToString();
    EXPECT_EQ(*head, kEmpty);
    EXPECT_TRUE(store_->GetLandmarks(log)->empty());
  }
  EXPECT_EQ(*store_->GetCurrentLog(), 1u);
}

TEST_P(StateStoreContractTest, TreeHeadCompareAndSwap) {
  ASSERT_TRUE(store_->CompareAndSwapTreeHead(1, kEmpty, Head(10, 1)).ok());
  EXPECT_EQ(*store_->GetTreeHead(1), Head(10, 1));
  // Other logs are separate.
  EXPECT_EQ(*store_->GetTreeHead(2), kEmpty);

  // A stale `expected`, by size or by root, loses without effect.
  for (const TreeHead& stale : {kEmpty, Head(10, 2), Head(9, 1)}) {
    Status s = store_->CompareAndSwapTreeHead(1, stale, Head(20, 3));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code(), ErrorCode::kConflict);
  }
  EXPECT_EQ(*store_->GetTreeHead(1), Head(10, 1));

  ASSERT_TRUE(store_->CompareAndSwapTreeHead(1, Head(10, 1), Head(20, 3)).ok());
  EXPECT_EQ(*store_->GetTreeHead(1), Head(20, 3));
  // Same size, same root: a no-op that succeeds (recovery may re-commit).
  EXPECT_TRUE(store_->CompareAndSwapTreeHead(1, Head(20, 3), Head(20, 3)).ok());
  // Sizes are full 64-bit values.
  TreeHead huge = Head(0xfffffffffffffffeu, 9);
  ASSERT_TRUE(store_->CompareAndSwapTreeHead(1, Head(20, 3), huge).ok());
  EXPECT_EQ(*store_->GetTreeHead(1), huge);
}

// store_rules.h: a log never shrinks or forks.
TEST_P(StateStoreContractTest, TreeHeadNeverShrinksOrForks) {
  ASSERT_TRUE(store_->CompareAndSwapTreeHead(3, kEmpty, Head(10, 1)).ok());
  for (const TreeHead& bad : {Head(9, 1), Head(10, 2), kEmpty}) {
    Status s = store_->CompareAndSwapTreeHead(3, Head(10, 1), bad);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(*store_->GetTreeHead(3), Head(10, 1));
}

// storage.h: "kConflict unless `number` is exactly the next number and
// `tree_size` exceeds the last size"; landmark 0 (size 0) is implicit
// (draft §Landmark Tree Sizes: "Landmark zero MUST have a tree size of zero.
// The sequence of tree sizes MUST be append-only and strictly monotonically
// increasing").
TEST_P(StateStoreContractTest, Landmarks) {
  auto conflict = [&](uint32_t log, uint64_t number, uint64_t size) {
    Status s = store_->AppendLandmark(log, number, size);
    return !s.ok() && s.error().code() == ErrorCode::kConflict;
  };
  EXPECT_TRUE(conflict(1, 0, 0));  // landmark 0 exists already
  EXPECT_TRUE(conflict(1, 0, 5));
  EXPECT_TRUE(conflict(1, 2, 5));  // not the next number
  EXPECT_TRUE(conflict(1, 1, 0));  // not above landmark 0's size
  ASSERT_TRUE(store_->AppendLandmark(1, 1, 100).ok());
  EXPECT_TRUE(conflict(1, 1, 100));  // appended once only
  EXPECT_TRUE(conflict(1, 1, 200));
  EXPECT_TRUE(conflict(1, 2, 100));  // sizes strictly increase
  EXPECT_TRUE(conflict(1, 2, 99));
  EXPECT_TRUE(conflict(1, 3, 300));
  ASSERT_TRUE(store_->AppendLandmark(1, 2, 101).ok());
  ASSERT_TRUE(store_->AppendLandmark(1, 3, 5000).ok());
  EXPECT_EQ(*store_->GetLandmarks(1), (std::vector<uint64_t>{100, 101, 5000}));
  // Each log has its own sequence.
  EXPECT_TRUE(store_->GetLandmarks(2)->empty());
  ASSERT_TRUE(store_->AppendLandmark(2, 1, 7).ok());
  EXPECT_EQ(*store_->GetLandmarks(2), std::vector<uint64_t>{7});
  EXPECT_EQ(store_->GetLandmarks(1)->size(), 3u);
}

TEST_P(StateStoreContractTest, CurrentLog) {
  Status s = store_->CompareAndSwapCurrentLog(2, 3);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kConflict);
  ASSERT_TRUE(store_->CompareAndSwapCurrentLog(1, 2).ok());
  EXPECT_EQ(*store_->GetCurrentLog(), 2u);
  EXPECT_EQ(store_->CompareAndSwapCurrentLog(1, 2).error().code(),
            ErrorCode::kConflict);
  // Issuance never moves back to an older log.
  EXPECT_EQ(store_->CompareAndSwapCurrentLog(2, 1).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->CompareAndSwapCurrentLog(2, 2).error().code(),
            ErrorCode::kInvalidArgument);
  ASSERT_TRUE(store_->CompareAndSwapCurrentLog(2, 0xffffffffu).ok());
  EXPECT_EQ(*store_->GetCurrentLog(), 0xffffffffu);
}

// Threads of one process racing on one store object: each round, every
// thread reads the committed head and then tries to extend it; exactly one
// compare-and-swap may win.
TEST_P(StateStoreContractTest, RacingThreadsOneWinsPerRound) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 50;
  std::vector<std::atomic<int>> wins(kRounds);
  std::atomic<int> errors{0};
  std::barrier sync(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; round++) {
        auto head = store_->GetTreeHead(5);
        if (!head.ok()) errors++;
        sync.arrive_and_wait();
        TreeHead next = Head(head->size + 1, static_cast<uint8_t>(t));
        Status s = store_->CompareAndSwapTreeHead(5, *head, next);
        if (s.ok()) {
          wins[round]++;
        } else if (s.error().code() != ErrorCode::kConflict) {
          errors++;
        }
        sync.arrive_and_wait();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  for (int round = 0; round < kRounds; round++) {
    EXPECT_EQ(wins[round].load(), 1) << "round " << round;
  }
  EXPECT_EQ(store_->GetTreeHead(5)->size, uint64_t{kRounds});
}

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
