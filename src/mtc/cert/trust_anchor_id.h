// Trust anchor IDs (draft-ietf-tls-trust-anchor-ids §3): relative OIDs under
// 1.3.6.1.4.1, in ASCII ("32473.1"), binary (DER contents octets) and DER
// forms; trust anchor ranges (§3.1); and the CA ID as a distinguished name
// (draft-ietf-plants-merkle-tree-certs §Certification Authority Identifiers).
#ifndef MTC_CERT_TRUST_ANCHOR_ID_H_
#define MTC_CERT_TRUST_ANCHOR_ID_H_

#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mtc/base/result.h"

namespace mtc::cert {

class TrustAnchorId {
 public:
  // "32473.1": dotted decimal arcs without leading zeros.
  static Result<TrustAnchorId> FromAscii(std::string_view ascii);
  // The contents octets of the RELATIVE-OID's DER encoding: minimal base-128
  // subidentifiers, 1..255 bytes.
  static Result<TrustAnchorId> FromBinary(std::span<const uint8_t> binary);
  // A whole DER RELATIVE-OID element (tag 0x0d).
  static Result<TrustAnchorId> FromDer(std::span<const uint8_t> der);

  std::string ToAscii() const;
  const std::vector<uint8_t>& binary() const { return binary_; }
  std::vector<uint8_t> ToDer() const;
  std::vector<uint64_t> Arcs() const;

  // This ID with `arcs` appended: e.g. the log ID {caID logs(0) N} is
  // ca_id.Child({0, N}).
  Result<TrustAnchorId> Child(std::span<const uint64_t> arcs) const;

  bool operator==(const TrustAnchorId&) const = default;

 private:
  explicit TrustAnchorId(std::vector<uint8_t> binary)
      : binary_(std::move(binary)) {}
  std::vector<uint8_t> binary_;
};

// The order of cosigner IDs in an MTCProof (§Certificate Format): shorter byte
// strings first, then lexicographic. True when `a` sorts strictly before `b`.
bool CosignerIdLess(std::span<const uint8_t> a, std::span<const uint8_t> b);

// A trust anchor range (trust-anchor-ids §3.1): `base` followed by one more
// component v with min <= v <= max.
struct TrustAnchorRange {
  std::vector<uint8_t> base;  // binary representation
  uint64_t min = 0;
  uint64_t max = ~uint64_t{0};

  // The procedure of §3.1, step by step.
  bool Contains(std::span<const uint8_t> id) const;
};

// The CA ID's distinguished name, in the experimental form the draft asks
// early implementations to use: one RDN with one attribute of type
// 1.3.6.1.4.1.44363.47.1 whose value is a UTF8String of the ASCII ID.
std::vector<uint8_t> EncodeCaIdName(const TrustAnchorId& id);
// Parses exactly that form (a whole Name SEQUENCE); anything else fails.
Result<TrustAnchorId> ParseCaIdName(std::span<const uint8_t> name_der);

}  // namespace mtc::cert

#endif  // MTC_CERT_TRUST_ANCHOR_ID_H_
