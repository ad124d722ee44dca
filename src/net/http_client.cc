#include "net/http_client.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cerrno>
#include <chrono>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
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
using Clock = std::chrono::steady_clock;

// Interim (1xx) responses we skip before the final one.
constexpr int kMaxInterimResponses = 8;

auto Await(error_code& ec) {
  return asio::redirect_error(asio::use_awaitable, ec);
}

// Maps a transport, TLS or parse failure of `step` to an Error. `ssl` is
// the connection (for the certificate verification result) or nullptr.
Error TransportError(const error_code& ec, std::string_view step,
                     const SSL* ssl) {
  std::string message(step);
  message += ": ";
  if (ec == beast::error::timeout || ec == asio::error::operation_aborted) {
    return Error(ErrorCode::kUnavailable, message + "timed out");
  }
  if (ec == http::error::body_limit || ec == http::error::header_limit) {
    return Error(ErrorCode::kOutOfRange, message + ec.message());
  }
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) {
    return Error(ErrorCode::kUnavailable,
                 message + "connection closed before the response ended");
  }
  if (ec.category() ==
      http::make_error_code(http::error::bad_method).category()) {
    return Error(ErrorCode::kMalformed, message + ec.message());
  }
  if (ec.category() == asio::error::get_ssl_category() &&
      ERR_GET_REASON(ec.value()) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
    message += "certificate verification failed";
    if (ssl != nullptr) {
      message += ": ";
      message += X509_verify_cert_error_string(SSL_get_verify_result(ssl));
    }
    return Error(ErrorCode::kVerificationFailed, std::move(message));
  }
  if (ec == asio::error::connection_refused ||
      ec == asio::error::connection_reset ||
      ec == asio::error::connection_aborted || ec == asio::error::eof ||
      ec == asio::error::broken_pipe || ec == asio::error::host_unreachable ||
      ec == asio::error::network_unreachable ||
      ec == asio::error::host_not_found ||
      ec == asio::error::host_not_found_try_again) {
    return Error(ErrorCode::kUnavailable, message + ec.message());
  }
  return Error(ErrorCode::kIo, message + ec.message());
}

