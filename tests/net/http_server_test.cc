// HttpServer and HttpClient against each other on 127.0.0.1, plus raw
// sockets for what a well-behaved client never sends.
#include "net/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "net/http_client.h"
#include "net/net_testutil.h"

namespace mtc::net {
namespace {

using std::chrono::milliseconds;
using testing::CountOf;
using testing::RawConnection;
using testing::WaitFor;

constexpr milliseconds kWait{5000};  // bound for anything that should work

// The routes every test server has.
Response Route(const Request& request) {
  if (request.path == "/echo") {
    Response response =
        TextResponse(200, request.method + " " + request.path + " ?" +
                              request.query + " " + request.body);
    if (auto value = request.Header("x-test")) {
      response.AddHeader("X-Test-Echo", *value);
    }
    return response;
  }
  if (request.path == "/links") {
    // RFC 8555 §7.4.2: the certificate's "up" link and alternates, each its
    // own field.
    Response response = TextResponse(200, "links\n");
    response.AddHeader("Link", "<https://ca/chain/1>;rel=\"up\"");
    response.AddHeader("Link", "<https://ca/cert/1/alt>;rel=\"alternate\"");
    response.AddHeader(
        "Link", "<https://ca/cert/1/lr>;rel=\"acme-optional-alternate\"");
    return response;
  }
  if (request.path == "/throw") throw std::runtime_error("boom");
  if (request.path == "/bad-header") {
    Response response = TextResponse(200, "x");
    response.AddHeader("X-Injected", "a\r\nSet-Cookie: evil");
    return response;
  }
  if (request.path == "/bad-status") {
    Response response;
    response.status = 42;
    return response;
  }
  if (request.path == "/no-content") {
    Response response;
    response.status = 204;
    return response;
  }
  if (request.path == "/close") {
    Response response = TextResponse(200, "bye");
    response.AddHeader("Connection", "close");
    return response;
  }
  if (request.path == "/big")
    return TextResponse(200, std::string(100000, 'b'));
  if (request.path == "/sleep") {
    std::this_thread::sleep_for(milliseconds(300));
    return TextResponse(200, "slept");
  }
  return TextResponse(404, "not found\n");
}

class HttpServerTest : public ::testing::Test {
 protected:
  // Starts a server with `options` (listen address defaulting to
  // 127.0.0.1:0) and Route plus `extra` routes in front.
  void StartServer(ServerOptions options = {},
                   HttpServer::Handler extra = nullptr) {
    options.log = [this](std::string_view line) {
      std::lock_guard<std::mutex> lock(log_mu_);
      log_.emplace_back(line);
    };
    Result<std::unique_ptr<HttpServer>> server =
        HttpServer::Start(std::move(options), [extra](const Request& request) {
          if (extra) {
            Response response = extra(request);
            if (response.status != 404) return response;
          }
          return Route(request);
        });
    ASSERT_TRUE(server.ok()) << server.error().ToString();
    server_ = std::move(server).value();
  }

  std::string Url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) +
           std::string(path);
  }

  static HttpClient NewClient(ClientOptions options = {}) {
    Result<HttpClient> client = HttpClient::Create(std::move(options));
    EXPECT_TRUE(client.ok());
    return std::move(client).value();
  }

  std::vector<std::string> Log() {
    std::lock_guard<std::mutex> lock(log_mu_);
    return log_;
  }

  std::unique_ptr<HttpServer> server_;
  std::mutex log_mu_;
  std::vector<std::string> log_;
};

