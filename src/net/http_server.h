// HttpServer: an HTTP/1.1 server (RFC 9112) on Boost.Beast, optionally over
// TLS 1.3, for the ACME server, log serving and witnesses.
//
// One C++20 coroutine per connection on an Asio thread pool, as in Beast's
// examples; each connection runs on its own strand, so a handler never runs
// twice at once for one connection but does run concurrently for different
// connections. Every input is capped: request body, header block, time to
// read a request, idle time between requests, open connections.
//
//   ServerOptions options;
//   options.listen = "127.0.0.1:0";
//   auto server = HttpServer::Start(options, [](const Request& request) {
//     return TextResponse(200, "hello");
//   });
//   if (!server.ok()) ...;
//   uint16_t port = (*server)->port();
//   ...
//   (*server)->Stop();  // or let the destructor do it
#ifndef MTC_NET_HTTP_SERVER_H_
#define MTC_NET_HTTP_SERVER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mtc/base/result.h"
#include "net/http_message.h"

namespace mtc::net {

// PEM files for a TLS listener.
struct TlsFiles {
  std::string certificate_chain_file;  // leaf first, then intermediates
  std::string private_key_file;
};

struct ServerOptions {
  // "host:port" with an IP literal host ("127.0.0.1:14000", "[::1]:0");
  // port 0 picks a free port, which HttpServer::port() reports.
  std::string listen = "127.0.0.1:0";
  // Threads running the connections and handlers.
  int threads = 2;
  // A request whose body is longer gets 413 and the connection is closed.
  size_t max_body_bytes = size_t{1} << 20;
  // A request line plus header fields longer than this gets 431.
  size_t max_header_bytes = 16 * 1024;
  // From the first byte of a request (or the start of the TLS handshake)
  // until the whole request is read; a slower client is disconnected
  // without an answer (a 408 could not be trusted to arrive anyway).
  std::chrono::milliseconds read_timeout{10'000};
  // For writing one response.
  std::chrono::milliseconds write_timeout{10'000};
  // How long a kept-alive connection may wait for its next request.
  std::chrono::milliseconds idle_timeout{60'000};
  // Connections open at once. At the limit the server stops accepting (the
  // kernel's backlog queues newcomers) until one closes.
  size_t max_connections = 1024;
  // How long Stop() lets requests in progress finish before it closes their
  // connections.
  std::chrono::milliseconds shutdown_grace{5'000};
  // Serve HTTPS (TLS 1.3 only) with this certificate when set.
  std::optional<TlsFiles> tls;
  // Receives one line per event an operator should see: a handler that threw
  // or returned an invalid response. Default: standard error. Called from
  // the server's threads, possibly concurrently.
  std::function<void(std::string_view)> log;
};

// Counters since Start(), for metrics and tests.
struct ServerStats {
  uint64_t connections_accepted = 0;
  uint64_t connections_open = 0;
  uint64_t requests = 0;          // requests passed to the handler
  uint64_t bad_requests = 0;      // answered 400 or 431
  uint64_t bodies_too_large = 0;  // answered 413
  uint64_t read_timeouts = 0;     // disconnected mid-request
  uint64_t handler_failures = 0;  // answered 500 for the handler
  uint64_t tls_handshake_failures = 0;
};

class HttpServer {
 public:
  // Called on a server thread for every complete request. Keep it short and
  // non-blocking: it holds one of the pool's threads. The server sets
  // Content-Length, Connection and Date itself (any Content-Length,
  // Transfer-Encoding or Connection field the handler sets is dropped, but
  // "Connection: close" closes the connection after the response). For HEAD
  // the server sends the headers GET would get and no body. An exception or
  // an invalid response (status outside 200-599, a field name that is not a
  // token, a value with CR/LF/NUL) becomes 500 and a log line.
  using Handler = std::function<Response(const Request&)>;

  // Binds and listens, then starts the threads. Fails with kInvalidArgument
  // for a bad address or options or a private key that does not match the
  // certificate, kIo when the TLS files cannot be loaded, kUnavailable when
  // the address cannot be bound.
  static Result<std::unique_ptr<HttpServer>> Start(ServerOptions options,
                                                   Handler handler);

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  // Calls Stop().
  ~HttpServer();

  // The bound port and "host:port" address (useful after port 0).
  uint16_t port() const;
  std::string address() const;
  bool tls() const;

  ServerStats stats() const;

  // Graceful shutdown: closes the listener, closes idle connections, lets
  // requests in progress finish (their responses carry "Connection: close")
  // for up to shutdown_grace, then closes what is left and joins the
  // threads. Idempotent. Must not be called from a handler (it would wait
  // for itself); a handler that never returns makes it block forever.
  void Stop();

 private:
  class Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace mtc::net

#endif  // MTC_NET_HTTP_SERVER_H_