// Whether an idle kept-alive connection still looks usable: nothing to read
// and no FIN. Anything else (the server closed it, or sent bytes nobody
// asked for) means a new connection.
bool LooksIdle(beast::tcp_stream& tcp) {
  if (!tcp.socket().is_open()) return false;
  char byte;
  ssize_t n =
      ::recv(tcp.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

// The Host field (RFC 9110 §7.2): the port only when not the default.
std::string HostField(const Url& url) {
  std::string host =
      url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  if (url.port != (url.https ? 443 : 80)) {
    host += ":" + std::to_string(url.port);
  }
  return host;
}

std::string Origin(const Url& url) {
  return (url.https ? "https://" : "http://") +
         FormatHostPort(url.host, url.port);
}

// The context that trusts OpenSSL's default paths, made once per process and
// shared by every client without a CA file. Loading the system bundle parses
// every certificate in it (about 150, several ms of CPU): done per client,
// that cost dominated an ACME server whose http-01 validations each make a
// client (and need no TLS at all).
Result<std::shared_ptr<asio::ssl::context>> DefaultTrustContext() {
  static const Result<std::shared_ptr<asio::ssl::context>> context =
      []() -> Result<std::shared_ptr<asio::ssl::context>> {
    MTC_ASSIGN_OR_RETURN(std::unique_ptr<asio::ssl::context> made,
                         internal::MakeClientTlsContext(""));
    return std::shared_ptr<asio::ssl::context>(std::move(made));
  }();
  return context;
}

}  // namespace

class HttpClient::Impl {
 public:
  explicit Impl(ClientOptions options) : options_(std::move(options)) {}

  // A CA file is loaded now, so that a bad one fails Create(); the default
  // trust is shared and loaded at the first https:// request.
  Status Configure() {
    if (!options_.ca_file.empty()) {
      MTC_ASSIGN_OR_RETURN(std::unique_ptr<asio::ssl::context> context,
                           internal::MakeClientTlsContext(options_.ca_file));
      ssl_context_ = std::move(context);
    }
    return OkStatus();
  }

  Result<Response> Do(const ClientRequest& request);

  uint64_t connections_opened() const {
    std::lock_guard<std::mutex> lock(mu_);
    return connections_opened_;
  }

 private:
  // A kept-alive connection: exactly one of tcp and tls is set.
  struct Connection {
    std::string origin;
    std::unique_ptr<beast::tcp_stream> tcp;
    std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
    beast::flat_buffer buffer;

    beast::tcp_stream& lowest() {
      return tcp ? *tcp : beast::get_lowest_layer(*tls);
    }
  };

  asio::awaitable<void> Run(const ClientRequest& request, const Url& url,
                            Clock::time_point deadline,
                            std::optional<Result<Response>>& out);
  asio::awaitable<Result<std::unique_ptr<Connection>>> Connect(
      const Url& url, Clock::time_point deadline);
  template <typename Stream>
  asio::awaitable<Result<Response>> Exchange(
      Stream& stream, beast::flat_buffer& buffer,
      const http::request<http::string_body>& message, bool head,
      Clock::time_point deadline, bool& got_response_bytes, bool& reusable);

  Result<http::request<http::string_body>> BuildMessage(
      const ClientRequest& request, const Url& url) const;

  const ClientOptions options_;
  // Serializes Do(); guards everything below.
  mutable std::mutex mu_;
  asio::io_context ioc_{1};
  // Set by Configure() for a CA file, else at the first https:// request.
  // Shared: SSL_CTX is safe to use from several threads.
  std::shared_ptr<asio::ssl::context> ssl_context_;
  std::unique_ptr<Connection> connection_;
  uint64_t connections_opened_ = 0;
};

Result<http::request<http::string_body>> HttpClient::Impl::BuildMessage(
    const ClientRequest& request, const Url& url) const {
  if (!IsValidFieldName(request.method)) {
    return Error(ErrorCode::kInvalidArgument,
                 "bad HTTP method \"" + request.method + "\"");
  }
  http::request<http::string_body> message;
  message.method_string(request.method);
  message.target(url.target);
  message.version(11);
  message.set(http::field::host, HostField(url));
  message.set(http::field::user_agent, options_.user_agent);
  for (const auto& [name, value] : request.headers) {
    if (!IsValidFieldName(name) || !IsValidFieldValue(value)) {
      return Error(ErrorCode::kInvalidArgument,
                   "bad request header field \"" + name + "\"");
    }
    if (beast::iequals(name, "Content-Length") ||
        beast::iequals(name, "Transfer-Encoding") ||
        beast::iequals(name, "Connection")) {
      return Error(ErrorCode::kInvalidArgument,
                   "request header field " + name + " is set by the client");
    }
    if (beast::iequals(name, "Host") || beast::iequals(name, "User-Agent")) {
      message.set(name, value);
    } else {
      message.insert(name, value);
    }
  }
  message.body() = request.body;
  message.prepare_payload();
  message.keep_alive(options_.keep_alive);
  return message;
}

Result<Response> HttpClient::Impl::Do(const ClientRequest& request) {
  MTC_ASSIGN_OR_RETURN(Url url, ParseUrl(request.url));
  Clock::time_point deadline =
      Clock::now() + request.timeout.value_or(options_.timeout);
  std::lock_guard<std::mutex> lock(mu_);
  std::optional<Result<Response>> out;
  ioc_.restart();
  asio::co_spawn(ioc_, Run(request, url, deadline, out),
                 [&out](std::exception_ptr e) {
                   if (!e || out.has_value()) return;
                   try {
                     std::rethrow_exception(e);
                   } catch (const std::exception& what) {
                     out = Error(ErrorCode::kInternal, what.what());
                   } catch (...) {
                     out = Error(ErrorCode::kInternal, "unknown exception");
                   }
                 });
  ioc_.run();
  if (!out.has_value()) {
    connection_.reset();
    return Error(ErrorCode::kInternal, "request did not complete");
  }
  if (!out->ok()) {
    return out->error().WithContext(request.method + " " + request.url);
  }
  return std::move(*out);
}

asio::awaitable<void> HttpClient::Impl::Run(
    const ClientRequest& request, const Url& url, Clock::time_point deadline,
    std::optional<Result<Response>>& out) {
  Result<http::request<http::string_body>> message = BuildMessage(request, url);
  if (!message.ok()) {
    out = message.error();
    co_return;
  }
  bool head = message->method() == http::verb::head;
  // Replaying is safe only for methods without side effects (RFC 9110
  // §9.2.2); a POST is never sent twice.
  bool replayable = head || message->method() == http::verb::get;
  std::string origin = Origin(url);
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool reused = connection_ != nullptr && connection_->origin == origin &&
                  LooksIdle(connection_->lowest());
    if (!reused) {
      connection_.reset();
      Result<std::unique_ptr<Connection>> connected =
          co_await Connect(url, deadline);
      if (!connected.ok()) {
        out = connected.error();
        co_return;
      }
      connection_ = std::move(connected).value();
      connection_->origin = origin;
    }
    bool got_response_bytes = false;
    bool reusable = false;
    // Not a conditional expression with two co_awaits: g++ 12 miscompiles
    // that.
    std::optional<Result<Response>> response;
    if (connection_->tls) {
      response.emplace(co_await Exchange(*connection_->tls, connection_->buffer,
                                         *message, head, deadline,
                                         got_response_bytes, reusable));
    } else {
      response.emplace(co_await Exchange(*connection_->tcp, connection_->buffer,
                                         *message, head, deadline,
                                         got_response_bytes, reusable));
    }
    if (!reusable) connection_.reset();
    if (!response->ok() && reused && !got_response_bytes && replayable &&
        Clock::now() < deadline) {
      continue;
    }
    out = std::move(*response);
    co_return;
  }
}