TEST_F(HttpServerTest, GetPostHead) {
  StartServer();
  EXPECT_FALSE(server_->tls());
  EXPECT_NE(server_->port(), 0);
  EXPECT_EQ(server_->address(), "127.0.0.1:" + std::to_string(server_->port()));
  HttpClient client = NewClient();

  Result<Response> get = client.Get(Url("/echo?a=1&b=2"), {{"X-Test", "hi"}});
  ASSERT_TRUE(get.ok()) << get.error().ToString();
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, "GET /echo ?a=1&b=2 ");
  EXPECT_EQ(get->Header("x-test-echo"), "hi");
  EXPECT_EQ(get->Header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(get->Header("content-length"), "19");
  EXPECT_TRUE(get->Header("date").has_value());

  Result<Response> post = client.Post(Url("/echo"), "payload");
  ASSERT_TRUE(post.ok()) << post.error().ToString();
  EXPECT_EQ(post->status, 200);
  EXPECT_EQ(post->body, "POST /echo ? payload");

  // HEAD: the GET's headers, Content-Length included, and no body.
  Result<Response> head = client.Head(Url("/echo?a=1&b=2"));
  ASSERT_TRUE(head.ok()) << head.error().ToString();
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->body, "");
  EXPECT_EQ(head->Header("content-length"), "20");  // "HEAD /echo ?a=1&b=2 "

  Result<Response> missing = client.Get(Url("/nowhere"));
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);

  Result<Response> no_content = client.Get(Url("/no-content"));
  ASSERT_TRUE(no_content.ok());
  EXPECT_EQ(no_content->status, 204);
  EXPECT_FALSE(no_content->Header("content-length").has_value());

  ServerStats stats = server_->stats();
  EXPECT_EQ(stats.requests, 5u);
  EXPECT_EQ(stats.connections_accepted, 1u);
}

TEST_F(HttpServerTest, KeepAliveReusesOneConnection) {
  StartServer();
  HttpClient client = NewClient();
  for (int i = 0; i < 10; ++i) {
    Result<Response> response = client.Get(Url("/big"));
    ASSERT_TRUE(response.ok()) << response.error().ToString();
    EXPECT_EQ(response->body.size(), 100000u);
  }
  EXPECT_EQ(client.connections_opened(), 1u);
  EXPECT_EQ(server_->stats().connections_accepted, 1u);
  EXPECT_EQ(server_->stats().requests, 10u);

  // "Connection: close" from the handler ends the connection; the next
  // request opens a new one.
  ASSERT_TRUE(client.Get(Url("/close")).ok());
  ASSERT_TRUE(client.Get(Url("/echo")).ok());
  EXPECT_EQ(client.connections_opened(), 2u);

  // A client that does not keep connections alive opens one per request.
  ClientOptions no_keep_alive;
  no_keep_alive.keep_alive = false;
  HttpClient once = NewClient(no_keep_alive);
  ASSERT_TRUE(once.Get(Url("/echo")).ok());
  ASSERT_TRUE(once.Get(Url("/echo")).ok());
  EXPECT_EQ(once.connections_opened(), 2u);
}

TEST_F(HttpServerTest, ReconnectsWhenTheServerClosedAnIdleConnection) {
  ServerOptions options;
  options.idle_timeout = milliseconds(100);
  StartServer(options);
  HttpClient client = NewClient();
  ASSERT_TRUE(client.Get(Url("/echo")).ok());
  std::this_thread::sleep_for(milliseconds(400));
  Result<Response> again = client.Post(Url("/echo"), "x");
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ(again->body, "POST /echo ? x");
  EXPECT_EQ(client.connections_opened(), 2u);
}

