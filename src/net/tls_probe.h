// A TLS handshake that only looks: connects, offers one ALPN protocol and an
// SNI name, and returns what the server presented, without verifying it.
// For ACME tls-alpn-01 validation (RFC 8737 §3), where the server's
// certificate is self-signed by design and is checked by the caller.
#ifndef MTC_NET_TLS_PROBE_H_
#define MTC_NET_TLS_PROBE_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "mtc/base/result.h"

namespace mtc::net {

struct TlsProbeResult {
  std::string alpn;  // the protocol the server selected, empty if none
  std::vector<uint8_t> certificate_der;  // the server's end-entity certificate
};

// Connects to `host` (an IP literal or a name to resolve) on `port`, offers
// TLS 1.2 and 1.3 with SNI `server_name` (omitted when empty) and the single
// ALPN protocol `alpn`, and ends the connection after the handshake.
// kUnavailable for connection failures and timeouts, kVerificationFailed for
// a failed handshake.
Result<TlsProbeResult> ProbeTls(const std::string& host, uint16_t port,
                                const std::string& server_name,
                                const std::string& alpn,
                                std::chrono::milliseconds timeout);

}  // namespace mtc::net

#endif  // MTC_NET_TLS_PROBE_H_
