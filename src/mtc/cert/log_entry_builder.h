// Builds the TBSCertificateLogEntry a CA logs for a validated request: the
// certificate's fields from its inputs (subject, names, key usages, validity,
// key). The encoding choices follow the draft authors' generator so that the
// same inputs give the same entry bytes: version v3 always; extensions in the
// order key usage, extended key usage, subject alternative name, basic
// constraints, each marked critical; a commonName as PrintableString where its
// characters allow, else UTF8String.
#ifndef MTC_CERT_LOG_ENTRY_BUILDER_H_
#define MTC_CERT_LOG_ENTRY_BUILDER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mtc/base/result.h"
#include "mtc/cert/certificate.h"
#include "mtc/cert/trust_anchor_id.h"

namespace mtc::cert {

// RFC 5280 §4.2.1.3 KeyUsage bits.
enum KeyUsageBit : uint16_t {
  kDigitalSignature = 1 << 0,
  kContentCommitment = 1 << 1,
  kKeyEncipherment = 1 << 2,
  kDataEncipherment = 1 << 3,
  kKeyAgreement = 1 << 4,
  kKeyCertSign = 1 << 5,
  kCrlSign = 1 << 6,
  kEncipherOnly = 1 << 7,
  kDecipherOnly = 1 << 8,
};

inline constexpr char kServerAuthOid[] = "1.3.6.1.5.5.7.3.1";
inline constexpr char kClientAuthOid[] = "1.3.6.1.5.5.7.3.2";

struct CertificateInputs {
  TrustAnchorId issuer;  // the CA ID
  int64_t not_before = 0;
  int64_t not_after = 0;
  std::string subject_common_name;  // empty: an empty subject
  std::vector<std::string> dns_names;
  std::vector<std::vector<uint8_t>> ip_addresses;  // 4 or 16 bytes each
  uint16_t key_usage = 0;                          // KeyUsageBit flags
  std::vector<std::string> ext_key_usage;          // dotted OIDs
  bool is_ca = false;
  std::optional<uint64_t> max_path_len;
  std::vector<uint8_t> spki;  // SubjectPublicKeyInfo DER
};

Result<TbsCertificateLogEntry> BuildLogEntry(const CertificateInputs& inputs);

// The DER of a KeyUsage BIT STRING with named-bit trailing zeros removed.
std::vector<uint8_t> EncodeKeyUsage(uint16_t bits);

}  // namespace mtc::cert

#endif  // MTC_CERT_LOG_ENTRY_BUILDER_H_
