// The LogStateStore contract (log/storage.h), as tests/log/state_store_test.cc
// checks it on SQLite and memory, on SqlLogStateStore over a
// PostgresDatabase; then several store objects (as several CA processes
// would have) racing on one database.
#include "log/sql_state_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "acme/postgres_database.h"
#include "mtc/merkle/hash.h"
#include "pg_cluster_testutil.h"

namespace mtc::log {
namespace {

using pg_testing::FreshSchemaConninfo;

TreeHead Head(uint64_t size, uint8_t fill) {
  TreeHead head;
  head.size = size;
  head.root.fill(fill);
  return head;
}

const TreeHead kEmpty{0, merkle::EmptyTreeHash()};

std::unique_ptr<SqlLogStateStore> OpenStore(const std::string& conninfo) {
  auto db = acme::PostgresDatabase::Open(conninfo);
  EXPECT_TRUE(db.ok()) << db.error().ToString();
  if (!db.ok()) return nullptr;
  auto store = SqlLogStateStore::Open(std::move(*db));
  EXPECT_TRUE(store.ok()) << store.error().ToString();
  if (!store.ok()) return nullptr;
  return std::move(*store);
}

class PostgresStateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    conninfo_ = FreshSchemaConninfo();
    store_ = OpenStore(conninfo_);
    ASSERT_NE(store_, nullptr);
  }

  static void ExpectCode(const Status& s, ErrorCode code) {
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code(), code) << s.error().ToString();
  }

  std::string conninfo_;
  std::unique_ptr<SqlLogStateStore> store_;
};

// storage.h: "size 0 and the empty-tree root when nothing was ever
// committed"; "The CA's current log number (1 on a new CA)".
TEST_F(PostgresStateStoreTest, NewStore) {
  for (uint32_t log : {0u, 1u, 7u, 0xffffffffu}) {
    auto head = store_->GetTreeHead(log);
    ASSERT_TRUE(head.ok()) << head.error().ToString();
    EXPECT_EQ(*head, kEmpty);
    EXPECT_TRUE(store_->GetLandmarks(log)->empty());
  }
  EXPECT_EQ(*store_->GetCurrentLog(), 1u);
}

TEST_F(PostgresStateStoreTest, TreeHeadCompareAndSwap) {
  ASSERT_TRUE(store_->CompareAndSwapTreeHead(1, kEmpty, Head(10, 1)).ok());
  EXPECT_EQ(*store_->GetTreeHead(1), Head(10, 1));
  EXPECT_EQ(*store_->GetTreeHead(2), kEmpty);
  for (const TreeHead& stale : {kEmpty, Head(10, 2), Head(9, 1)}) {
    ExpectCode(store_->CompareAndSwapTreeHead(1, stale, Head(20, 3)),
               ErrorCode::kConflict);
  }
  EXPECT_EQ(*store_->GetTreeHead(1), Head(10, 1));
  ASSERT_TRUE(store_->CompareAndSwapTreeHead(1, Head(10, 1), Head(20, 3)).ok());
  // Same size, same root: a no-op that succeeds (recovery may re-commit).
  EXPECT_TRUE(store_->CompareAndSwapTreeHead(1, Head(20, 3), Head(20, 3)).ok());
  // Sizes are full 64-bit values (stored as BIGINT with the same bits).
  TreeHead huge = Head(0xfffffffffffffffeu, 9);
  ASSERT_TRUE(store_->CompareAndSwapTreeHead(1, Head(20, 3), huge).ok());
  EXPECT_EQ(*store_->GetTreeHead(1), huge);
  ASSERT_TRUE(store_->CompareAndSwapTreeHead(0xffffffffu, kEmpty, kEmpty).ok());
  EXPECT_EQ(*store_->GetTreeHead(0xffffffffu), kEmpty);
}

