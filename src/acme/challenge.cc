#include "acme/challenge.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "acme/dns_client.h"
#include "mtc/cert/certificate.h"
#include "mtc/crypto/sha256.h"
#include "mtc/wire/der.h"
#include "net/http_client.h"
#include "net/tls_probe.h"
#include "net/url.h"

namespace mtc::acme {

namespace {

constexpr char kWellKnownPrefix[] = "/.well-known/acme-challenge/";
constexpr size_t kMaxHttp01Body = 8 * 1024;

ValidationFailure Fail(ProblemType type, std::string detail) {
  return ValidationFailure{type, std::move(detail)};
}

// RFC 8555 §8.3 step 4: trailing whitespace is ignored.
std::string_view TrimTrailingWhitespace(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' ||
                        s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// Where a request for `host` goes: resolve_all_to in test mode, else the
// host itself (an IP literal, or a name the system resolves).
std::string ConnectHost(const ValidationOptions& options,
                        const std::string& host) {
  return options.resolve_all_to.empty() ? host : options.resolve_all_to;
}

bool IsIpLiteral(const std::string& host) {
  std::array<uint8_t, 16> buf;
  return inet_pton(AF_INET, host.c_str(), buf.data()) == 1 ||
         inet_pton(AF_INET6, host.c_str(), buf.data()) == 1;
}

}  // namespace

bool IsPublicAddress(const std::string& ip_text) {
  std::array<uint8_t, 16> a{};
  if (inet_pton(AF_INET, ip_text.c_str(), a.data()) == 1) {
    uint8_t b0 = a[0], b1 = a[1];
    if (b0 == 0 || b0 == 10 || b0 == 127 || b0 >= 224) return false;
    if (b0 == 100 && (b1 & 0xc0) == 64) return false;     // 100.64/10
    if (b0 == 169 && b1 == 254) return false;             // link-local
    if (b0 == 172 && (b1 & 0xf0) == 16) return false;     // 172.16/12
    if (b0 == 192 && b1 == 168) return false;             // 192.168/16
    if (b0 == 192 && b1 == 0 && a[2] == 0) return false;  // 192.0.0/24
    if (b0 == 198 && (b1 & 0xfe) == 18) return false;     // 198.18/15
    return true;
  }
  if (inet_pton(AF_INET6, ip_text.c_str(), a.data()) == 1) {
    static const std::array<uint8_t, 16> kZero{};
    if (std::memcmp(a.data(), kZero.data(), 15) == 0) return false;  // ::, ::1
    if ((a[0] & 0xe0) != 0x20) return false;  // only 2000::/3 is global
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8)
      return false;  // 2001:db8::/32 documentation
    return true;
  }
  return false;
}

std::optional<ValidationFailure> ValidateHttp01(
    const ValidationOptions& options, const Identifier& identifier,
    const std::string& token, const std::string& key_authorization) {
  net::ClientOptions client_options;
  client_options.timeout = options.timeout;
  client_options.max_response_body_bytes = kMaxHttp01Body;
  client_options.keep_alive = false;
  client_options.user_agent = "mtc-acme-validation";
  auto client = net::HttpClient::Create(client_options);
  if (!client.ok())
    return Fail(ProblemType::kServerInternal, client.error().message());

  // Step 1: http://{domain}/.well-known/acme-challenge/{token}; step 3: port
  // 80 (http01_port in tests). RFC 8738 §3: an IP identifier is the host.
  std::string host = identifier.value;
  uint16_t port = options.http01_port;
  std::string target = kWellKnownPrefix + token;
  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  for (int redirects = 0;; redirects++) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return Fail(ProblemType::kConnection,
                  "timed out validating " + identifier.value);
    }
    net::ClientRequest request;
    request.url = "http://" +
                  net::FormatHostPort(ConnectHost(options, host), port) +
                  target;
    request.headers.emplace(
        "Host",
        port == 80 || !options.resolve_all_to.empty()
            ? (host.find(':') != std::string::npos ? "[" + host + "]" : host)
            : net::FormatHostPort(host, port));
    request.timeout = left;
    auto response = client->Do(request);
    if (!response.ok()) {
      return Fail(ProblemType::kConnection, "fetching http://" + host + target +
                                                ": " +
                                                response.error().message());
    }
    int status = response->status;
    if (status == 301 || status == 302 || status == 303 || status == 307 ||
        status == 308) {
      // §8.3: "The server SHOULD follow redirects"; §10.2: only towards
      // the public Internet, and only to the ports validation may use.
      if (redirects >= options.max_redirects) {
        return Fail(ProblemType::kConnection, "too many redirects");
      }
      auto location = response->Header("Location");
      if (!location)
        return Fail(ProblemType::kConnection, "redirect without Location");
      std::string loc(*location);
      if (!loc.empty() && loc[0] == '/') {
        target = loc;
        continue;
      }
      auto url = net::ParseUrl(loc);
      if (!url.ok()) {
        return Fail(ProblemType::kConnection, "redirect to a bad URL: " + loc);
      }
      if (url->https || url->port != 80) {
        return Fail(ProblemType::kConnection,
                    "redirect to " + loc +
                        ": only http on port 80 is followed (RFC 8555 §8.3)");
      }
      if (IsIpLiteral(url->host) && !IsPublicAddress(url->host)) {
        return Fail(ProblemType::kConnection,
                    "redirect to a non-public address: " + loc);
      }
      host = url->host;
      port = options.resolve_all_to.empty() ? 80 : options.http01_port;
      target = url->target;
      continue;
    }
    if (status != 200) {
      return Fail(ProblemType::kUnauthorized, "http://" + identifier.value +
                                                  target + " answered " +
                                                  std::to_string(status));
    }
    // Steps 4-5.
    std::string_view body = TrimTrailingWhitespace(response->body);
    if (body != key_authorization) {
      return Fail(ProblemType::kIncorrectResponse,
                  "the key authorization served at http://" + identifier.value +
                      target + " does not match");
    }
    return std::nullopt;
  }
}

