// TLS contexts for HttpServer and HttpClient (internal to src/net).
//
// Both sides speak TLS 1.3 only and offer the hybrid post-quantum group
// X25519MLKEM768 first where the OpenSSL build has it (OpenSSL 3.5, see
// docs/design.md §7), then X25519 and P-256.
//
// This header includes Asio's SSL support; only src/net/*.cc include it, so
// that the public headers stay free of Asio and OpenSSL.
#ifndef MTC_NET_TLS_CONTEXT_H_
#define MTC_NET_TLS_CONTEXT_H_

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "mtc/base/result.h"

namespace mtc::net::internal {

// The group list the contexts were configured with, e.g.
// "X25519MLKEM768:X25519:P-256".
std::string_view KeyExchangeGroups();

// A server context holding the PEM certificate chain (leaf first) and PEM
// private key; checks that they belong together.
Result<std::unique_ptr<boost::asio::ssl::context>> MakeServerTlsContext(
    const std::string& certificate_chain_file,
    const std::string& private_key_file);

// A client context that verifies servers against the PEM certificates in
// `ca_file`, or OpenSSL's default paths when it is empty.
Result<std::unique_ptr<boost::asio::ssl::context>> MakeClientTlsContext(
    const std::string& ca_file);

// Sets SNI (DNS names only, RFC 6066 §3) and the name the server
// certificate must match (DNS name or IP address, RFC 6125) on the client
// connection `ssl`.
Status PrepareClientConnection(SSL* ssl, const std::string& host);

}  // namespace mtc::net::internal

#endif  // MTC_NET_TLS_CONTEXT_H_