TEST_F(HttpServerTest, PipelinedRequestsOnOneConnection) {
  StartServer();
  RawConnection raw(server_->port());
  ASSERT_TRUE(raw.connected());
  ASSERT_TRUE(
      raw.Send("GET /echo?1 HTTP/1.1\r\nHost: x\r\n\r\n"
               "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
               "GET /echo?3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  std::string received = raw.ReadAll(kWait);
  EXPECT_TRUE(raw.peer_closed());
  EXPECT_EQ(CountOf(received, "HTTP/1.1 200 OK\r\n"), 3) << received;
  EXPECT_NE(received.find("GET /echo ?1 "), std::string::npos);
  EXPECT_NE(received.find("POST /echo ? abc"), std::string::npos);
  EXPECT_NE(received.find("GET /echo ?3 "), std::string::npos);
}

TEST_F(HttpServerTest, SeveralLinkFieldsAreSeparateLines) {
  StartServer();
  HttpClient client = NewClient();
  Result<Response> response = client.Get(Url("/links"));
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  std::vector<std::string> links;
  for (auto [it, end] = response->headers.equal_range("link"); it != end;
       ++it) {
    links.push_back(it->second);
  }
  EXPECT_EQ(links,
            (std::vector<std::string>{
                "<https://ca/chain/1>;rel=\"up\"",
                "<https://ca/cert/1/alt>;rel=\"alternate\"",
                "<https://ca/cert/1/lr>;rel=\"acme-optional-alternate\""}));

  // On the wire: three "Link:" lines, not one folded or comma-joined field.
  RawConnection raw(server_->port());
  ASSERT_TRUE(
      raw.Send("GET /links HTTP/1.1\r\nHost: x\r\n"
               "Connection: close\r\n\r\n"));
  std::string received = raw.ReadAll(kWait);
  EXPECT_EQ(CountOf(received, "\r\nLink: <"), 3) << received;
}

TEST_F(HttpServerTest, HandlerExceptionAndInvalidResponsesAre500) {
  StartServer();
  HttpClient client = NewClient();
  for (const char* path : {"/throw", "/bad-header", "/bad-status"}) {
    Result<Response> response = client.Get(Url(path));
    ASSERT_TRUE(response.ok()) << path << ": " << response.error().ToString();
    EXPECT_EQ(response->status, 500) << path;
    EXPECT_FALSE(response->Header("set-cookie").has_value()) << path;
  }
  // The connection survives a failed handler.
  EXPECT_EQ(client.connections_opened(), 1u);
  EXPECT_EQ(server_->stats().handler_failures, 3u);
  std::vector<std::string> log = Log();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_NE(log[0].find("GET /throw: handler threw: boom"), std::string::npos)
      << log[0];
  EXPECT_NE(log[1].find("bad value of header field X-Injected"),
            std::string::npos)
      << log[1];
  EXPECT_NE(log[2].find("status 42"), std::string::npos) << log[2];
}

TEST_F(HttpServerTest, BodyTooLargeIs413) {
  ServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(options);
  HttpClient client = NewClient();

  Result<Response> at_limit = client.Post(Url("/echo"), std::string(1024, 'a'));
  ASSERT_TRUE(at_limit.ok()) << at_limit.error().ToString();
  EXPECT_EQ(at_limit->status, 200);

  Result<Response> over = client.Post(Url("/echo"), std::string(4096, 'a'));
  ASSERT_TRUE(over.ok()) << over.error().ToString();
  EXPECT_EQ(over->status, 413);

  // A chunked body is counted as it arrives.
  RawConnection raw(server_->port());
  ASSERT_TRUE(
      raw.Send("POST /echo HTTP/1.1\r\nHost: x\r\n"
               "Transfer-Encoding: chunked\r\n\r\n"
               "400\r\n" +
               std::string(1024, 'a') + "\r\n1\r\nb\r\n0\r\n\r\n"));
  std::string received = raw.ReadAll(kWait);
  EXPECT_EQ(received.rfind("HTTP/1.1 413 Payload Too Large\r\n", 0), 0u)
      << received;
  EXPECT_TRUE(raw.peer_closed());
  EXPECT_TRUE(
      WaitFor([&] { return server_->stats().bodies_too_large == 2; }, kWait));
}

TEST_F(HttpServerTest, DefaultBodyLimitIsOneMebibyte) {
  StartServer();
  HttpClient client = NewClient();
  Result<Response> at_limit =
      client.Post(Url("/echo"), std::string(size_t{1} << 20, 'a'));
  ASSERT_TRUE(at_limit.ok()) << at_limit.error().ToString();
  EXPECT_EQ(at_limit->status, 200);
  // The server answers after the header; its lingering close reads the
  // rest so that the client gets to see the answer.
  Result<Response> over =
      client.Post(Url("/echo"), std::string((size_t{1} << 20) + 1, 'a'));
  ASSERT_TRUE(over.ok()) << over.error().ToString();
  EXPECT_EQ(over->status, 413);
}

TEST_F(HttpServerTest, Expect100Continue) {
  StartServer();
  RawConnection raw(server_->port());
  ASSERT_TRUE(
      raw.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4"
               "\r\nExpect: 100-continue\r\n\r\n"));
  std::string interim = raw.ReadUntilContains("\r\n\r\n", kWait);
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(raw.Send("body"));
  std::string final_response = raw.ReadUntilContains("body", kWait);
  EXPECT_EQ(final_response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u)
      << final_response;
}

TEST_F(HttpServerTest, MalformedRequestsAre400) {
  StartServer();
  const char* requests[] = {
      "GARBAGE\r\n\r\n",
      "GET / HTTP/1\r\nHost: x\r\n\r\n",
      "GET / HTTP/2.0\r\nHost: x\r\n\r\n",
      "GET /echo HTTP/1.1\r\nBad Field: x\r\n\r\n",
      "GET /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
      "Content-Length: 2\r\n\r\nab",
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n",
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "zz\r\n",
      "GET http://example.com/echo HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET * HTTP/1.1\r\nHost: x\r\n\r\n",
  };
  for (const char* request : requests) {
    RawConnection raw(server_->port());
    ASSERT_TRUE(raw.Send(request));
    std::string received = raw.ReadAll(kWait);
    EXPECT_EQ(received.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u)
        << request << " -> " << received;
    EXPECT_TRUE(raw.peer_closed()) << request;
  }
  EXPECT_TRUE(WaitFor(
      [&] { return server_->stats().bad_requests == std::size(requests); },
      kWait));
  EXPECT_EQ(server_->stats().requests, 0u);
}

TEST_F(HttpServerTest, HeaderTooLargeIs431) {
  ServerOptions options;
  options.max_header_bytes = 1024;
  StartServer(options);
  RawConnection raw(server_->port());
  ASSERT_TRUE(raw.Send("GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: " +
                       std::string(2000, 'x') + "\r\n\r\n"));
  std::string received = raw.ReadAll(kWait);
  EXPECT_EQ(received.rfind("HTTP/1.1 431 ", 0), 0u) << received;
}

TEST_F(HttpServerTest, SlowClientTimesOut) {
  ServerOptions options;
  options.read_timeout = milliseconds(300);
  StartServer(options);
  RawConnection raw(server_->port());
  auto start = std::chrono::steady_clock::now();
  // Half a request, then silence.
  ASSERT_TRUE(raw.Send("GET /echo HTTP/1.1\r\nHost: x\r\n"));
  std::string received = raw.ReadAll(kWait);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(raw.peer_closed());
  EXPECT_EQ(received, "");
  EXPECT_GE(elapsed, milliseconds(250));
  EXPECT_LT(elapsed, milliseconds(3000));
  EXPECT_TRUE(
      WaitFor([&] { return server_->stats().read_timeouts == 1; }, kWait));
  EXPECT_EQ(server_->stats().requests, 0u);

  // A client that trickles bytes does not extend the deadline.
  RawConnection trickle(server_->port());
  start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20 && trickle.Send("X"); ++i) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  trickle.ReadAll(kWait);
  EXPECT_TRUE(trickle.peer_closed());
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(3000));
  EXPECT_TRUE(
      WaitFor([&] { return server_->stats().read_timeouts == 2; }, kWait));
}

