#include "net/http_server.h"

#include <time.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "net/tls_context.h"
#include "net/url.h"

namespace mtc::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// After an error response, how long and how much we read and discard before
// closing, so that the client's unread request does not make our kernel
// send a reset that destroys the response before the client reads it
// (RFC 9112 §9.6 "tear-down").
constexpr std::chrono::milliseconds kLingerTime{1000};
constexpr size_t kLingerBytes = size_t{16} << 20;
// Time for our TLS close_notify to go out.
constexpr std::chrono::milliseconds kTlsCloseTime{1000};
// How long Stop() waits after closing connections by force.
constexpr std::chrono::milliseconds kForceCloseWait{2000};
// Backoff after a failed accept (e.g. out of file descriptors).
constexpr std::chrono::milliseconds kAcceptBackoff{100};

// error_code completion instead of exceptions, as in Beast's examples.
auto Await(error_code& ec) {
  return asio::redirect_error(asio::use_awaitable, ec);
}

// An IMF-fixdate (RFC 9110 §5.6.7), without locale-dependent strftime.
std::string HttpDate() {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed",
                                          "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr",
                                            "May", "Jun", "Jul", "Aug",
                                            "Sep", "Oct", "Nov", "Dec"};
  time_t now = time(nullptr);
  struct tm tm;
  gmtime_r(&now, &tm);
  char buf[40];
  snprintf(buf, sizeof(buf), "%s, %02d %s %04d %02d:%02d:%02d GMT",
           kDays[tm.tm_wday], tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900,
           tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

// Returns "" when `response` can go on the wire, else what is wrong.
std::string CheckResponse(const Response& response) {
  if (response.status < 200 || response.status > 599) {
    return "status " + std::to_string(response.status) + " out of 200-599";
  }
  for (const auto& [name, value] : response.headers) {
    if (!IsValidFieldName(name)) return "bad header field name";
    if (!IsValidFieldValue(value)) return "bad value of header field " + name;
  }
  return "";
}

Request ToRequest(http::request<http::string_body>&& message,
                  std::string remote_address) {
  Request request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  size_t question = request.target.find('?');
  request.path = request.target.substr(0, question);
  if (question != std::string::npos) {
    request.query = request.target.substr(question + 1);
  }
  for (const auto& field : message) {
    request.headers.emplace(std::string(field.name_string()),
                            std::string(field.value()));
  }
  request.body = std::move(message.body());
  request.remote_address = std::move(remote_address);
  return request;
}

// Only origin-form targets (RFC 9112 §3.2.1) reach handlers: what every
// client sends to an origin server; handlers match on paths. (Beast itself
// rejects HTTP versions other than 1.0 and 1.1.)
bool IsOriginForm(beast::string_view target) {
  return !target.empty() && target.front() == '/';
}

bool ExpectsContinue(const http::request<http::string_body>& message) {
  auto it = message.find(http::field::expect);
  return it != message.end() && beast::iequals(it->value(), "100-continue");
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(ServerOptions options, Handler handler)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        work_(asio::make_work_guard(ioc_)) {}

  Status Configure();
  void Run();
  void Stop();

  uint16_t port() const { return local_.port(); }
  std::string address() const {
    return FormatHostPort(local_.address().to_string(), local_.port());
  }
  bool tls() const { return ssl_context_ != nullptr; }
  ServerStats stats() const;

 private:
  // One accepted connection, shared between its coroutine and Stop().
  struct Connection {
    uint64_t id = 0;
    asio::any_io_executor strand;
    // The connection's TCP stream while its coroutine runs, and whether it
    // is waiting for the first byte of a request. Touched only on `strand`.
    beast::tcp_stream* tcp = nullptr;
    bool idle = false;
  };
  // Publishes a coroutine's stream in its Connection for its lifetime.
  class StreamScope {
   public:
    StreamScope(Connection& connection, beast::tcp_stream& tcp)
        : connection_(connection) {
      connection_.tcp = &tcp;
    }
    ~StreamScope() { connection_.tcp = nullptr; }

   private:
    Connection& connection_;
  };

  asio::awaitable<void> AcceptLoop();
  asio::awaitable<void> RunConnection(std::shared_ptr<Connection> connection,
                                      tcp::socket socket);
  template <typename Stream>
  asio::awaitable<void> ServeRequests(Stream& stream, Connection& connection,
                                      const std::string& remote);
  template <typename Stream>
  asio::awaitable<void> WriteResponse(Stream& stream, Response response,
                                      unsigned version, bool head,
                                      bool keep_alive, error_code& ec);
  template <typename Stream>
  asio::awaitable<void> RejectRequest(Stream& stream, int status);

  Response CallHandler(const Request& request);
  // The status to answer a failed read with, or 0 to close silently.
  int StatusForReadError(const error_code& ec);

  std::shared_ptr<Connection> Register(tcp::socket& socket);
  void Unregister(uint64_t id);
  size_t OpenConnections();
  // Runs `f` on the strand of every open connection.
  void ForEachConnection(void (*f)(Connection&));
  bool WaitClosed(std::chrono::milliseconds timeout);
  void Log(const std::string& line);

  const ServerOptions options_;
  const Handler handler_;

  // Declared before ioc_ so that it outlives coroutine frames that the
  // io_context destroys.
  std::unique_ptr<asio::ssl::context> ssl_context_;

  // Guards connections_, next_id_ and accept_done_; cv_ signals changes.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<uint64_t, std::shared_ptr<Connection>> connections_;
  uint64_t next_id_ = 1;
  bool accept_done_ = false;

  std::atomic<bool> stopping_{false};
  std::mutex stop_mu_;    // serializes Stop()
  bool stopped_ = false;  // guarded by stop_mu_

  std::atomic<uint64_t> connections_accepted_{0};
  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> bad_requests_{0};
  std::atomic<uint64_t> bodies_too_large_{0};
  std::atomic<uint64_t> read_timeouts_{0};
  std::atomic<uint64_t> handler_failures_{0};
  std::atomic<uint64_t> tls_handshake_failures_{0};

  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  // The acceptor and slot_timer_ belong to AcceptLoop and are touched only
  // on accept_strand_. slot_timer_ wakes the loop when a connection closes.
  asio::strand<asio::io_context::executor_type> accept_strand_{
      ioc_.get_executor()};
  tcp::acceptor acceptor_{accept_strand_};
  asio::steady_timer slot_timer_{accept_strand_};
  tcp::endpoint local_;  // set before the threads start, then read-only
  std::vector<std::thread> threads_;
};

Status HttpServer::Impl::Configure() {
  if (!handler_) {
    return Error(ErrorCode::kInvalidArgument, "HttpServer needs a handler");
  }
  if (options_.threads < 1 || options_.max_connections < 1 ||
      options_.max_header_bytes < 1 ||
      options_.max_header_bytes > std::numeric_limits<uint32_t>::max()) {
    return Error(ErrorCode::kInvalidArgument,
                 "HttpServer options: threads, max_connections and "
                 "max_header_bytes must be positive");
  }
  MTC_ASSIGN_OR_RETURN(HostPort host_port, ParseHostPort(options_.listen));
  error_code ec;
  asio::ip::address ip = asio::ip::make_address(host_port.host, ec);
  if (ec) {
    return Error(ErrorCode::kInvalidArgument,
                 "listen address must be an IP literal: " + options_.listen);
  }
  if (options_.tls) {
    MTC_ASSIGN_OR_RETURN(ssl_context_, internal::MakeServerTlsContext(
                                           options_.tls->certificate_chain_file,
                                           options_.tls->private_key_file));
  }
  tcp::endpoint endpoint(ip, host_port.port);
  auto fail = [&](std::string_view step) {
    return Error(
        ErrorCode::kUnavailable,
        std::string(step) + " " + options_.listen + ": " + ec.message());
  };
  if (acceptor_.open(endpoint.protocol(), ec)) return fail("open");
  if (acceptor_.set_option(tcp::acceptor::reuse_address(true), ec)) {
    return fail("setsockopt");
  }
  if (acceptor_.bind(endpoint, ec)) return fail("bind");
  if (acceptor_.listen(asio::socket_base::max_listen_connections, ec)) {
    return fail("listen");
  }
  local_ = acceptor_.local_endpoint(ec);
  if (ec) return fail("getsockname");
  return OkStatus();
}

void HttpServer::Impl::Run() {
  asio::co_spawn(accept_strand_, AcceptLoop(), asio::detached);
  for (int i = 0; i < options_.threads; ++i) {
    threads_.emplace_back([this] {
      for (;;) {
        try {
          ioc_.run();
          return;
        } catch (const std::exception& e) {
          Log(std::string("http server: unexpected exception: ") + e.what());
        }
      }
    });
  }
}

asio::awaitable<void> HttpServer::Impl::AcceptLoop() {
  error_code ec;
  for (;;) {
    // At the connection limit, leave newcomers in the kernel's backlog
    // until a connection closes (Unregister cancels slot_timer_).
    while (!stopping_ && OpenConnections() >= options_.max_connections) {
      slot_timer_.expires_at(asio::steady_timer::time_point::max());
      co_await slot_timer_.async_wait(Await(ec));
    }
    if (stopping_) break;
    tcp::socket socket(asio::make_strand(ioc_));
    co_await acceptor_.async_accept(socket, Await(ec));
    if (stopping_) break;
    if (ec) {
      Log("http server: accept: " + ec.message());
      if (ec == asio::error::operation_aborted) break;
      slot_timer_.expires_after(kAcceptBackoff);
      co_await slot_timer_.async_wait(Await(ec));
      continue;
    }
    std::shared_ptr<Connection> connection = Register(socket);
    asio::co_spawn(
        connection->strand, RunConnection(connection, std::move(socket)),
        [this, id = connection->id](std::exception_ptr e) {
          if (e) {
            try {
              std::rethrow_exception(e);
            } catch (const std::exception& what) {
              Log(std::string("http server: connection: ") + what.what());
            } catch (...) {
              Log("http server: connection: unknown exception");
            }
          }
          Unregister(id);
        });
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    accept_done_ = true;
  }
  cv_.notify_all();
}

asio::awaitable<void> HttpServer::Impl::RunConnection(
    std::shared_ptr<Connection> connection, tcp::socket socket) {
  error_code ec;
  std::string remote;
  tcp::endpoint peer = socket.remote_endpoint(ec);
  if (!ec) remote = FormatHostPort(peer.address().to_string(), peer.port());
  beast::tcp_stream tcp(std::move(socket));
  if (ssl_context_ == nullptr) {
    StreamScope scope(*connection, tcp);
    co_await ServeRequests(tcp, *connection, remote);
    tcp.socket().shutdown(tcp::socket::shutdown_send, ec);
    co_return;
  }
  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp), *ssl_context_);
  StreamScope scope(*connection, beast::get_lowest_layer(stream));
  beast::get_lowest_layer(stream).expires_after(options_.read_timeout);
  co_await stream.async_handshake(asio::ssl::stream_base::server, Await(ec));
  if (ec) {
    ++tls_handshake_failures_;
    co_return;
  }
  co_await ServeRequests(stream, *connection, remote);
  // Send our close_notify without waiting for the client's: marking it as
  // received makes SSL_shutdown complete once ours is written. We close the
  // transport next, so there is nothing left to protect from truncation.
  SSL_set_shutdown(stream.native_handle(), SSL_RECEIVED_SHUTDOWN);
  beast::get_lowest_layer(stream).expires_after(kTlsCloseTime);
  co_await stream.async_shutdown(Await(ec));
}

