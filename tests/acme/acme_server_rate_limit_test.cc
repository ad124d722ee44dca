// The per-account newOrder rate limit (RFC 8555 §6.6: "rateLimited" with
// Retry-After), driven through the server's handlers.
#include <ctime>

#include "acme_server_fixture.h"

namespace mtc::acme::testing {
namespace {

constexpr int kLimit = 3;

class AcmeRateLimitTest : public AcmeServerTest {
 protected:
  void Configure(AcmeServerOptions& options) override {
    options.orders_per_account_per_minute = kLimit;
  }

  net::Response NewOrder(const TestKey& key, const std::string& kid) {
    return Send(key, kid, "/acme/new-order",
                R"({"identifiers":[{"type":"dns","value":"a.example"}]})");
  }

  // The limit counts per wall-clock minute: start well inside one, so that
  // the requests of a test share their window (waits 10 s at most).
  static void StartOfAWindow() {
    for (int i = 0; i < 110 && std::time(nullptr) % 60 >= 50; i++) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
};

// RFC 8555 §6.6: beyond the limit, 429 "urn:ietf:params:acme:error:
// rateLimited", and Retry-After says when to try again (RFC 7231 §7.1.3:
// delay-seconds); the limit is the account's alone.
TEST_F(AcmeRateLimitTest, OrderBeyondTheLimitIsRateLimitedWithRetryAfter) {
  TestKey a, b;
  std::string kid_a = NewAccount(a);
  std::string kid_b = NewAccount(b);
  StartOfAWindow();
  for (int i = 0; i < kLimit; i++) {
    net::Response r = NewOrder(a, kid_a);
    EXPECT_EQ(r.status, 201) << i << ": " << r.body;
  }
  net::Response limited = NewOrder(a, kid_a);
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_EQ(limited.Header("Content-Type"), "application/problem+json");
  EXPECT_EQ(Body(limited)["type"], "urn:ietf:params:acme:error:rateLimited");
  EXPECT_EQ(Body(limited)["status"], 429);
  auto retry_after = limited.Header("Retry-After");
  ASSERT_TRUE(retry_after.has_value());
  int seconds = std::stoi(std::string(*retry_after));
  EXPECT_GE(seconds, 1);
  EXPECT_LE(seconds, 60);
  // §6.5: a rejected request still carries a fresh nonce.
  EXPECT_TRUE(limited.Header("Replay-Nonce").has_value());
  // Refused requests do not count against the next window, and other
  // accounts keep their own limit.
  for (int i = 0; i < kLimit; i++) {
    net::Response r = NewOrder(b, kid_b);
    EXPECT_EQ(r.status, 201) << i << ": " << r.body;
  }
  EXPECT_EQ(NewOrder(b, kid_b).status, 429);
  EXPECT_EQ(NewOrder(a, kid_a).status, 429);
  // Other requests of a limited account are not limited.
  EXPECT_EQ(Send(a, kid_a, PathOf(kid_a), "").status, 200);
}

// The default, 0, is no limit at all.
TEST_F(AcmeServerTest, NoRateLimitByDefault) {
  TestKey a;
  std::string kid = NewAccount(a);
  for (int i = 0; i < 12; i++) {
    net::Response r =
        Send(a, kid, "/acme/new-order",
             R"({"identifiers":[{"type":"dns","value":"a.example"}]})");
    ASSERT_EQ(r.status, 201) << i << ": " << r.body;
  }
}

}  // namespace
}  // namespace mtc::acme::testing
