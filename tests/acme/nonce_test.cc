#include "acme/nonce.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "mtc/wire/base64.h"

namespace mtc::acme {
namespace {

using namespace std::chrono_literals;

// A clock the test moves by hand.
struct FakeClock {
  NoncePool::Clock::time_point t{std::chrono::hours(1)};
  std::function<NoncePool::Clock::time_point()> Fn() {
    return [this] { return t; };
  }
};

TEST(NoncePoolTest, NonceIsBase64urlOf128Bits) {
  NoncePool pool;
  std::string nonce = pool.Issue();
  // RFC 8555 §6.5.1: Replay-Nonce = 1*base64url.
  EXPECT_EQ(nonce.size(), 22u);
  auto bytes = wire::Base64UrlDecode(nonce);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->size(), 16u);
}

TEST(NoncePoolTest, NoncesAreDistinct) {
  NoncePool pool;
  std::set<std::string> seen;
  for (int i = 0; i < 10'000; i++)
    EXPECT_TRUE(seen.insert(pool.Issue()).second);
}

TEST(NoncePoolTest, SingleUse) {
  NoncePool pool;
  std::string a = pool.Issue();
  std::string b = pool.Issue();
  EXPECT_TRUE(pool.Consume(b));
  EXPECT_FALSE(pool.Consume(b));
  EXPECT_TRUE(pool.Consume(a));
  EXPECT_FALSE(pool.Consume(a));
  EXPECT_EQ(pool.size(), 0u);
}

TEST(NoncePoolTest, UnknownNonce) {
  NoncePool pool;
  std::string issued = pool.Issue();
  EXPECT_FALSE(pool.Consume(""));
  EXPECT_FALSE(pool.Consume("AAAAAAAAAAAAAAAAAAAAAA"));
  EXPECT_FALSE(pool.Consume(issued.substr(1)));
  // Another pool (a restarted server) never issued it.
  NoncePool restarted;
  EXPECT_FALSE(restarted.Consume(issued));
  EXPECT_TRUE(pool.Consume(issued));
}

TEST(NoncePoolTest, Expiry) {
  FakeClock clock;
  NoncePool pool({.capacity = 100, .max_age = 10s, .now = clock.Fn()});
  std::string old_nonce = pool.Issue();
  clock.t += 6s;
  std::string young = pool.Issue();
  std::string young2 = pool.Issue();
  clock.t += 4s;  // old_nonce is exactly max_age old: still good
  EXPECT_TRUE(pool.Consume(old_nonce));
  std::string other_old = pool.Issue();
  clock.t += 10s + 1ns;  // young and young2 are 14 s old; other_old 10 s + 1 ns
  EXPECT_FALSE(pool.Consume(young));
  EXPECT_FALSE(pool.Consume(other_old));
  EXPECT_FALSE(pool.Consume(young2));
  EXPECT_EQ(pool.size(), 0u);
}

TEST(NoncePoolTest, ExpiredNonceAlsoRejectedWhenNotYetDropped) {
  // The entry expires between Issue and Consume with no other activity.
  FakeClock clock;
  NoncePool pool({.capacity = 100, .max_age = 1s, .now = clock.Fn()});
  std::string nonce = pool.Issue();
  clock.t += 2s;
  EXPECT_FALSE(pool.Consume(nonce));
}

TEST(NoncePoolTest, CapacityDropsOldest) {
  NoncePool pool({.capacity = 3});
  std::vector<std::string> nonces;
  for (int i = 0; i < 5; i++) nonces.push_back(pool.Issue());
  EXPECT_EQ(pool.size(), 3u);
  EXPECT_FALSE(pool.Consume(nonces[0]));
  EXPECT_FALSE(pool.Consume(nonces[1]));
  EXPECT_TRUE(pool.Consume(nonces[2]));
  EXPECT_TRUE(pool.Consume(nonces[3]));
  EXPECT_TRUE(pool.Consume(nonces[4]));
}

TEST(NoncePoolTest, MemoryStaysBoundedUnderLoad) {
  NoncePool pool({.capacity = 1000});
  for (int i = 0; i < 20'000; i++) pool.Issue();
  EXPECT_EQ(pool.size(), 1000u);
}

TEST(NoncePoolTest, ConcurrentConsumeSucceedsOnce) {
  NoncePool pool;
  constexpr int kNonces = 2000;
  std::vector<std::string> nonces;
  for (int i = 0; i < kNonces; i++) nonces.push_back(pool.Issue());
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&] {
      for (const std::string& n : nonces) {
        if (pool.Consume(n)) accepted++;
        pool.Issue();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(accepted.load(), kNonces);
}

}  // namespace
}  // namespace mtc::acme