template <typename Stream>
asio::awaitable<void> HttpServer::Impl::ServeRequests(
    Stream& stream, Connection& connection, const std::string& remote) {
  beast::tcp_stream& tcp = beast::get_lowest_layer(stream);
  beast::flat_buffer buffer;
  error_code ec;
  for (;;) {
    if (buffer.size() == 0) {
      // Idle between requests: Stop() may cancel this read.
      connection.idle = true;
      if (stopping_) co_return;
      tcp.expires_after(options_.idle_timeout);
      size_t n =
          co_await stream.async_read_some(buffer.prepare(4096), Await(ec));
      connection.idle = false;
      if (ec) co_return;  // closed by the client, idle timeout or Stop()
      buffer.commit(n);
    }

    // The request-read timeout runs from its first byte.
    //
    // Everything is read with http::async_read_some, not eagerly: one Beast
    // operation to compile instead of three, and a Beast 1.74 bug avoided
    // (its eager parse, as in http::async_read, drops the body_limit error
    // of a too large Content-Length when body bytes arrive in the same
    // read).
    tcp.expires_after(options_.read_timeout);
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(options_.max_header_bytes));
    parser.body_limit(options_.max_body_bytes);
    while (!ec && !parser.is_header_done()) {
      co_await http::async_read_some(stream, buffer, parser, Await(ec));
    }
    if (!ec && !IsOriginForm(parser.get().target())) {
      ++bad_requests_;
      co_await RejectRequest(stream, 400);
      co_return;
    }
    // RFC 9110 §10.1.1: a client that sent "Expect: 100-continue" may wait
    // for this before it sends the body. The body limit was checked against
    // Content-Length with the header.
    if (!ec && !parser.is_done() && ExpectsContinue(parser.get())) {
      http::response<http::string_body> proceed{http::status::continue_, 11};
      co_await http::async_write(stream, proceed, Await(ec));
    }
    while (!ec && !parser.is_done()) {
      co_await http::async_read_some(stream, buffer, parser, Await(ec));
    }
    if (ec) {
      int status = StatusForReadError(ec);
      if (status != 0) co_await RejectRequest(stream, status);
      co_return;
    }

    http::request<http::string_body> message = parser.release();
    unsigned version = message.version();
    bool head = message.method() == http::verb::head;
    bool keep_alive = message.keep_alive();
    Response response = CallHandler(ToRequest(std::move(message), remote));
    for (auto [it, end] = response.headers.equal_range("Connection"); it != end;
         ++it) {
      if (beast::iequals(it->second, "close")) keep_alive = false;
    }
    // During Stop(), finish this request and close.
    if (stopping_) keep_alive = false;
    tcp.expires_after(options_.write_timeout);
    co_await WriteResponse(stream, std::move(response), version, head,
                           keep_alive, ec);
    if (ec || !keep_alive) co_return;
  }
}

