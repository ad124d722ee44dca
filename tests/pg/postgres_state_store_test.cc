// The LogStateStore contract (tests/log/state_store_contract.h), as
// tests/log/state_store_test.cc runs it on SQLite and memory, on
// SqlLogStateStore over a PostgresDatabase; then durability and the schema
// version, and several store objects (as several CA processes would have)
// racing on one database.
#include "log/sql_state_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "acme/postgres_database.h"
#include "log/state_store_contract.h"
#include "mtc/merkle/hash.h"
#include "pg_cluster_testutil.h"

namespace mtc::log {
namespace {

using pg_testing::FreshSchemaConninfo;

using testing::Head;
using testing::kEmpty;
using testing::StateStoreContractTest;

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

  std::string conninfo_;
  std::unique_ptr<SqlLogStateStore> store_;
};

// The shared contract, each test on a schema of its own.
INSTANTIATE_TEST_SUITE_P(
    Postgres, StateStoreContractTest,
    ::testing::Values(testing::StateStoreFactory{
        "Postgres",
        [](std::function<void()>*) -> std::unique_ptr<LogStateStore> {
          return OpenStore(FreshSchemaConninfo());
        }}),
    testing::StateStoreFactoryName);

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
