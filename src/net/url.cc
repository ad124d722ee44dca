#include "net/url.h"

#include <algorithm>
#include <charconv>

namespace mtc::net {
namespace {

Error Invalid(std::string_view what, std::string_view text) {
  std::string message(what);
  message += ": \"";
  message += text;
  message += "\"";
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

bool IsDnsChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.';
}

bool IsIpv6Char(char c) {
  return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
         (c >= '0' && c <= '9') || c == ':' || c == '.';
}

// Splits "host:port" / "[v6]:port" (RFC 3986 §3.2.2-3.2.3); the port text
// may be empty when `port_optional`.
Result<HostPort> SplitAuthority(std::string_view text, bool port_optional,
                                uint16_t default_port) {
  std::string_view host;
  std::string_view rest;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) {
      return Invalid("unterminated IPv6 literal", text);
    }
    host = text.substr(1, close - 1);
    rest = text.substr(close + 1);
    if (host.empty() || !std::all_of(host.begin(), host.end(), IsIpv6Char) ||
        host.find(':') == std::string_view::npos) {
      return Invalid("bad IPv6 literal", text);
    }
  } else {
    size_t colon = text.find(':');
    host = text.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view()
                                           : text.substr(colon);
    if (host.empty() || !std::all_of(host.begin(), host.end(), IsDnsChar)) {
      return Invalid("bad host", text);
    }
  }
  HostPort out;
  out.host = std::string(host);
  if (rest.empty()) {
    if (!port_optional) return Invalid("missing port", text);
    out.port = default_port;
    return out;
  }
  if (rest.front() != ':' || rest.size() < 2 || rest.size() > 6) {
    return Invalid("bad port", text);
  }
  std::string_view digits = rest.substr(1);
  unsigned port = 0;
  auto [end, ec] =
      std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc() || end != digits.data() + digits.size() ||
      port > 65535) {
    return Invalid("bad port", text);
  }
  out.port = static_cast<uint16_t>(port);
  return out;
}

}  // namespace

Result<HostPort> ParseHostPort(std::string_view text) {
  return SplitAuthority(text, /*port_optional=*/false, 0);
}

std::string FormatHostPort(std::string_view host, uint16_t port) {
  std::string out;
  if (host.find(':') != std::string_view::npos) {
    out += '[';
    out += host;
    out += ']';
  } else {
    out += host;
  }
  out += ':';
  out += std::to_string(port);
  return out;
}

Result<Url> ParseUrl(std::string_view text) {
  if (!std::all_of(text.begin(), text.end(),
                   [](char c) { return c > 0x20 && c < 0x7f; })) {
    return Invalid("URL has bytes outside printable ASCII", text);
  }
  Url url;
  std::string_view rest;
  // Schemes are case-insensitive (RFC 3986 §3.1).
  auto starts_with_ci = [&](std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i) {
      char c = text[i];
      if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
      if (c != prefix[i]) return false;
    }
    return true;
  };
  if (starts_with_ci("https://")) {
    url.https = true;
    rest = text.substr(8);
  } else if (starts_with_ci("http://")) {
    rest = text.substr(7);
  } else {
    return Invalid("URL scheme is not http or https", text);
  }
  rest = rest.substr(0, rest.find('#'));
  size_t path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  if (authority.find('@') != std::string_view::npos) {
    return Invalid("URL has userinfo", text);
  }
  MTC_ASSIGN_OR_RETURN(
      HostPort host_port,
      SplitAuthority(authority, /*port_optional=*/true, url.https ? 443 : 80));
  if (host_port.port == 0) return Invalid("URL has port 0", text);
  url.host = std::move(host_port.host);
  std::transform(
      url.host.begin(), url.host.end(), url.host.begin(),
      [](char c) { return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c; });
  url.port = host_port.port;
  if (path_start == std::string_view::npos) {
    url.target = "/";
  } else {
    url.target = std::string(rest.substr(path_start));
    if (url.target.front() == '?') url.target.insert(0, "/");
  }
  return url;
}

}  // namespace mtc::net
