// The TLS identity of the ACME endpoint (docs/design.md §8): a small CA of
// its own, ECDSA P-256, whose certificate (`acme-ca.pem`) ACME clients trust,
// and the server certificate it signs for the CA's host names. These are
// ordinary X.509 certificates (RFC 5280), unrelated to the Merkle Tree CA.
#ifndef MTC_ACME_ACME_TLS_H_
#define MTC_ACME_ACME_TLS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "mtc/base/result.h"

namespace mtc::acme {

// File names in the CA directory.
inline constexpr char kAcmeCaFile[] = "acme-ca.pem";
inline constexpr char kAcmeServerCertFile[] = "acme-server-cert.pem";
inline constexpr char kAcmeServerKeyFile[] = "acme-server-key.pem";

struct AcmeTlsIdentity {
  std::string ca_pem;          // the trust anchor clients configure
  std::string server_pem;      // the server certificate, then the CA's
  std::string server_key_pem;  // PKCS#8
};

// A fresh CA key and certificate (10 years), and a server key and
// certificate for `host` (a DNS name or IP literal) plus "localhost",
// 127.0.0.1 and ::1 (10 years). The CA key is discarded: nothing else is
// ever signed with it.
Result<AcmeTlsIdentity> MakeAcmeTlsIdentity(const std::string& host,
                                            int64_t now);

// Writes the three files into `dir` unless the server certificate exists
// (then leaves all three alone). The key is written owner-only.
Status EnsureAcmeTlsFiles(const std::string& dir, const std::string& host);

}  // namespace mtc::acme

#endif  // MTC_ACME_ACME_TLS_H_