asio::awaitable<Result<std::unique_ptr<HttpClient::Impl::Connection>>>
HttpClient::Impl::Connect(const Url& url, Clock::time_point deadline) {
  asio::any_io_executor executor = co_await asio::this_coro::executor;
  error_code ec;
  std::vector<tcp::endpoint> endpoints;
  asio::ip::address ip = asio::ip::make_address(url.host, ec);
  if (!ec) {
    endpoints.emplace_back(ip, url.port);
  } else {
    // The resolver has no deadline of its own: a timer cancels it.
    auto resolver = std::make_shared<tcp::resolver>(executor);
    asio::steady_timer timer(executor, deadline);
    timer.async_wait([resolver](const error_code& timer_ec) {
      if (!timer_ec) resolver->cancel();
    });
    tcp::resolver::results_type results = co_await resolver->async_resolve(
        url.host, std::to_string(url.port), Await(ec));
    timer.cancel();
    if (ec) co_return TransportError(ec, "resolve " + url.host, nullptr);
    for (const auto& entry : results) endpoints.push_back(entry.endpoint());
  }

  auto connection = std::make_unique<Connection>();
  beast::tcp_stream tcp(executor);
  tcp.expires_at(deadline);
  co_await tcp.async_connect(endpoints, Await(ec));
  if (ec) co_return TransportError(ec, "connect", nullptr);
  ++connections_opened_;
  tcp.socket().set_option(tcp::no_delay(true), ec);
  if (!url.https) {
    connection->tcp = std::make_unique<beast::tcp_stream>(std::move(tcp));
    co_return std::move(connection);
  }
  if (ssl_context_ == nullptr) {
    Result<std::shared_ptr<asio::ssl::context>> shared = DefaultTrustContext();
    if (!shared.ok()) co_return shared.error();
    ssl_context_ = *shared;
  }
  connection->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(
      std::move(tcp), *ssl_context_);
  SSL* ssl = connection->tls->native_handle();
  Status prepared = internal::PrepareClientConnection(ssl, url.host);
  if (!prepared.ok()) co_return prepared.error();
  co_await connection->tls->async_handshake(asio::ssl::stream_base::client,
                                            Await(ec));
  if (ec) co_return TransportError(ec, "TLS handshake", ssl);
  co_return std::move(connection);
}

