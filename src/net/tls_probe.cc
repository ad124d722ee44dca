#include "net/tls_probe.h"

#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

namespace mtc::net {

namespace {

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};

class Socket {
 public:
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd_ = -1;
};

// A connected TCP socket, or the error; the connect waits at most `timeout`.
Result<int> Connect(Socket& s, const std::string& host, uint16_t port,
                    std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  std::string service = std::to_string(port);
  if (::getaddrinfo(host.c_str(), service.c_str(), &hints, &list) != 0) {
    return Error(ErrorCode::kUnavailable, "cannot resolve " + host);
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(list,
                                                             ::freeaddrinfo);
  s.fd_ =
      ::socket(list->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (s.fd_ < 0) return Error(ErrorCode::kIo, "cannot open a socket");
  if (::connect(s.fd_, list->ai_addr, list->ai_addrlen) != 0 &&
      errno != EINPROGRESS) {
    return Error(ErrorCode::kUnavailable, "cannot connect to " + host);
  }
  pollfd p{s.fd_, POLLOUT, 0};
  int err = 0;
  socklen_t len = sizeof err;
  if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1 ||
      ::getsockopt(s.fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
    return Error(ErrorCode::kUnavailable,
                 "cannot connect to " + host + ":" + service);
  }
  // Blocking from here on, each read and write bounded by the timeout.
  ::fcntl(s.fd_, F_SETFL, ::fcntl(s.fd_, F_GETFL) & ~O_NONBLOCK);
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(s.fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(s.fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return s.fd_;
}

}  // namespace

Result<TlsProbeResult> ProbeTls(const std::string& host, uint16_t port,
                                const std::string& server_name,
                                const std::string& alpn,
                                std::chrono::milliseconds timeout) {
  if (alpn.empty() || alpn.size() > 255) {
    return Error(ErrorCode::kInvalidArgument, "bad ALPN protocol");
  }
  Socket s;
  MTC_ASSIGN_OR_RETURN(int fd, Connect(s, host, port, timeout));
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return Error(ErrorCode::kInternal, "SSL_CTX_new failed");
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  // The certificate is looked at, not trusted (RFC 8737 §3).
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx.get()));
  if (!ssl || SSL_set_fd(ssl.get(), fd) != 1) {
    return Error(ErrorCode::kInternal, "SSL_new failed");
  }
  if (!server_name.empty() &&
      SSL_set_tlsext_host_name(ssl.get(), server_name.c_str()) != 1) {
    return Error(ErrorCode::kInvalidArgument, "bad SNI name " + server_name);
  }
  // The wire form of the protocol list (RFC 7301 §3.1): one length-prefixed
  // name.
  std::string protos(1, static_cast<char>(alpn.size()));
  protos += alpn;
  // SSL_set_alpn_protos returns 0 on success.
  if (SSL_set_alpn_protos(ssl.get(),
                          reinterpret_cast<const unsigned char*>(protos.data()),
                          static_cast<unsigned>(protos.size())) != 0) {
    return Error(ErrorCode::kInternal, "SSL_set_alpn_protos failed");
  }
  if (SSL_connect(ssl.get()) != 1) {
    unsigned long e = ERR_get_error();
    char buf[256] = "handshake failed";
    if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    return Error(ErrorCode::kVerificationFailed,
                 "TLS with " + host + ":" + std::to_string(port) + ": " + buf);
  }
  TlsProbeResult result;
  const unsigned char* selected = nullptr;
  unsigned selected_len = 0;
  SSL_get0_alpn_selected(ssl.get(), &selected, &selected_len);
  if (selected != nullptr) {
    result.alpn.assign(reinterpret_cast<const char*>(selected), selected_len);
  }
  std::unique_ptr<X509, X509Free> cert(SSL_get1_peer_certificate(ssl.get()));
  if (cert) {
    unsigned char* der = nullptr;
    int n = i2d_X509(cert.get(), &der);
    if (n > 0) {
      result.certificate_der.assign(der, der + n);
      OPENSSL_free(der);
    }
  }
  SSL_shutdown(ssl.get());
  return result;
}

}  // namespace mtc::net
