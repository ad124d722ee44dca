#include "net/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>

namespace mtc::net::internal {
namespace {

namespace ssl = boost::asio::ssl;

// NUL-terminated: they go to OpenSSL as C strings.
constexpr char kPreferredGroups[] = "X25519MLKEM768:X25519:P-256";
constexpr char kFallbackGroups[] = "X25519:P-256";

// "<what>: <reason of the oldest queued OpenSSL error>"; empties the queue.
Error TlsError(ErrorCode code, std::string_view what) {
  std::string message(what);
  unsigned long err = ERR_get_error();
  if (err != 0) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof(buf));
    message += ": ";
    message += buf;
  }
  ERR_clear_error();
  return Error(code, std::move(message));
}

bool GroupsSupported() {
  static const bool supported = [] {
    SSL_CTX* ctx = SSL_CTX_new(TLS_method());
    bool ok =
        ctx != nullptr && SSL_CTX_set1_groups_list(ctx, kPreferredGroups) == 1;
    SSL_CTX_free(ctx);
    ERR_clear_error();
    return ok;
  }();
  return supported;
}

Status ConfigureCommon(SSL_CTX* ctx) {
  // TLS 1.3 only: nothing older is needed between our own parties and ACME
  // clients, and it rules out renegotiation and static-RSA suites.
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
    return TlsError(ErrorCode::kInternal, "setting TLS 1.3 only");
  }
  if (SSL_CTX_set1_groups_list(ctx, KeyExchangeGroups().data()) != 1) {
    return TlsError(ErrorCode::kInternal, "setting key exchange groups");
  }
  return OkStatus();
}

}  // namespace

std::string_view KeyExchangeGroups() {
  return GroupsSupported() ? kPreferredGroups : kFallbackGroups;
}

Result<std::unique_ptr<ssl::context>> MakeServerTlsContext(
    const std::string& certificate_chain_file,
    const std::string& private_key_file) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* ctx = context->native_handle();
  MTC_RETURN_IF_ERROR(ConfigureCommon(ctx));
  if (SSL_CTX_use_certificate_chain_file(ctx, certificate_chain_file.c_str()) !=
      1) {
    return TlsError(ErrorCode::kIo,
                    "loading certificate chain " + certificate_chain_file);
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, private_key_file.c_str(),
                                  SSL_FILETYPE_PEM) != 1) {
    // OpenSSL checks the key against the certificate as it loads it.
    unsigned long err = ERR_peek_error();
    bool mismatch = ERR_GET_LIB(err) == ERR_LIB_X509 &&
                    ERR_GET_REASON(err) == X509_R_KEY_VALUES_MISMATCH;
    return TlsError(mismatch ? ErrorCode::kInvalidArgument : ErrorCode::kIo,
                    mismatch ? "private key " + private_key_file +
                                   " does not match certificate " +
                                   certificate_chain_file
                             : "loading private key " + private_key_file);
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return TlsError(ErrorCode::kInvalidArgument,
                    "private key " + private_key_file +
                        " does not match certificate " +
                        certificate_chain_file);
  }
  return context;
}

Result<std::unique_ptr<ssl::context>> MakeClientTlsContext(
    const std::string& ca_file) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX* ctx = context->native_handle();
  MTC_RETURN_IF_ERROR(ConfigureCommon(ctx));
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (ca_file.empty()) {
    if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
      return TlsError(ErrorCode::kIo, "loading default CA paths");
    }
  } else if (SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr) !=
             1) {
    return TlsError(ErrorCode::kIo, "loading CA bundle " + ca_file);
  }
  return context;
}

Status PrepareClientConnection(SSL* ssl, const std::string& host) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  if (!ec) {
    // An IP literal: no SNI (RFC 6066 §3 forbids it); match an iPAddress
    // subjectAltName.
    if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) != 1) {
      return TlsError(ErrorCode::kInvalidArgument,
                      "setting expected IP address " + host);
    }
    return OkStatus();
  }
  if (SSL_set_tlsext_host_name(ssl, host.c_str()) != 1 ||
      SSL_set1_host(ssl, host.c_str()) != 1) {
    return TlsError(ErrorCode::kInvalidArgument,
                    "setting expected host name " + host);
  }
  return OkStatus();
}

}  // namespace mtc::net::internal