TEST_F(HttpServerTest, IdleConnectionsAreClosed) {
  ServerOptions options;
  options.idle_timeout = milliseconds(200);
  options.read_timeout = milliseconds(5000);
  StartServer(options);
  RawConnection raw(server_->port());
  ASSERT_TRUE(raw.Send("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto start = std::chrono::steady_clock::now();
  std::string received = raw.ReadAll(kWait);
  EXPECT_TRUE(raw.peer_closed());
  EXPECT_EQ(received.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(3000));
}

TEST_F(HttpServerTest, ConcurrentRequestsFromSeveralThreads) {
  ServerOptions options;
  options.threads = 4;
  StartServer(options);
  constexpr int kThreads = 8;
  constexpr int kRequestsEach = 25;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      HttpClient client = NewClient();
      for (int i = 0; i < kRequestsEach; ++i) {
        std::string body = std::to_string(t) + "-" + std::to_string(i);
        Result<Response> response = client.Post(Url("/echo"), body);
        if (response.ok() && response->status == 200 &&
            response->body == "POST /echo ? " + body) {
          ++ok;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(ok, kThreads * kRequestsEach);
  ServerStats stats = server_->stats();
  EXPECT_EQ(stats.requests, uint64_t{kThreads * kRequestsEach});
  EXPECT_EQ(stats.connections_accepted, uint64_t{kThreads});
}

TEST_F(HttpServerTest, HandlersRunInParallel) {
  ServerOptions options;
  options.threads = 4;
  StartServer(options);
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      HttpClient client = NewClient();
      Result<Response> response = client.Get(Url("/sleep"));
      if (response.ok() && response->status == 200) ++ok;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(ok, 4);
  // Four 300 ms handlers on four threads: well under 4 x 300 ms.
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1000));
}

TEST_F(HttpServerTest, ConnectionLimitQueuesNewcomers) {
  ServerOptions options;
  options.max_connections = 1;
  StartServer(options);
  auto first = std::make_unique<RawConnection>(server_->port());
  ASSERT_TRUE(first->Send("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_NE(first->ReadUntilContains("GET /echo", kWait).find("200 OK"),
            std::string::npos);

  // The second connection sits in the backlog: no answer while the first
  // is open...
  ClientOptions quick;
  quick.timeout = milliseconds(300);
  HttpClient client = NewClient(quick);
  Result<Response> blocked = client.Get(Url("/echo"));
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().code(), ErrorCode::kUnavailable)
      << blocked.error().ToString();

  // ...and is served once it closes.
  first.reset();
  ClientOptions patient;
  patient.timeout = kWait;
  HttpClient second = NewClient(patient);
  Result<Response> served = second.Get(Url("/echo"));
  ASSERT_TRUE(served.ok()) << served.error().ToString();
  EXPECT_EQ(served->status, 200);
}

TEST_F(HttpServerTest, StopFinishesRequestsInProgress) {
  std::atomic<bool> entered{false};
  StartServer({}, [&](const Request& request) {
    if (request.path != "/slow") return TextResponse(404, "");
    entered = true;
    std::this_thread::sleep_for(milliseconds(300));
    return TextResponse(200, "done");
  });
  uint16_t port = server_->port();
  HttpClient idle_client = NewClient();
  ASSERT_TRUE(idle_client.Get(Url("/echo")).ok());  // an idle connection

  std::optional<Result<Response>> slow;
  std::thread request([&] {
    HttpClient client = NewClient();
    slow = client.Get(Url("/slow"));
  });
  for (int i = 0; i < 500 && !entered; ++i) {
    std::this_thread::sleep_for(milliseconds(2));
  }
  ASSERT_TRUE(entered);
  auto start = std::chrono::steady_clock::now();
  server_->Stop();
  // The idle connection did not hold Stop() up for the grace period.
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2000));
  request.join();
  ASSERT_TRUE(slow.has_value());
  ASSERT_TRUE(slow->ok()) << slow->error().ToString();
  EXPECT_EQ((*slow)->body, "done");
  EXPECT_EQ((*slow)->Header("connection"), "close");

  // Nothing listens any more.
  EXPECT_FALSE(idle_client.Get(Url("/echo")).ok());
  RawConnection raw(port);
  EXPECT_FALSE(raw.connected());
  server_->Stop();  // idempotent
}