template <typename Stream>
asio::awaitable<Result<Response>> HttpClient::Impl::Exchange(
    Stream& stream, beast::flat_buffer& buffer,
    const http::request<http::string_body>& message, bool head,
    Clock::time_point deadline, bool& got_response_bytes, bool& reusable) {
  beast::tcp_stream& tcp = beast::get_lowest_layer(stream);
  error_code ec;
  tcp.expires_at(deadline);
  co_await http::async_write(stream, message, Await(ec));
  if (ec) co_return TransportError(ec, "write", nullptr);

  std::optional<http::response_parser<http::string_body>> parser;
  for (int interim = 0;; ++interim) {
    parser.emplace();
    parser->header_limit(
        static_cast<uint32_t>(options_.max_response_header_bytes));
    parser->body_limit(options_.max_response_body_bytes);
    // A response to HEAD has the GET's Content-Length and no body
    // (RFC 9110 §9.3.2).
    parser->skip(head);
    // Not http::async_read: Beast 1.74's eager parse drops the body_limit
    // error that a too large Content-Length raises when body bytes arrive in
    // the same read.
    while (!ec && !parser->is_done()) {
      co_await http::async_read_some(stream, buffer, *parser, Await(ec));
    }
    got_response_bytes = got_response_bytes || parser->got_some();
    if (ec) co_return TransportError(ec, "read", nullptr);
    int status = parser->get().result_int();
    // Skip 1xx interim responses (RFC 9110 §15.2); we never ask to switch
    // protocols, so a 101 is as bad as any other surprise.
    if (status >= 200 || status == 101) break;
    if (interim == kMaxInterimResponses) {
      co_return Error(ErrorCode::kMalformed, "too many interim responses");
    }
  }
  http::response<http::string_body> reply = parser->release();
  reusable =
      options_.keep_alive && reply.keep_alive() && reply.result_int() != 101;
  Response response;
  response.status = reply.result_int();
  for (const auto& field : reply) {
    response.headers.emplace(std::string(field.name_string()),
                             std::string(field.value()));
  }
  response.body = std::move(reply.body());
  co_return std::move(response);
}

Result<HttpClient> HttpClient::Create(ClientOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  MTC_RETURN_IF_ERROR(impl->Configure());
  return HttpClient(std::move(impl));
}

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::HttpClient(HttpClient&& other) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&& other) noexcept = default;
HttpClient::~HttpClient() = default;

Result<Response> HttpClient::Do(const ClientRequest& request) {
  return impl_->Do(request);
}

Result<Response> HttpClient::Get(std::string_view url, const Headers& headers) {
  ClientRequest request;
  request.url = std::string(url);
  request.headers = headers;
  return Do(request);
}

Result<Response> HttpClient::Head(std::string_view url,
                                  const Headers& headers) {
  ClientRequest request;
  request.method = "HEAD";
  request.url = std::string(url);
  request.headers = headers;
  return Do(request);
}

Result<Response> HttpClient::Post(std::string_view url, std::string body,
                                  const Headers& headers) {
  ClientRequest request;
  request.method = "POST";
  request.url = std::string(url);
  request.headers = headers;
  request.body = std::move(body);
  return Do(request);
}

uint64_t HttpClient::connections_opened() const {
  return impl_->connections_opened();
}

Result<std::shared_ptr<HttpClientPool>> HttpClientPool::Create(
    ClientOptions options, size_t size) {
  if (size == 0) {
    return Error(ErrorCode::kInvalidArgument, "an empty HttpClient pool");
  }
  std::shared_ptr<HttpClientPool> pool(
      new HttpClientPool(std::move(options), size));
  // One client now, so that a bad CA file fails here.
  MTC_ASSIGN_OR_RETURN(HttpClient first, HttpClient::Create(pool->options_));
  pool->clients_.push_back(std::make_unique<HttpClient>(std::move(first)));
  pool->idle_.push_back(pool->clients_.back().get());
  return pool;
}

HttpClientPool::HttpClientPool(ClientOptions options, size_t size)
    : options_(std::move(options)), size_(size) {}

Result<Response> HttpClientPool::Do(const ClientRequest& request) {
  HttpClient* client = nullptr;
  {
    std::unique_lock<std::mutex> lock(mu_);
    returned_.wait(lock,
                   [&] { return !idle_.empty() || clients_.size() < size_; });
    if (!idle_.empty()) {
      // The most recently returned client: its connection is the warmest.
      client = idle_.back();
      idle_.pop_back();
    } else {
      MTC_ASSIGN_OR_RETURN(HttpClient made, HttpClient::Create(options_));
      clients_.push_back(std::make_unique<HttpClient>(std::move(made)));
      client = clients_.back().get();
    }
  }
  Result<Response> response = client->Do(request);
  {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(client);
  }
  returned_.notify_one();
  return response;
}

uint64_t HttpClientPool::connections_opened() const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t total = 0;
  for (const auto& client : clients_) total += client->connections_opened();
  return total;
}

}  // namespace mtc::net
