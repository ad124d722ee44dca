// The X.509 representation of a Merkle Tree Certificate CA
// (draft-ietf-plants-merkle-tree-certs §Representing Certification
// Authorities): an unsigned certificate (RFC 9925) whose subject is the CA ID,
// whose key is the CA cosigner's, and whose critical
// id-pe-mtcCertificationAuthority extension names the log hash, the cosigner's
// signature algorithm and the allowed serial numbers. Relying parties take
// their configuration for the CA from it (§Relying Party Configuration).
//
// Until the PKIX OIDs are assigned, the name attribute and the extension use
// the experimental 1.3.6.1.4.1.44363.47.1 and .47.2 (spec/draft_oids.md).
#ifndef MTC_CERT_CA_CERTIFICATE_H_
#define MTC_CERT_CA_CERTIFICATE_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mtc/base/result.h"
#include "mtc/cert/trust_anchor_id.h"
#include "mtc/crypto/public_key.h"
#include "mtc/crypto/signature_algorithm.h"

namespace mtc::cert {

// The experimental OID of id-pe-mtcCertificationAuthority.
inline constexpr std::string_view kMtcCertificationAuthorityOid =
    "1.3.6.1.4.1.44363.47.2";

// The hash of the CA's issuance logs. SHA-256 is the only one this project
// implements (§Certification Authorities recommends it).
enum class LogHash {
  kSha256,  // id-sha256, 2.16.840.1.101.3.4.2.1
};

//   MTCCertificationAuthority ::= SEQUENCE {
//       logHash   AlgorithmIdentifier{DIGEST-ALGORITHM, {...}},
//       sigAlg    AlgorithmIdentifier{SIGNATURE-ALGORITHM, {...}},
//       minSerial INTEGER (0..mtcMaxSerial),
//       maxSerial INTEGER (0..mtcMaxSerial)
//   }
struct MtcCertificationAuthority {
  LogHash log_hash = LogHash::kSha256;
  // The CA cosigner's signature algorithm (§Signature Algorithms).
  crypto::SignatureAlgorithm sig_alg = crypto::SignatureAlgorithm::kMlDsa44;
  // §Revoked Ranges: relying parties revoke [0, min_serial) and
  // [max_serial + 1, 2^64). A serial is (log_number << 48) | index.
  uint64_t min_serial = 0;
  uint64_t max_serial = UINT64_MAX;

  // True when `serial` is outside both revoked ranges above.
  bool AllowsSerial(uint64_t serial) const {
    return min_serial <= serial && serial <= max_serial;
  }

