// PKCS#10 certificate signing requests (RFC 2986), as an ACME finalize request
// carries them (RFC 8555 §7.4): strict DER parsing, the self-signature, and
// the names and extensions requested through the extensionRequest attribute
// (RFC 2985 §5.4.2).
//
// Only what this CA can issue is accepted: keys and signature algorithms of
// crypto::SignatureAlgorithm, each signing with its one algorithm, and RSA
// keys of 2048 to 4096 bits with sha256WithRSAEncryption; subjectAltName
// entries that are dNSNames or iPAddresses.
#ifndef MTC_CERT_CSR_H_
#define MTC_CERT_CSR_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mtc/base/result.h"
#include "mtc/crypto/public_key.h"
#include "mtc/crypto/rsa_public_key.h"

namespace mtc::cert {

// pkcs-9-at-extensionRequest (RFC 2985 §5.4.2).
inline constexpr char kExtensionRequestOid[] = "1.2.840.113549.1.9.14";

// The largest CSR ParseCsr reads. One with an ML-DSA-87 key and signature is
// about 7.3 KB; the rest is room for names.
inline constexpr size_t kMaxCsrBytes = 64 * 1024;

// The subject's public key: one of ours, or an RSA key (RFC 8555 §7.4 lets
// the client choose its key; we do not sign with RSA, but we certify it).
using CsrPublicKey = std::variant<crypto::PublicKey, crypto::RsaPublicKey>;

// A parsed CertificationRequest whose signature has been verified.
struct CertificationRequest {
  // The whole certificationRequestInfo element, which the signature covers.
  std::vector<uint8_t> info_der;
  // The subject Name's whole DER encoding, its RFC 4514-style text (see
  // NameToString), and its commonName (RFC 5280 §4.1.2.6; empty when the
  // name has none).
  std::vector<uint8_t> subject;
  std::string subject_text;
  std::string common_name;
  // The SubjectPublicKeyInfo's whole DER encoding and the key it holds.
  std::vector<uint8_t> spki;
  CsrPublicKey public_key;
  // The subjectAltName of the extensionRequest, in request order: dNSNames
  // as written, iPAddresses as 4 or 16 bytes (RFC 5280 §4.2.1.6).
  std::vector<std::string> dns_names;
  std::vector<std::vector<uint8_t>> ip_addresses;
  // The extnIDs of the other requested extensions, dotted decimal, in request
  // order. The caller decides what to honour; ParseCsr only checks that each
  // is a well-formed Extension and appears once.
  std::vector<std::string> other_extension_oids;
};

// The key's algorithm as configuration names spell it: the name of its
// crypto::SignatureAlgorithm ("ecdsa-p256-sha256", "ml-dsa-44", ...) or
// "rsa-<modulus bits>" ("rsa-2048").
std::string CsrKeyAlgorithmName(const CsrPublicKey& key);

// Parses one DER CertificationRequest and verifies its self-signature over
// the certificationRequestInfo. Strict: DER everywhere, nothing trailing,
// version v1(0), the attributes present, at most one extensionRequest with
// exactly one value, extension OIDs unique, signatureAlgorithm the one the key
// signs with. Errors name the field that failed: kMalformed for bad encoding,
// kUnsupported for a valid request we cannot serve (another version, key type,
// signature algorithm or GeneralName form), kVerificationFailed when the
// signature does not verify, kOutOfRange beyond kMaxCsrBytes.
Result<CertificationRequest> ParseCsr(std::span<const uint8_t> der);

// Parses a text that holds exactly one PEM "CERTIFICATE REQUEST" block
// (RFC 7468 §7) holding the above.
Result<CertificationRequest> ParseCsrPem(std::string_view pem);

}  // namespace mtc::cert

#endif  // MTC_CERT_CSR_H_
