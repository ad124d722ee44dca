// Challenge validation (RFC 8555 §8): the CA's side of http-01 (§8.3),
// dns-01 (§8.4) and tls-alpn-01 (RFC 8737), for dns identifiers and ip
// identifiers (RFC 8738 §3, http-01 only). Each check is one blocking call, run
// on a worker thread (see AcmeServer), bounded by a timeout.
#ifndef MTC_ACME_CHALLENGE_H_
#define MTC_ACME_CHALLENGE_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "acme/acme_store.h"
#include "acme/problem.h"

namespace mtc::acme {

struct ValidationOptions {
  // Port http-01 connects to (80 in production, RFC 8555 §8.3 step 3).
  uint16_t http01_port = 80;
  uint16_t tls_alpn01_port = 443;
  // Test mode: every identifier's address is this one (an IP literal).
  std::string resolve_all_to;
  // Where dns-01 sends its TXT query: "host:port" (an IP literal) or
  // "system" (the first nameserver of /etc/resolv.conf, port 53).
  std::string dns_resolver = "system";
  // For the whole validation of one challenge, redirects included.
  std::chrono::milliseconds timeout{10'000};
  // §8.3 redirects followed at most.
  int max_redirects = 10;
};

// Why a validation failed: an ACME error type (connection,
// incorrectResponse, unauthorized, dns, tls; RFC 8555 §6.7) and a human
// message for the problem document.
struct ValidationFailure {
  ProblemType type;
  std::string detail;
};

// Checks the challenge response for `identifier` (without "*.") against
// `key_authorization` (§8.1; for dns-01 the base64url SHA-256 digest of it,
// §8.4). nullopt: valid.
std::optional<ValidationFailure> ValidateChallenge(
    const ValidationOptions& options, const std::string& challenge_type,
    const Identifier& identifier, const std::string& token,
    const std::string& key_authorization);

// The parts, for tests.
std::optional<ValidationFailure> ValidateHttp01(
    const ValidationOptions& options, const Identifier& identifier,
    const std::string& token, const std::string& key_authorization);
std::optional<ValidationFailure> ValidateDns01(
    const ValidationOptions& options, const Identifier& identifier,
    const std::string& key_authorization);
std::optional<ValidationFailure> ValidateTlsAlpn01(
    const ValidationOptions& options, const Identifier& identifier,
    const std::string& key_authorization);

// Whether an IPv4 or IPv6 address (4 or 16 bytes) may be the target of a
// validation request that an applicant steers (a redirect's IP literal):
// public unicast only, no loopback, private (RFC 1918, RFC 4193), link-local,
// shared (RFC 6598), multicast or reserved space (RFC 8555 §10.2: "validation
// queries can only be sent to servers on the public Internet").
bool IsPublicAddress(const std::string& ip_text);

}  // namespace mtc::acme

#endif  // MTC_ACME_CHALLENGE_H_