std::optional<ValidationFailure> ValidateDns01(
    const ValidationOptions& options, const Identifier& identifier,
    const std::string& key_authorization) {
  if (identifier.type != "dns") {
    return Fail(ProblemType::kUnsupportedIdentifier,
                "dns-01 validates dns identifiers");
  }
  // §8.4: the TXT record at _acme-challenge.<domain> holds
  // base64url(SHA-256(key authorization)); the caller passes that digest
  // form as key_authorization.
  std::string name = "_acme-challenge." + identifier.value;
  auto records = LookupTxt(options.dns_resolver, name, options.timeout);
  if (!records.ok()) return Fail(ProblemType::kDns, records.error().message());
  for (const std::string& record : *records) {
    if (record == key_authorization) return std::nullopt;
  }
  if (records->empty()) {
    return Fail(ProblemType::kUnauthorized, "no TXT record at " + name);
  }
  return Fail(ProblemType::kIncorrectResponse,
              "no TXT record at " + name + " matches the key authorization");
}

std::optional<ValidationFailure> ValidateTlsAlpn01(
    const ValidationOptions& options, const Identifier& identifier,
    const std::string& key_authorization) {
  // RFC 8737 §3 for dns identifiers (ip identifiers are validated by
  // http-01 here).
  if (identifier.type != "dns") {
    return Fail(ProblemType::kMalformed,
                "tls-alpn-01 validates dns identifiers");
  }
  auto probe = net::ProbeTls(ConnectHost(options, identifier.value),
                             options.tls_alpn01_port, identifier.value,
                             "acme-tls/1", options.timeout);
  if (!probe.ok()) {
    return Fail(probe.error().code() == ErrorCode::kUnavailable
                    ? ProblemType::kConnection
                    : ProblemType::kTls,
                probe.error().message());
  }
  if (probe->alpn != "acme-tls/1") {
    return Fail(ProblemType::kTls, "the server did not negotiate acme-tls/1");
  }
  auto cert = cert::ParseCertificate(probe->certificate_der);
  if (!cert.ok()) {
    return Fail(ProblemType::kTls,
                "the certificate does not parse: " + cert.error().message());
  }
  bool san_ok = false;
  std::optional<std::vector<uint8_t>> acme_identifier;
  for (const auto& ext : cert->tbs.parsed_extensions) {
    if (ext.oid == "2.5.29.17") {
      // "a subjectAltName extension containing the dNSName being validated
      // and no other entries".
      wire::DerReader r(ext.value), names;
      std::span<const uint8_t> name;
      san_ok = r.ReadSequence(&names) && r.Done() &&
               names.ReadElement(wire::DerImplicitTag(2), &name) &&
               names.Done() &&
               std::string(name.begin(), name.end()) == identifier.value;
    } else if (ext.oid == "1.3.6.1.5.5.7.1.31") {
      // id-pe-acmeIdentifier, critical; extnValue: Authorization ::=
      // OCTET STRING (SIZE (32)), the SHA-256 of the key authorization.
      wire::DerReader r(ext.value);
      std::span<const uint8_t> digest;
      if (!ext.critical || !r.ReadOctetString(&digest) || !r.Done()) {
        return Fail(ProblemType::kTls, "bad acmeIdentifier extension");
      }
      acme_identifier.emplace(digest.begin(), digest.end());
    }
  }
  if (!san_ok) {
    return Fail(ProblemType::kTls,
                "the certificate's subjectAltName is not "
                "exactly " +
                    identifier.value);
  }
  auto expected = crypto::Sha256Of(
      {reinterpret_cast<const uint8_t*>(key_authorization.data()),
       key_authorization.size()});
  if (!acme_identifier ||
      !std::equal(acme_identifier->begin(), acme_identifier->end(),
                  expected.begin(), expected.end())) {
    return Fail(ProblemType::kIncorrectResponse,
                "the acmeIdentifier extension does not match the key "
                "authorization");
  }
  return std::nullopt;
}

std::optional<ValidationFailure> ValidateChallenge(
    const ValidationOptions& options, const std::string& challenge_type,
    const Identifier& identifier, const std::string& token,
    const std::string& key_authorization) {
  if (challenge_type == "http-01") {
    return ValidateHttp01(options, identifier, token, key_authorization);
  }
  if (challenge_type == "dns-01") {
    return ValidateDns01(options, identifier, key_authorization);
  }
  if (challenge_type == "tls-alpn-01") {
    return ValidateTlsAlpn01(options, identifier, key_authorization);
  }
  return Fail(ProblemType::kServerInternal,
              "challenge type " + challenge_type + " is not validated here");
}

}  // namespace mtc::acme