template <typename Stream>
asio::awaitable<void> HttpServer::Impl::WriteResponse(
    Stream& stream, Response response, unsigned version, bool head,
    bool keep_alive, error_code& ec) {
  http::response<http::string_body> message;
  message.version(version);
  message.result(static_cast<unsigned>(response.status));
  bool has_date = false;
  for (const auto& [name, value] : response.headers) {
    // The server owns the message framing (RFC 9112 §6).
    if (beast::iequals(name, "Content-Length") ||
        beast::iequals(name, "Transfer-Encoding") ||
        beast::iequals(name, "Connection")) {
      continue;
    }
    if (beast::iequals(name, "Date")) has_date = true;
    // insert(), not set(): several fields of one name stay separate lines.
    message.insert(name, value);
  }
  if (!has_date) message.set(http::field::date, HttpDate());
  message.keep_alive(keep_alive);
  // 204 and 304 have no body and no Content-Length worth sending
  // (RFC 9110 §8.6); HEAD gets the Content-Length of the GET body.
  if (response.status != 204 && response.status != 304) {
    message.content_length(response.body.size());
    if (!head) message.body() = std::move(response.body);
  }
  co_await http::async_write(stream, message, Await(ec));
}

template <typename Stream>
asio::awaitable<void> HttpServer::Impl::RejectRequest(Stream& stream,
                                                      int status) {
  beast::tcp_stream& tcp = beast::get_lowest_layer(stream);
  http::response<http::string_body> message{static_cast<http::status>(status),
                                            11};
  message.set(http::field::content_type, "text/plain; charset=utf-8");
  message.set(http::field::date, HttpDate());
  message.body() = std::string(http::obsolete_reason(message.result()));
  message.body() += "\n";
  message.keep_alive(false);
  message.prepare_payload();
  error_code ec;
  tcp.expires_after(options_.write_timeout);
  co_await http::async_write(stream, message, Await(ec));
  if (ec) co_return;
  // Lingering close: see kLingerTime.
  if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
    tcp.socket().shutdown(tcp::socket::shutdown_send, ec);
  }
  tcp.expires_after(kLingerTime);
  char discard[16 * 1024];
  size_t drained = 0;
  while (drained < kLingerBytes) {
    size_t n = co_await stream.async_read_some(
        asio::buffer(discard, sizeof(discard)), Await(ec));
    if (ec) break;
    drained += n;
  }
}

