// Tests of the witness's SQLite state: schema, durability settings, and the
// atomic check-and-persist that spec/c2sp-tlog-witness.md §add-checkpoint
// requires.
#include "witness/state_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <latch>
#include <string>
#include <thread>
#include <vector>

namespace mtc::witness {
namespace {

class StateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mtc-witness-state-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/witness.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A pragma's value as text, read over a separate connection.
  std::string Pragma(const std::string& name) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    std::string sql = "PRAGMA " + name;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr), SQLITE_OK);
    std::string out;
    if (sqlite3_step(s) == SQLITE_ROW) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    return out;
  }

  std::string dir_;
  std::string path_;
};

LogState State(uint64_t size, uint8_t fill) {
  LogState s;
  s.tree_size = size;
  s.root_hash.fill(fill);
  s.checkpoint = "checkpoint " + std::to_string(size) + "\n";
  return s;
}

StateStore::Decide Store(const LogState& state) {
  return
      [state](
          const std::optional<LogState>&) -> Result<std::optional<LogState>> {
        return std::optional<LogState>(state);
      };
}

TEST_F(StateStoreTest, CreatesSchemaInWalMode) {
  auto store = StateStore::Open(path_);
  ASSERT_TRUE(store.ok()) << store.error().ToString();
  EXPECT_EQ(Pragma("journal_mode"), "wal");
  EXPECT_EQ(Pragma("user_version"), "1");
  auto missing = (*store)->Get("example.com/log");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_F(StateStoreTest, UpdatesPersistAcrossReopen) {
  {
    auto store = StateStore::Open(path_).value();
    ASSERT_TRUE(store->Update("a", Store(State(5, 1))).ok());
    ASSERT_TRUE(store->Update("b", Store(State(UINT64_MAX, 2))).ok());
    ASSERT_TRUE(store->Update("a", Store(State(7, 3))).ok());
  }
  auto store = StateStore::Open(path_).value();
  EXPECT_EQ(**store->Get("a"), State(7, 3));
  // The whole uint64 range survives SQLite's signed integers.
  EXPECT_EQ(**store->Get("b"), State(UINT64_MAX, 2));
}

TEST_F(StateStoreTest, DecideSeesCurrentStateAndMayWriteNothing) {
  auto store = StateStore::Open(path_).value();
  std::vector<std::optional<LogState>> seen;
  auto observe = [&](const std::optional<LogState>& current)
      -> Result<std::optional<LogState>> {
    seen.push_back(current);
    return std::optional<LogState>();
  };
  ASSERT_TRUE(store->Update("a", observe).ok());
  ASSERT_TRUE(store->Update("a", Store(State(3, 4))).ok());
  ASSERT_TRUE(store->Update("a", observe).ok());
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_FALSE(seen[0].has_value());
  EXPECT_EQ(seen[1], State(3, 4));
  EXPECT_EQ(**store->Get("a"), State(3, 4));
}

TEST_F(StateStoreTest, ErrorFromDecideRollsBack) {
  auto store = StateStore::Open(path_).value();
  ASSERT_TRUE(store->Update("a", Store(State(3, 4))).ok());
  Status failed = store->Update(
      "a",
      [](const std::optional<LogState>&) -> Result<std::optional<LogState>> {
        return Error(ErrorCode::kInternal, "signing failed");
      });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message(), "signing failed");
  EXPECT_EQ(**store->Get("a"), State(3, 4));
  // The connection is usable afterwards (the transaction ended).
  ASSERT_TRUE(store->Update("a", Store(State(4, 4))).ok());
  EXPECT_EQ((*store->Get("a"))->tree_size, 4u);
}

TEST_F(StateStoreTest, RefusesNewerSchema) {
  { ASSERT_TRUE(StateStore::Open(path_).ok()); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db, "PRAGMA user_version = 2", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  auto store = StateStore::Open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), ErrorCode::kUnsupported);
}

TEST_F(StateStoreTest, UnopenablePathIsAnIoError) {
  auto store = StateStore::Open(dir_ + "/missing/dir/witness.db");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), ErrorCode::kIo);
}

// Several processes (here: threads with their own connections) opening a
// new file together all succeed: one creates the schema, and switching the
// file to WAL mode waits for the others instead of failing.
TEST_F(StateStoreTest, ConcurrentFirstOpensAllSucceed) {
  for (int file = 0; file < 25; file++) {
    std::string path = dir_ + "/fresh" + std::to_string(file) + ".db";
    constexpr int kOpeners = 6;
    std::latch start(kOpeners);
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kOpeners; i++) {
      threads.emplace_back([&] {
        start.arrive_and_wait();
        auto store = StateStore::Open(path);
        if (!store.ok()) {
          ADD_FAILURE() << store.error().ToString();
          failures++;
        }
      });
    }
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0) << path;
  }
}

// Read-modify-write increments from several threads over several
// connections to one file (as several witness processes would share it):
// none is lost, so no two updates ever started from the same stored value.
TEST_F(StateStoreTest, UpdatesAreAtomicAcrossConnections) {
  constexpr int kStores = 3;
  constexpr int kThreadsPerStore = 3;
  constexpr int kIncrements = 40;
  std::vector<std::unique_ptr<StateStore>> stores;
  for (int i = 0; i < kStores; i++) {
    stores.push_back(StateStore::Open(path_).value());
  }
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kStores * kThreadsPerStore; t++) {
    threads.emplace_back([&, t] {
      StateStore& store = *stores[t % kStores];
      for (int i = 0; i < kIncrements; i++) {
        Status s =
            store.Update("counter",
                         [](const std::optional<LogState>& current)
                             -> Result<std::optional<LogState>> {
                           uint64_t n = current ? current->tree_size : 0;
                           // Widen the window between read and write.
                           std::this_thread::yield();
                           return std::optional<LogState>(State(n + 1, 0));
                         });
        if (!s.ok()) failures++;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ((*stores[0]->Get("counter"))->tree_size,
            uint64_t{kStores * kThreadsPerStore * kIncrements});
}

}  // namespace
}  // namespace mtc::witness
