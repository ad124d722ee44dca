// Addresses: the "host:port" of a listener and the http(s) URLs the client
// fetches (RFC 3986 §3, restricted to what HTTP/1.1 origins use).
#ifndef MTC_NET_URL_H_
#define MTC_NET_URL_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "mtc/base/result.h"

namespace mtc::net {

struct HostPort {
  std::string host;  // an IPv4 or IPv6 literal or a DNS name; no brackets
  uint16_t port = 0;
};

// Parses "127.0.0.1:8080", "[::1]:0" or "example.com:443". The port is
// required and may be 0 (a listener then picks a free one). kInvalidArgument
// for anything else, e.g. an unbracketed IPv6 literal or a zone ID.
Result<HostPort> ParseHostPort(std::string_view text);

// "host:port", with brackets around an IPv6 literal.
std::string FormatHostPort(std::string_view host, uint16_t port);

struct Url {
  bool https = false;
  std::string host;    // as in HostPort; DNS names lower-cased
  uint16_t port = 0;   // the explicit port, else 80 or 443
  std::string target;  // path and query, "/" when the URL has no path
};

// Parses an absolute "http://" or "https://" URL. Rejects userinfo ("u@h"),
// port 0, empty hosts, and bytes outside printable ASCII; drops a fragment.
Result<Url> ParseUrl(std::string_view text);

}  // namespace mtc::net

#endif  // MTC_NET_URL_H_
