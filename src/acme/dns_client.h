// A small DNS stub resolver for dns-01 (RFC 8555 §8.4): one TXT query over
// UDP (RFC 1035 §4) to one configured server, so that tests can point the CA
// at a DNS server they run on loopback.
#ifndef MTC_ACME_DNS_CLIENT_H_
#define MTC_ACME_DNS_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "mtc/base/result.h"

namespace mtc::acme {

// The query message for `name` (absolute, without the trailing dot) and
// `qtype` with recursion desired (RFC 1035 §4.1.1-§4.1.2).
Result<std::vector<uint8_t>> BuildDnsQuery(uint16_t id, const std::string& name,
                                           uint16_t qtype);

// The TXT records of a response to BuildDnsQuery(id, name, 16): each
// record's <character-string>s concatenated (RFC 1035 §3.3.14). Checks the
// ID, the QR bit and that the question is ours; an NXDOMAIN or an answer
// without TXT records gives an empty list; other RCODEs and a truncated
// response are errors (kUnavailable), as are malformed messages (kMalformed).
Result<std::vector<std::string>> ParseTxtResponse(std::span<const uint8_t> msg,
                                                  uint16_t id,
                                                  const std::string& name);

// Sends the query to `server` ("host:port" with an IP literal, or "system":
// the first nameserver of /etc/resolv.conf on port 53) and returns the TXT
// records. Retries once within `timeout`.
Result<std::vector<std::string>> LookupTxt(const std::string& server,
                                           const std::string& name,
                                           std::chrono::milliseconds timeout);

}  // namespace mtc::acme

#endif  // MTC_ACME_DNS_CLIENT_H_
