// Certificate properties (draft-ietf-tls-trust-anchor-ids §6 "Certificate
// Properties"): the CertificatePropertyList that tells an authenticating
// party which trust anchor a certification path chains to, and the
// "application/pem-certificate-chain-with-properties" file (§6.4) an ACME
// server hands out with it. Also the properties of our two kinds of
// certificate (docs/design.md §2 item 7; draft-ietf-plants-merkle-tree-certs
// §Use in TLS).
#ifndef MTC_CERT_PROPERTIES_H_
#define MTC_CERT_PROPERTIES_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mtc/base/result.h"
#include "mtc/cert/trust_anchor_id.h"

namespace mtc::cert {

// enum {
//     trust_anchor_id(0),
//     trust_anchor_group_inclusions(1),
//     trust_anchor_negotiation(2),
//     (2^16-1)
// } CertificatePropertyType;
enum class CertificatePropertyType : uint16_t {
  kTrustAnchorId = 0,
  kTrustAnchorGroupInclusions = 1,
  kTrustAnchorNegotiation = 2,
};

// struct {
//     CertificatePropertyType type;
//     opaque data<0..2^16-1>;
// } CertificateProperty;
//
// A property of a type this code does not know, kept so that a list passes
// through unchanged.
struct UnknownCertificateProperty {
  uint16_t type = 0;
  std::vector<uint8_t> data;

  bool operator==(const UnknownCertificateProperty&) const = default;
};

// CertificateProperty CertificatePropertyList<0..2^16-1>;
//
// The properties of §6.1-§6.3, decoded, plus any others.
struct CertificateProperties {
  // §6.1: the trust anchor ID of the path's trust anchor.
  std::optional<TrustAnchorId> trust_anchor_id;
  // §6.2 TrustAnchorRangeList<1..2^16-1>: the trust anchor groups (§3.1
  // ranges) that also contain the trust anchor. Empty means the property is
  // absent.
  std::vector<TrustAnchorRange> trust_anchor_group_inclusions;
  // §6.3: present (with empty data) when the path should only be chosen when
  // the relying party's trust anchors match it, never as a fallback.
  bool trust_anchor_negotiation = false;
  // Other properties, in ascending order of type, each type above 2.
  // Authenticating parties ignore them (§6).
  std::vector<UnknownCertificateProperty> unknown;
};

bool operator==(const CertificateProperties& a, const CertificateProperties& b);

// Encodes `properties` as a CertificatePropertyList, sorted by type. Fails
// (kInvalidArgument) when an unknown property has a known type or they are
// not strictly ascending, a group inclusion's base is not a trust anchor ID,
// or a length overflows its prefix.
Result<std::vector<uint8_t>> SerializeCertificatePropertyList(
    const CertificateProperties& properties);

// Parses a CertificatePropertyList strictly (kMalformed otherwise): exact
// lengths, no trailing data, types strictly ascending, hence no duplicates of
// any type, known or not (§6: "syntax errors and MUST be rejected"); a
// trust_anchor_id that is a valid trust anchor ID (§3: the binary
// representation, 1..255 bytes); a non-empty TrustAnchorRangeList whose bases
// are trust anchor IDs; an empty trust_anchor_negotiation.
Result<CertificateProperties> ParseCertificatePropertyList(
    std::span<const uint8_t> bytes);

// A certification path with its properties: what a file of type
// "application/pem-certificate-chain-with-properties" (§6.4) holds.
struct CertificateChainWithProperties {
  CertificateProperties properties;
  // DER certificates: the end-entity certificate first, each following one
  // certifying the one before; the trust anchor is not included.
  std::vector<std::vector<uint8_t>> certificates;
};

// Writes the §6.4 file:
//   certchainwithproperties = stricttextualmsg eol stricttextualmsg
//                             *(eol stricttextualmsg)
// a "CERTIFICATE PROPERTIES" block, then one "CERTIFICATE" block per
// certificate, LF line endings, no explanatory text, ending in an eol (as
// every producer of RFC 8555's pem-certificate-chain does). Fails
// (kInvalidArgument) without a certificate or when a certificate is not one
// DER Certificate SEQUENCE.
Result<std::string> EncodeCertificateChainWithProperties(
    const CertificateChainWithProperties& chain);

// Parses a §6.4 file. Strict: exactly the blocks above in that order, each
// in RFC 7468's strict form, with nothing before, between or after them
// except one eol between blocks and an optional eol at the end; LF or CRLF
// line endings, the same throughout. Each certificate must be one DER
// element shaped like a Certificate (SEQUENCE of SEQUENCE, SEQUENCE, BIT
// STRING); its contents are not checked further.
Result<CertificateChainWithProperties> ParseCertificateChainWithProperties(
    std::string_view text);

// The properties of a standalone certificate of the CA `ca_id`
// (draft-ietf-plants-merkle-tree-certs §Standalone Certificates in TLS; docs/
// design.md §2 item 7): trust_anchor_id = the CA ID. No
// trust_anchor_negotiation: a standalone certificate is the fallback when
// nothing matches (§6.5).
CertificateProperties StandaloneCertificateProperties(
    const TrustAnchorId& ca_id);

// The properties of a landmark-relative certificate built on landmark
// `landmark` of log `log_number` of the CA `ca_id` (§Landmark-Relative
// Certificates in TLS):
//   - trust_anchor_id = <CA ID>.1.<log_number>.<landmark>;
//   - one group inclusion with base <CA ID>.2.<log_number>: the landmark
//     groups (§Single-Log Landmark Groups) that contain the landmark, i.e.
//     those L' with L' - max_active_landmarks + 1 <= landmark <= L', so
//     min = landmark, max = landmark + max_active_landmarks - 1 (at most
//     2^64 - 1);
//   - trust_anchor_negotiation, since the certificate works only for relying
//     parties that hold the landmark.
// Fails (kInvalidArgument) when log_number is not 1..65535 (§Issuance Logs),
// landmark is 0 (landmark zero has no subtrees), max_active_landmarks is 0,
// or an ID would exceed 255 bytes.
Result<CertificateProperties> LandmarkRelativeCertificateProperties(
    const TrustAnchorId& ca_id, uint64_t log_number, uint64_t landmark,
    uint64_t max_active_landmarks);

}  // namespace mtc::cert

#endif  // MTC_CERT_PROPERTIES_H_
