// HttpClientPool: many threads, few kept-alive connections, on 127.0.0.1.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "net/http_client.h"
#include "net/http_server.h"

namespace mtc::net {
namespace {

class HttpClientPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.threads = 2;
    Result<std::unique_ptr<HttpServer>> server =
        HttpServer::Start(options, [](const Request& request) {
          // Long enough that requests of several threads overlap.
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
          return TextResponse(200, request.body);
        });
    ASSERT_TRUE(server.ok()) << server.error().ToString();
    server_ = std::move(server).value();
  }

  std::string Url() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/echo";
  }

  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpClientPoolTest, ManyThreadsShareAtMostSizeConnections) {
  auto pool = HttpClientPool::Create({}, 3);
  ASSERT_TRUE(pool.ok()) << pool.error().ToString();
  constexpr int kThreads = 12;
  constexpr int kRequests = 10;
  std::atomic<int> answered{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRequests; ++i) {
        ClientRequest request;
        request.method = "POST";
        request.url = Url();
        request.body = std::to_string(t) + "/" + std::to_string(i);
        Result<Response> response = (*pool)->Do(request);
        ASSERT_TRUE(response.ok()) << response.error().ToString();
        EXPECT_EQ(response->status, 200);
        // Each answer is the one to this thread's own request.
        EXPECT_EQ(response->body, request.body);
        ++answered;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(answered.load(), kThreads * kRequests);
  EXPECT_LE((*pool)->connections_opened(), 3u);
  EXPECT_GE((*pool)->connections_opened(), 1u);
  EXPECT_LE(server_->stats().connections_accepted, 3u);
  EXPECT_EQ(server_->stats().requests,
            static_cast<uint64_t>(kThreads * kRequests));
}

TEST_F(HttpClientPoolTest, RefusesSizeZeroAndABadCaFile) {
  EXPECT_EQ(HttpClientPool::Create({}, 0).error().code(),
            ErrorCode::kInvalidArgument);
  ClientOptions options;
  options.ca_file = "/nonexistent/ca.pem";
  EXPECT_EQ(HttpClientPool::Create(options, 2).error().code(), ErrorCode::kIo);
}

}  // namespace
}  // namespace mtc::net
