// HttpClient: a small blocking HTTP/1.1 client (RFC 9112) for tests and for
// the CA's calls to witnesses (C2SP tlog-witness add-checkpoint and
// sign-subtree).
//
// Each call runs on a private io_context in the calling thread and finishes
// within its timeout. One kept-alive connection to the last origin is
// reused; a GET or HEAD that fails on a reused connection before any byte of
// the response arrived is retried once on a new one (the server may have
// closed the idle connection just then).
//
// An HTTP error status is not an error: Get() returns a Response with
// status 404. Errors are for what prevented an answer:
//   kInvalidArgument  bad URL or header fields
//   kUnavailable      connection refused or reset, timeout, name not found
//   kVerificationFailed  the server's TLS certificate is not trusted
//   kOutOfRange       the response body exceeds max_response_body_bytes
//   kMalformed        the response does not parse
//   kIo               other transport failures
#ifndef MTC_NET_HTTP_CLIENT_H_
#define MTC_NET_HTTP_CLIENT_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mtc/base/result.h"
#include "net/http_message.h"

namespace mtc::net {

struct ClientOptions {
  // PEM certificates trusted for https:// URLs; empty means OpenSSL's
  // default locations. TLS 1.3 only, as HttpServer.
  std::string ca_file;
  // Whole-request deadline (connect, TLS handshake, write, read) unless a
  // ClientRequest sets its own.
  std::chrono::milliseconds timeout{10'000};
  size_t max_response_body_bytes = size_t{8} << 20;
  size_t max_response_header_bytes = 64 * 1024;
  // Keep the connection for the next request to the same origin.
  bool keep_alive = true;
  std::string user_agent = "mtc";
};

struct ClientRequest {
  std::string method = "GET";
  std::string url;  // "http://host:port/path?query" or "https://..."
  // Extra fields. Host and User-Agent replace the defaults; Content-Length,
  // Transfer-Encoding and Connection are the client's (kInvalidArgument).
  Headers headers;
  std::string body;
  std::optional<std::chrono::milliseconds> timeout;  // else the client's
};

// Not thread-safe for concurrent calls from several threads: calls are
// serialized by a mutex, so share one only where that is acceptable; give
// each thread its own for parallel requests.
class HttpClient {
 public:
  // Fails with kIo when the CA file cannot be loaded. Without a CA file,
  // OpenSSL's default trust is loaded once per process, at the first
  // https:// request (a client that only speaks http:// never loads it).
  static Result<HttpClient> Create(ClientOptions options = {});

  HttpClient(HttpClient&& other) noexcept;
  HttpClient& operator=(HttpClient&& other) noexcept;
  ~HttpClient();

  Result<Response> Do(const ClientRequest& request);

  Result<Response> Get(std::string_view url, const Headers& headers = {});
  Result<Response> Head(std::string_view url, const Headers& headers = {});
  Result<Response> Post(std::string_view url, std::string body,
                        const Headers& headers = {});

  // Connections opened so far (a test of keep-alive reuse).
  uint64_t connections_opened() const;

 private:
  class Impl;
  explicit HttpClient(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

// Up to `size` HttpClients (so up to `size` kept-alive connections) shared
// by any number of threads: Do() borrows an idle client, makes a new one
// while fewer than `size` exist, or waits for one to come back. For a load
// generator whose thousand issuances in flight mostly wait, so that it needs
// far fewer connections than threads. Thread-safe.
class HttpClientPool {
 public:
  // Fails as HttpClient::Create; kInvalidArgument for size 0.
  static Result<std::shared_ptr<HttpClientPool>> Create(ClientOptions options,
                                                        size_t size);

  HttpClientPool(const HttpClientPool&) = delete;
  HttpClientPool& operator=(const HttpClientPool&) = delete;

  Result<Response> Do(const ClientRequest& request);

  // Connections opened so far by all the pool's clients.
  uint64_t connections_opened() const;

 private:
  HttpClientPool(ClientOptions options, size_t size);

  const ClientOptions options_;
  const size_t size_;
  mutable std::mutex mu_;
  std::condition_variable returned_;
  // Every client made, kept until the pool goes; guarded by mu_ (the
  // clients themselves are used by one borrower at a time).
  std::vector<std::unique_ptr<HttpClient>> clients_;
  std::vector<HttpClient*> idle_;  // guarded by mu_
};

}  // namespace mtc::net

#endif  // MTC_NET_HTTP_CLIENT_H_
