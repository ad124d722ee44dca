// Http01Responder: the client's side of the http-01 challenge (RFC 8555
// §8.3): an HTTP server that answers
//   GET /.well-known/acme-challenge/<token>
// with the key authorization registered for that token, and 404 for
// anything else. Shared by every order of a process (tokens are unique per
// challenge, §8.1, so one map serves them all).
#ifndef MTC_ACME_CLIENT_HTTP01_H_
#define MTC_ACME_CLIENT_HTTP01_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "mtc/base/result.h"
#include "net/http_server.h"

namespace mtc::acme::client {

inline constexpr std::string_view kAcmeChallengePath =
    "/.well-known/acme-challenge/";

class Http01Responder {
 public:
  // Listens on `listen` ("127.0.0.1:5002"; port 0 picks one) with
  // `threads` server threads. Errors as net::HttpServer::Start.
  static Result<std::unique_ptr<Http01Responder>> Start(std::string listen,
                                                        int threads = 2);

  Http01Responder(const Http01Responder&) = delete;
  Http01Responder& operator=(const Http01Responder&) = delete;
  ~Http01Responder();

  // Thread-safe.
  void Provide(const std::string& token, std::string key_authorization);
  void Withdraw(const std::string& token);

  uint16_t port() const;
  // Requests answered with a key authorization / with 404.
  uint64_t served() const { return served_.load(); }
  uint64_t not_found() const { return not_found_.load(); }

  void Stop();

 private:
  Http01Responder() = default;
  net::Response Handle(const net::Request& request);

  std::mutex mu_;
  std::unordered_map<std::string, std::string> answers_;  // guarded by mu_
  std::atomic<uint64_t> served_{0};
  std::atomic<uint64_t> not_found_{0};
  std::unique_ptr<net::HttpServer> server_;
};

}  // namespace mtc::acme::client

#endif  // MTC_ACME_CLIENT_HTTP01_H_