// store_rules.h: a log never shrinks or forks.
TEST_F(PostgresStateStoreTest, TreeHeadNeverShrinksOrForks) {
  ASSERT_TRUE(store_->CompareAndSwapTreeHead(3, kEmpty, Head(10, 1)).ok());
  for (const TreeHead& bad : {Head(9, 1), Head(10, 2), kEmpty}) {
    ExpectCode(store_->CompareAndSwapTreeHead(3, Head(10, 1), bad),
               ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(*store_->GetTreeHead(3), Head(10, 1));
}

// storage.h: "kConflict unless `number` is exactly the next number and
// `tree_size` exceeds the last size" (draft §Landmark Tree Sizes).
TEST_F(PostgresStateStoreTest, Landmarks) {
  auto conflict = [&](uint32_t log, uint64_t number, uint64_t size) {
    Status s = store_->AppendLandmark(log, number, size);
    return !s.ok() && s.error().code() == ErrorCode::kConflict;
  };
  EXPECT_TRUE(conflict(1, 0, 0));
  EXPECT_TRUE(conflict(1, 2, 5));
  EXPECT_TRUE(conflict(1, 1, 0));
  ASSERT_TRUE(store_->AppendLandmark(1, 1, 100).ok());
  EXPECT_TRUE(conflict(1, 1, 200));
  EXPECT_TRUE(conflict(1, 2, 100));
  EXPECT_TRUE(conflict(1, 3, 300));
  ASSERT_TRUE(store_->AppendLandmark(1, 2, 101).ok());
  ASSERT_TRUE(store_->AppendLandmark(1, 3, 0x7fffffffffffffffu + 5).ok());
  EXPECT_EQ(*store_->GetLandmarks(1),
            (std::vector<uint64_t>{100, 101, 0x7fffffffffffffffu + 5}));
  EXPECT_TRUE(store_->GetLandmarks(2)->empty());
  ASSERT_TRUE(store_->AppendLandmark(2, 1, 7).ok());
  EXPECT_EQ(*store_->GetLandmarks(2), std::vector<uint64_t>{7});
}

TEST_F(PostgresStateStoreTest, CurrentLog) {
  ExpectCode(store_->CompareAndSwapCurrentLog(2, 3), ErrorCode::kConflict);
  ASSERT_TRUE(store_->CompareAndSwapCurrentLog(1, 2).ok());
  EXPECT_EQ(*store_->GetCurrentLog(), 2u);
  ExpectCode(store_->CompareAndSwapCurrentLog(1, 2), ErrorCode::kConflict);
  ExpectCode(store_->CompareAndSwapCurrentLog(2, 1),
             ErrorCode::kInvalidArgument);
  ASSERT_TRUE(store_->CompareAndSwapCurrentLog(2, 0xffffffffu).ok());
  EXPECT_EQ(*store_->GetCurrentLog(), 0xffffffffu);
}

TEST_F(PostgresStateStoreTest, StatePersistsAcrossReopeningAndVersioned) {
  ASSERT_TRUE(store_->CompareAndSwapTreeHead(1, kEmpty, Head(42, 4)).ok());
  ASSERT_TRUE(store_->AppendLandmark(1, 1, 40).ok());
  ASSERT_TRUE(store_->CompareAndSwapCurrentLog(1, 2).ok());
  store_.reset();
  auto reopened = OpenStore(conninfo_);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(*reopened->GetTreeHead(1), Head(42, 4));
  EXPECT_EQ(*reopened->GetLandmarks(1), std::vector<uint64_t>{40});
  EXPECT_EQ(*reopened->GetCurrentLog(), 2u);

  // A schema of a future version is refused, not misread.
  auto conn = acme::PostgresConnection::Connect(conninfo_);
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE((*conn)
                  ->RunScript("UPDATE mtc_schema SET version = 9 "
                              "WHERE component = 'log_state'")
                  .ok());
  auto db = acme::PostgresDatabase::Open(conninfo_);
  ASSERT_TRUE(db.ok());
  auto future = SqlLogStateStore::Open(std::move(*db));
  ASSERT_FALSE(future.ok());
  EXPECT_EQ(future.error().code(), ErrorCode::kUnsupported);
}

// Store objects with their own sessions, as separate CA processes would
// have, race every compare-and-swap each round: exactly one may win.
TEST_F(PostgresStateStoreTest, SeparateStoresOneWinsPerRound) {
  constexpr int kStores = 3;
  constexpr int kRounds = 60;
  std::vector<std::unique_ptr<SqlLogStateStore>> stores;
  for (int i = 0; i < kStores; i++) {
    stores.push_back(OpenStore(conninfo_));
    ASSERT_NE(stores.back(), nullptr);
  }
  std::vector<std::atomic<int>> wins(kRounds), landmark_wins(kRounds),
      log_wins(kRounds), first_wins(kRounds);
  std::atomic<int> errors{0};
  std::barrier sync(kStores);
  auto count = [&](const Status& s, std::atomic<int>& win) {
    if (s.ok()) {
      win++;
    } else if (s.error().code() != ErrorCode::kConflict) {
      ADD_FAILURE() << s.error().ToString();
      errors++;
    }
  };
  auto race = [&](int t) {
    LogStateStore* store = stores[t].get();
    for (int round = 0; round < kRounds; round++) {
      auto head = store->GetTreeHead(1);
      if (!head.ok()) errors++;
      sync.arrive_and_wait();
      // A log's first head: no row yet, so the race is on the insert.
      count(store->CompareAndSwapTreeHead(100 + round, kEmpty, Head(1, t)),
            first_wins[round]);
      count(store->CompareAndSwapTreeHead(
                1, *head, Head(head->size + 1 + t, static_cast<uint8_t>(t))),
            wins[round]);
      count(store->AppendLandmark(2, round + 1, 10 * (round + 1) + t),
            landmark_wins[round]);
      count(store->CompareAndSwapCurrentLog(round + 1, round + 2),
            log_wins[round]);
      sync.arrive_and_wait();
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kStores; t++) threads.emplace_back(race, t);
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  for (int round = 0; round < kRounds; round++) {
    EXPECT_EQ(first_wins[round].load(), 1) << "round " << round;
    EXPECT_EQ(wins[round].load(), 1) << "round " << round;
    EXPECT_EQ(landmark_wins[round].load(), 1) << "round " << round;
    EXPECT_EQ(log_wins[round].load(), 1) << "round " << round;
  }
  EXPECT_EQ(store_->GetLandmarks(2)->size(), size_t{kRounds});
  EXPECT_EQ(*store_->GetCurrentLog(), uint32_t{kRounds + 1});
}

}  // namespace
}  // namespace mtc::log