int HttpServer::Impl::StatusForReadError(const error_code& ec) {
  if (ec == http::error::body_limit) {
    ++bodies_too_large_;
    return 413;
  }
  if (ec == http::error::header_limit) {
    ++bad_requests_;
    return 431;  // RFC 6585 §5
  }
  if (ec == beast::error::timeout) {
    ++read_timeouts_;
    return 0;
  }
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) {
    return 0;  // the client went away
  }
  if (ec.category() ==
      http::make_error_code(http::error::bad_method).category()) {
    ++bad_requests_;
    return 400;
  }
  return 0;  // a transport or TLS error: nobody to answer
}

Response HttpServer::Impl::CallHandler(const Request& request) {
  ++requests_;
  std::string problem;
  try {
    Response response = handler_(request);
    problem = CheckResponse(response);
    if (problem.empty()) return response;
    problem = "invalid response: " + problem;
  } catch (const std::exception& e) {
    problem = std::string("handler threw: ") + e.what();
  } catch (...) {
    problem = "handler threw a non-exception";
  }
  ++handler_failures_;
  Log("http server: " + request.method + " " + request.path + ": " + problem);
  return TextResponse(500, "internal server error\n");
}

std::shared_ptr<HttpServer::Impl::Connection> HttpServer::Impl::Register(
    tcp::socket& socket) {
  auto connection = std::make_shared<Connection>();
  connection->strand = socket.get_executor();
  ++connections_accepted_;
  std::lock_guard<std::mutex> lock(mu_);
  connection->id = next_id_++;
  connections_.emplace(connection->id, connection);
  return connection;
}