  bool operator==(const MtcCertificationAuthority&) const = default;
};

// The DER of the MTCCertificationAuthority SEQUENCE (the extnValue contents).
// logHash is written as RFC 5912 mda-sha256 with its parameters absent and
// sigAlg as the algorithm's X.509 signature AlgorithmIdentifier, parameters
// absent (RFC 8410 §3, RFC 5758 §3.2, RFC 9881), as the reference generator
// writes them.
std::vector<uint8_t> SerializeMtcCertificationAuthority(
    const MtcCertificationAuthority& authority);
// Parses exactly that form. Digest or signature algorithms other than the
// ones above are kUnsupported; NULL parameters (which RFC 5912's
// "preferredAbsent" would tolerate for mda-sha256) are kMalformed, since no
// implementation we know writes them.
Result<MtcCertificationAuthority> ParseMtcCertificationAuthority(
    std::span<const uint8_t> der);

// The issuer field of an unsigned certificate, which has no issuer. RFC 9925
// §3.2 allows either form.
enum class UnsignedIssuer {
  // The subject (the CA ID name), as a self-signed certificate would have.
  kSubject,
  // RFC 9925's placeholder: one attribute id-rdna-unsigned
  // (1.3.6.1.5.5.7.25.1) with an empty UTF8String. The reference generator
  // writes this one.
  kPlaceholder,
};

// The inputs of BuildCaCertificate besides the CA ID and key.
struct CaCertificateOptions {
  // The serialNumber, big-endian without sign octet: positive, at most 20
  // octets once encoded (RFC 5280 §4.1.2.2).
  std::vector<uint8_t> serial_number = {1};
  // Validity (RFC 5280 §4.1.2.5), Unix seconds; not_before <= not_after.
  int64_t not_before = 0;
  int64_t not_after = 0;
  uint64_t min_serial = 0;
  uint64_t max_serial = UINT64_MAX;
  UnsignedIssuer issuer = UnsignedIssuer::kSubject;
  // Whether to include the subject key identifier extension, set to the CA
  // ID's binary representation as §Representing Certification Authorities
  // recommends. The reference generator omits it.
  bool subject_key_identifier = true;
};

// Builds the DER CA certificate of the CA `ca_id` whose CA cosigner key is
// `cosigner_key`. It is unsigned as RFC 9925 §3 requires: signatureAlgorithm
// and TBSCertificate.signature are id-alg-unsigned (1.3.6.1.5.5.7.6.36) with
// the parameters omitted, signatureValue is a BIT STRING of length zero, there
// is no issuerUniqueID and no authority key identifier (§3.3: SHOULD omit),
// and key usage and basic constraints describe the subject, a CA (§3.3).
// TBSCertificate:
//   version v3, serialNumber, issuer (options.issuer), validity,
//   subject = the CA ID name, subjectPublicKeyInfo = cosigner_key,
//   extensions, in this order:
//     key usage, critical, keyCertSign (RFC 5280 §4.2.1.3);
//     basic constraints, critical, cA TRUE (§4.2.1.9);
//     subject key identifier = ca_id.binary() (optional, §4.2.1.2);
//     id-pe-mtcCertificationAuthority, critical.
// Key usage, basic constraints and the MTC extension come in the reference
// generator's order; the subject key identifier where Go's crypto/x509 puts
// it, after basic constraints. With UnsignedIssuer::kPlaceholder and no
// subject key identifier the output is byte for byte the reference
// generator's. Fails (kInvalidArgument) on options out of contract.
Result<std::vector<uint8_t>> BuildCaCertificate(
    const TrustAnchorId& ca_id, const crypto::PublicKey& cosigner_key,
    const CaCertificateOptions& options);

// What a relying party learns from a CA certificate (§Relying Party
// Configuration).
struct CaCertificate {
  TrustAnchorId ca_id;            // from the subject; also the cosigner ID
  crypto::PublicKey public_key;   // the CA cosigner key
  std::vector<uint8_t> spki_der;  // its SubjectPublicKeyInfo, as encoded
  MtcCertificationAuthority authority;
  std::vector<uint8_t> serial_number;  // big-endian, without sign octet
  int64_t not_before;                  // Unix seconds
  int64_t not_after;
  UnsignedIssuer issuer;
  // The subject key identifier extension's value, when present.
  std::optional<std::vector<uint8_t>> subject_key_identifier;

  crypto::SignatureAlgorithm signature_algorithm() const {
    return authority.sig_alg;
  }
};

// Parses a DER CA certificate strictly. Accepts the certificates
// BuildCaCertificate makes (the reference generator's among them) and what
// RFC 5280 and the draft leave open besides: extensions in any order, unknown
// non-critical ones (ignored, e.g. an authority key identifier), a
// non-critical key usage with more bits, a pathLenConstraint, any subject key
// identifier. Fails with kMalformed when:
//   - the input is not one DER Certificate (trailing data included);
//   - the version is not v3, the serial number not positive or over 20
//     octets, notAfter before notBefore, or a unique identifier is present;
//   - the subject is not a CA ID name, or the issuer neither the subject nor
//     the RFC 9925 placeholder;
//   - an extension appears twice; the MTC extension is missing or not
//     critical; key usage is missing or lacks keyCertSign; basic constraints
//     is missing, not critical or has cA FALSE; the subject key identifier is
//     critical;
//   - the extension's sigAlg is not the algorithm of the subject key.
// Fails with kUnsupported when the certificate is not unsigned (the draft:
// a CA certificate SHOULD be an RFC 9925 unsigned certificate, and the
// cosigner key MUST NOT sign TBSCertificates), on an unknown critical
// extension, and on keys, signature or digest algorithms this project does
// not implement.
Result<CaCertificate> ParseCaCertificate(std::span<const uint8_t> der);

// PEM "CERTIFICATE" (RFC 7468 §5.1) forms of the above.
Result<std::string> CaCertificateToPem(std::span<const uint8_t> der);
// Decodes a text holding exactly one CERTIFICATE block and parses it.
Result<CaCertificate> ParseCaCertificatePem(std::string_view pem);

}  // namespace mtc::cert

#endif  // MTC_CERT_CA_CERTIFICATE_H_