TEST_F(HttpServerTest, StopClosesStuckConnectionsAfterTheGrace) {
  ServerOptions options;
  options.shutdown_grace = milliseconds(200);
  options.read_timeout = milliseconds(60000);
  StartServer(options);
  RawConnection raw(server_->port());
  ASSERT_TRUE(raw.Send("GET /echo HTTP/1.1\r\n"));  // mid-request forever
  std::this_thread::sleep_for(milliseconds(50));
  auto start = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2000));
  raw.ReadAll(kWait);
  EXPECT_TRUE(raw.peer_closed());
}

TEST_F(HttpServerTest, Http10ClosesUnlessKeptAlive) {
  StartServer();
  RawConnection raw(server_->port());
  ASSERT_TRUE(raw.Send("GET /echo HTTP/1.0\r\n\r\n"));
  std::string received = raw.ReadAll(kWait);
  EXPECT_TRUE(raw.peer_closed());
  EXPECT_EQ(received.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << received;
}

TEST_F(HttpServerTest, Ipv6Loopback) {
  ServerOptions options;
  options.listen = "[::1]:0";
  Result<std::unique_ptr<HttpServer>> server =
      HttpServer::Start(options, Route);
  if (!server.ok())
    GTEST_SKIP() << "no ::1 here: " << server.error().ToString();
  EXPECT_EQ((*server)->address(), "[::1]:" + std::to_string((*server)->port()));
  HttpClient client = NewClient();
  Result<Response> response =
      client.Get("http://[::1]:" + std::to_string((*server)->port()) + "/echo");
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->status, 200);
}

