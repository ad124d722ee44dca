// The LogStateStore contract (log/storage.h, log/store_rules.h): one set of
// tests every implementation passes. A test binary includes this header in
// exactly one .cc file and instantiates the suite with factories of fresh,
// empty stores:
//
//   INSTANTIATE_TEST_SUITE_P(Stores, StateStoreContractTest,
//                            ::testing::Values(MyFactory()),
//                            StateStoreFactoryName);
//
// tests/log/state_store_test.cc runs it on SQLite and memory,
// tests/pg/postgres_state_store_test.cc on PostgreSQL.
#ifndef MTC_TESTS_LOG_STATE_STORE_CONTRACT_H_
#define MTC_TESTS_LOG_STATE_STORE_CONTRACT_H_

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "log/storage.h"
#include "mtc/merkle/hash.h"

namespace mtc::log::testing {

inline TreeHead Head(uint64_t size, uint8_t fill) {
  TreeHead head;
  head.size = size;
  head.root.fill(fill);
  return head;
}

inline const TreeHead kEmpty{0, merkle::EmptyTreeHash()};

// Makes a fresh, empty store; `cleanup` (if set) runs after the test.
struct StateStoreFactory {
  std::string name;
  std::function<std::unique_ptr<LogStateStore>(std::function<void()>* cleanup)>
      make;
};

inline void PrintTo(const StateStoreFactory& factory, std::ostream* os) {
  *os << factory.name;
}

inline std::string StateStoreFactoryName(
    const ::testing::TestParamInfo<StateStoreFactory>& info) {
  return info.param.name;
}

class StateStoreContractTest
    : public ::testing::TestWithParam<StateStoreFactory> {
 protected:
  void SetUp() override {
    store_ = GetParam().make(&cleanup_);
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override {
    store_.reset();
    if (cleanup_) cleanup_();
  }

  std::unique_ptr<LogStateStore> store_;
  std::function<void()> cleanup_;
};

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

}  // namespace mtc::log::testing

#endif  // MTC_TESTS_LOG_STATE_STORE_CONTRACT_H_