void HttpServer::Impl::Unregister(uint64_t id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    connections_.erase(id);
  }
  cv_.notify_all();
  asio::post(accept_strand_, [this] { slot_timer_.cancel(); });
}

size_t HttpServer::Impl::OpenConnections() {
  std::lock_guard<std::mutex> lock(mu_);
  return connections_.size();
}

void HttpServer::Impl::ForEachConnection(void (*f)(Connection&)) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, connection] : connections_) {
    asio::post(connection->strand, [connection, f] { f(*connection); });
  }
}

bool HttpServer::Impl::WaitClosed(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout,
                      [this] { return accept_done_ && connections_.empty(); });
}

void HttpServer::Impl::Stop() {
  std::lock_guard<std::mutex> stop_lock(stop_mu_);
  if (stopped_) return;
  stopped_ = true;
  stopping_ = true;
  asio::post(accept_strand_, [this] {
    error_code ec;
    acceptor_.close(ec);
    slot_timer_.cancel();
  });
  // Connections waiting for a request close now; the others after their
  // response (ServeRequests checks stopping_).
  ForEachConnection([](Connection& connection) {
    if (connection.tcp != nullptr && connection.idle) connection.tcp->cancel();
  });
  bool closed = WaitClosed(options_.shutdown_grace);
  if (!closed) {
    ForEachConnection([](Connection& connection) {
      if (connection.tcp != nullptr) connection.tcp->close();
    });
    closed = WaitClosed(kForceCloseWait);
  }
  work_.reset();
  if (!closed) {
    Log("http server: connections still open after Stop(); abandoning them");
    ioc_.stop();
  }
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

ServerStats HttpServer::Impl::stats() const {
  ServerStats stats;
  stats.connections_accepted = connections_accepted_;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stats.connections_open = connections_.size();
  }
  stats.requests = requests_;
  stats.bad_requests = bad_requests_;
  stats.bodies_too_large = bodies_too_large_;
  stats.read_timeouts = read_timeouts_;
  stats.handler_failures = handler_failures_;
  stats.tls_handshake_failures = tls_handshake_failures_;
  return stats;
}

void HttpServer::Impl::Log(const std::string& line) {
  if (options_.log) {
    options_.log(line);
  } else {
    std::cerr << line << "\n";
  }
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(ServerOptions options,
                                                      Handler handler) {
  auto impl = std::make_unique<Impl>(std::move(options), std::move(handler));
  MTC_RETURN_IF_ERROR(impl->Configure());
  impl->Run();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { impl_->Stop(); }

uint16_t HttpServer::port() const { return impl_->port(); }
std::string HttpServer::address() const { return impl_->address(); }
bool HttpServer::tls() const { return impl_->tls(); }
ServerStats HttpServer::stats() const { return impl_->stats(); }
void HttpServer::Stop() { impl_->Stop(); }

}  // namespace mtc::net
