// Building the PKCS#10 certificate signing request an ACME client sends to
// `finalize` (RFC 8555 §7.4, RFC 2986 §4).
#ifndef MTC_ACME_CLIENT_CSR_H_
#define MTC_ACME_CLIENT_CSR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "mtc/base/result.h"
#include "mtc/crypto/private_key.h"

namespace mtc::acme::client {

// What the certificate should name. RFC 8555 §7.4: the CSR names exactly the
// order's identifiers; the subject stays empty (the names are in
// subjectAltName, RFC 5280 §4.2.1.6), as ACME servers take names from there.
struct CsrNames {
  std::vector<std::string> dns_names;
  // 4-byte IPv4 or 16-byte IPv6 addresses (RFC 8738 §3).
  std::vector<std::vector<uint8_t>> ip_addresses;
};

// The DER CertificationRequest for `key` naming `names`, self-signed with
// the key's one signature algorithm. kInvalidArgument when there is no name
// or an IP address has neither 4 nor 16 bytes, kMalformed for a dNSName
// that is not IA5.
Result<std::vector<uint8_t>> BuildCsr(const crypto::PrivateKey& key,
                                      const CsrNames& names);

// Parses a textual IPv4 or IPv6 address into its 4 or 16 bytes
// (kInvalidArgument otherwise).
Result<std::vector<uint8_t>> ParseIpAddress(const std::string& text);

}  // namespace mtc::acme::client

#endif  // MTC_ACME_CLIENT_CSR_H_