TEST(HttpServerStartTest, RejectsBadOptions) {
  for (const char* listen : {"nonsense", "localhost:0", "127.0.0.1"}) {
    ServerOptions options;
    options.listen = listen;
    Result<std::unique_ptr<HttpServer>> server =
        HttpServer::Start(options, Route);
    ASSERT_FALSE(server.ok()) << listen;
    EXPECT_EQ(server.error().code(), ErrorCode::kInvalidArgument) << listen;
  }
  ServerOptions no_threads;
  no_threads.threads = 0;
  EXPECT_FALSE(HttpServer::Start(no_threads, Route).ok());
  EXPECT_FALSE(HttpServer::Start({}, nullptr).ok());
}

TEST(HttpServerStartTest, PortInUseIsUnavailable) {
  Result<std::unique_ptr<HttpServer>> first = HttpServer::Start({}, Route);
  ASSERT_TRUE(first.ok());
  ServerOptions options;
  options.listen = (*first)->address();
  Result<std::unique_ptr<HttpServer>> second =
      HttpServer::Start(options, Route);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(second.error().message().find("bind"), std::string::npos);
}

TEST_F(HttpServerTest, ClientErrors) {
  StartServer();
  HttpClient client = NewClient();

  Result<Response> bad_url = client.Get("ftp://127.0.0.1/");
  ASSERT_FALSE(bad_url.ok());
  EXPECT_EQ(bad_url.error().code(), ErrorCode::kInvalidArgument);

  Result<Response> bad_header =
      client.Get(Url("/echo"), {{"X-Test", "a\r\nInjected: 1"}});
  ASSERT_FALSE(bad_header.ok());
  EXPECT_EQ(bad_header.error().code(), ErrorCode::kInvalidArgument);
  Result<Response> framing =
      client.Get(Url("/echo"), {{"Content-Length", "5"}});
  ASSERT_FALSE(framing.ok());
  EXPECT_EQ(framing.error().code(), ErrorCode::kInvalidArgument);

  ClientOptions small;
  small.max_response_body_bytes = 1000;
  HttpClient limited = NewClient(small);
  Result<Response> too_big = limited.Get(Url("/big"));
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().code(), ErrorCode::kOutOfRange);

  ClientRequest slow;
  slow.url = Url("/sleep");
  slow.timeout = milliseconds(100);
  auto start = std::chrono::steady_clock::now();
  Result<Response> timed_out = client.Do(slow);
  ASSERT_FALSE(timed_out.ok());
  EXPECT_EQ(timed_out.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(timed_out.error().message().find("timed out"), std::string::npos)
      << timed_out.error().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(280));

  std::string url = Url("/echo");
  server_->Stop();
  Result<Response> refused = client.Get(url);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kUnavailable)
      << refused.error().ToString();
  EXPECT_NE(refused.error().message().find("GET " + url), std::string::npos);
}

}  // namespace
}  // namespace mtc::net
