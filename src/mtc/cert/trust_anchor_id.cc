#include "mtc/cert/trust_anchor_id.h"

#include <algorithm>

#include "mtc/wire/der.h"

namespace mtc::cert {

namespace {

constexpr char kTrustAnchorIdAttribute[] = "1.3.6.1.4.1.44363.47.1";

Error Invalid(const std::string& why) {
  return Error(ErrorCode::kMalformed, "invalid trust anchor ID: " + why);
}

Status CheckLength(size_t n) {
  if (n == 0 || n > 255) {
    return Invalid("binary form must be 1..255 bytes, not " +
                   std::to_string(n));
  }
  return OkStatus();
}

}  // namespace

Result<TrustAnchorId> TrustAnchorId::FromAscii(std::string_view ascii) {
  auto binary = wire::RelativeOidFromText(ascii);
  if (!binary.ok())
    return Invalid("\"" + std::string(ascii) +
                   "\": " + binary.error().message());
  MTC_RETURN_IF_ERROR(CheckLength(binary->size()));
  return TrustAnchorId(std::move(binary).value());
}

Result<TrustAnchorId> TrustAnchorId::FromBinary(
    std::span<const uint8_t> binary) {
  MTC_RETURN_IF_ERROR(CheckLength(binary.size()));
  auto arcs = wire::RelativeOidToArcs(binary);
  if (!arcs.ok()) return Invalid(arcs.error().message());
  return TrustAnchorId(std::vector<uint8_t>(binary.begin(), binary.end()));
}

Result<TrustAnchorId> TrustAnchorId::FromDer(std::span<const uint8_t> der) {
  wire::DerReader r(der);
  std::span<const uint8_t> contents;
  if (!r.ReadRelativeOid(&contents) || !r.Done()) {
    return Invalid("not a single DER RELATIVE-OID");
  }
  return FromBinary(contents);
}

std::string TrustAnchorId::ToAscii() const {
  // The binary form was validated on construction.
  return wire::RelativeOidToText(binary_).value();
}

std::vector<uint64_t> TrustAnchorId::Arcs() const {
  return wire::RelativeOidToArcs(binary_).value();
}

std::vector<uint8_t> TrustAnchorId::ToDer() const {
  // RELATIVE-OID tag, then a definite length (at most 255, so one or two
  // octets), then the contents.
  std::vector<uint8_t> der;
  der.reserve(binary_.size() + 3);
  der.push_back(0x0d);
  if (binary_.size() >= 0x80) der.push_back(0x81);
  der.push_back(static_cast<uint8_t>(binary_.size()));
  der.insert(der.end(), binary_.begin(), binary_.end());
  return der;
}

Result<TrustAnchorId> TrustAnchorId::Child(
    std::span<const uint64_t> arcs) const {
  std::vector<uint64_t> all = Arcs();
  all.insert(all.end(), arcs.begin(), arcs.end());
  MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> binary,
                       wire::RelativeOidFromArcs(all));
  MTC_RETURN_IF_ERROR(CheckLength(binary.size()));
  return TrustAnchorId(std::move(binary));
}

bool CosignerIdLess(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  if (a.size() != b.size()) return a.size() < b.size();
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
}

bool TrustAnchorRange::Contains(std::span<const uint8_t> id) const {
  // Step 1: base must not end in the middle of a component.
  if (!base.empty() && (base.back() & 0x80) != 0) return false;
  // Step 2: base is a prefix of id.
  if (id.size() < base.size() ||
      !std::equal(base.begin(), base.end(), id.begin())) {
    return false;
  }
  std::span<const uint8_t> rest = id.subspan(base.size());
  // Step 3: rest is one minimal base-128 component.
  if (rest.empty()) return false;               // 3.1
  if ((rest.back() & 0x80) != 0) return false;  // 3.2
  for (size_t i = 0; i + 1 < rest.size(); i++) {
    if ((rest[i] & 0x80) == 0) return false;  // 3.3
  }
  if (rest.front() == 0x80) return false;  // 3.4
  uint64_t v = 0;                          // 3.5
  for (uint8_t b : rest) {                 // 3.6
    if (v >= (uint64_t{1} << 57)) return false;
    v = (v << 7) + (b & 127);
  }
  // Step 4.
  return min <= v && v <= max;
}

std::vector<uint8_t> EncodeCaIdName(const TrustAnchorId& id) {
  // Name ::= SEQUENCE OF RelativeDistinguishedName
  // RelativeDistinguishedName ::= SET SIZE (1..MAX) OF AttributeTypeAndValue
  // AttributeTypeAndValue ::= SEQUENCE { type OID, value ANY }
  wire::DerBuilder b;
  std::string ascii = id.ToAscii();
  b.AddSequence([&](wire::DerBuilder& rdns) {
    rdns.AddSetOf([&](wire::DerBuilder& rdn) {
      rdn.AddSequence([&](wire::DerBuilder& atv) {
        atv.AddOid(kTrustAnchorIdAttribute);
        atv.AddUtf8String(ascii);
      });
    });
  });
  return std::move(b).Finish().value();
}

Result<TrustAnchorId> ParseCaIdName(std::span<const uint8_t> name_der) {
  wire::DerReader r(name_der), rdns, rdn, atv;
  std::span<const uint8_t> oid;
  std::string value;
  if (!r.ReadSequence(&rdns) || !r.Done() || !rdns.ReadSetOf(&rdn) ||
      !rdns.Done() || !rdn.ReadSequence(&atv) || !rdn.Done() ||
      !atv.ReadOid(&oid) || !atv.ReadUtf8String(&value) || !atv.Done()) {
    return Error(ErrorCode::kMalformed,
                 "name is not a single trust anchor ID attribute");
  }
  auto oid_text = wire::OidToText(oid);
  if (!oid_text.ok() || *oid_text != kTrustAnchorIdAttribute) {
    return Error(ErrorCode::kMalformed,
                 "name attribute is not the trust anchor ID type");
  }
  MTC_ASSIGN_OR_RETURN(TrustAnchorId id, TrustAnchorId::FromAscii(value));
  // Only the canonical ASCII form identifies the CA.
  if (id.ToAscii() != value) {
    return Error(ErrorCode::kMalformed,
                 "trust anchor ID \"" + value + "\" is not canonical");
  }
  return id;
}

}  // namespace mtc::cert
