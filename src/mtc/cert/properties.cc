#include "mtc/cert/properties.h"

#include <algorithm>
#include <array>
#include <utility>

#include "mtc/wire/builder.h"
#include "mtc/wire/der.h"
#include "mtc/wire/pem.h"
#include "mtc/wire/reader.h"

namespace mtc::cert {

namespace {

constexpr uint16_t kTrustAnchorIdType =
    static_cast<uint16_t>(CertificatePropertyType::kTrustAnchorId);
constexpr uint16_t kGroupInclusionsType =
    static_cast<uint16_t>(CertificatePropertyType::kTrustAnchorGroupInclusions);
constexpr uint16_t kNegotiationType =
    static_cast<uint16_t>(CertificatePropertyType::kTrustAnchorNegotiation);
// The highest type this code decodes; unknown ones sort after it.
constexpr uint16_t kLastKnownType = kNegotiationType;

// §Issuance Logs: "Log numbers are numbered consecutively from 1 to at most
// 65535".
constexpr uint64_t kMaxLogNumber = 65535;

Error Malformed(std::string why) {
  return Error(ErrorCode::kMalformed,
               "CertificatePropertyList: " + std::move(why));
}

bool IsTrustAnchorId(std::span<const uint8_t> binary) {
  return TrustAnchorId::FromBinary(binary).ok();
}

// Certificate ::= SEQUENCE { tbsCertificate TBSCertificate,
//     signatureAlgorithm AlgorithmIdentifier, signatureValue BIT STRING }
// Only the outline: the certificates of a chain are not ours to verify here.
bool IsCertificateShaped(std::span<const uint8_t> der) {
  wire::DerReader r(der), cert;
  std::span<const uint8_t> signature;
  uint8_t unused_bits;
  return r.ReadSequence(&cert) && r.Done() &&
         cert.SkipElement(wire::kDerSequence) &&
         cert.SkipElement(wire::kDerSequence) &&
         cert.ReadBitString(&signature, &unused_bits) && cert.Done();
}

// Replaces every LF with CRLF.
std::string WithCrlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 64 + 8);
  for (char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

}  // namespace

bool operator==(const CertificateProperties& a,
                const CertificateProperties& b) {
  auto same_range = [](const TrustAnchorRange& x, const TrustAnchorRange& y) {
    return x.base == y.base && x.min == y.min && x.max == y.max;
  };
  return a.trust_anchor_id == b.trust_anchor_id &&
         std::equal(a.trust_anchor_group_inclusions.begin(),
                    a.trust_anchor_group_inclusions.end(),
                    b.trust_anchor_group_inclusions.begin(),
                    b.trust_anchor_group_inclusions.end(), same_range) &&
         a.trust_anchor_negotiation == b.trust_anchor_negotiation &&
         a.unknown == b.unknown;
}

Result<std::vector<uint8_t>> SerializeCertificatePropertyList(
    const CertificateProperties& properties) {
  wire::Builder b;
  // §6: "MUST be sorted numerically by type and MUST NOT contain values with
  // a duplicate type".
  b.AddU16LengthPrefixed([&](wire::Builder& list) {
    if (properties.trust_anchor_id.has_value()) {
      // §6.1: the binary representation.
      list.AddU16(kTrustAnchorIdType);
      list.AddU16LengthPrefixedBytes(properties.trust_anchor_id->binary());
    }
    if (!properties.trust_anchor_group_inclusions.empty()) {
      // §6.2:
      //   struct {
      //       TrustAnchorID base;
      //       uint64 min;
      //       uint64 max;
      //   } TrustAnchorRange;
      //   TrustAnchorRange TrustAnchorRangeList<1..2^16-1>;
      list.AddU16(kGroupInclusionsType);
      list.AddU16LengthPrefixed([&](wire::Builder& data) {
        data.AddU16LengthPrefixed([&](wire::Builder& ranges) {
          for (const TrustAnchorRange& range :
               properties.trust_anchor_group_inclusions) {
            if (!IsTrustAnchorId(range.base)) {
              ranges.Fail("group inclusion base is not a trust anchor ID");
            }
            ranges.AddU8LengthPrefixedBytes(range.base);
            ranges.AddU64(range.min);
            ranges.AddU64(range.max);
          }
        });
      });
    }
    if (properties.trust_anchor_negotiation) {
      // §6.3: "MUST be empty".
      list.AddU16(kNegotiationType);
      list.AddU16(0);
    }
    uint32_t previous = kLastKnownType;
    for (const UnknownCertificateProperty& p : properties.unknown) {
      if (p.type <= previous) {
        list.Fail("unknown property type " + std::to_string(p.type) +
                  " is a known type or out of order");
      }
      previous = p.type;
      list.AddU16(p.type);
      list.AddU16LengthPrefixedBytes(p.data);
    }
  });
  return std::move(b).Finish();
}

Result<CertificateProperties> ParseCertificatePropertyList(
    std::span<const uint8_t> bytes) {
  // CertificateProperty CertificatePropertyList<0..2^16-1>;
  wire::Reader input(bytes), list;
  if (!input.ReadU16LengthPrefixed(&list) || !input.Done()) {
    return Malformed("bad length or trailing data");
  }
  CertificateProperties out;
  std::optional<uint16_t> previous;
  while (!list.empty()) {
    // struct {
    //     CertificatePropertyType type;
    //     opaque data<0..2^16-1>;
    // } CertificateProperty;
    uint16_t type;
    std::span<const uint8_t> data;
    if (!list.ReadU16(&type) || !list.ReadU16LengthPrefixed(&data)) {
      return Malformed("truncated CertificateProperty");
    }
    // §6: sorted, no duplicates; both "syntax errors" whatever the type.
    if (previous.has_value() && type <= *previous) {
      return Malformed(
          "property " + std::to_string(type) +
          (type == *previous ? " is duplicated" : " is out of order"));
    }
    previous = type;
    switch (type) {
      case kTrustAnchorIdType: {
        Result<TrustAnchorId> id = TrustAnchorId::FromBinary(data);
        if (!id.ok())
          return Malformed("trust_anchor_id: " + id.error().message());
        out.trust_anchor_id = std::move(id).value();
        break;
      }
      case kGroupInclusionsType: {
        wire::Reader d(data), ranges;
        if (!d.ReadU16LengthPrefixed(&ranges) || !d.Done() || ranges.empty()) {
          return Malformed(
              "trust_anchor_group_inclusions is not a non-empty "
              "TrustAnchorRangeList");
        }
        while (!ranges.empty()) {
          std::span<const uint8_t> base;
          TrustAnchorRange range;
          if (!ranges.ReadU8LengthPrefixed(&base) ||
              !ranges.ReadU64(&range.min) || !ranges.ReadU64(&range.max)) {
            return Malformed("truncated TrustAnchorRange");
          }
          if (!IsTrustAnchorId(base)) {
            return Malformed("TrustAnchorRange base is not a trust anchor ID");
          }
          range.base.assign(base.begin(), base.end());
          out.trust_anchor_group_inclusions.push_back(std::move(range));
        }
        break;
      }
      case kNegotiationType:
        if (!data.empty()) {
          return Malformed("trust_anchor_negotiation data is not empty");
        }
        out.trust_anchor_negotiation = true;
        break;
      default:
        // §6: authenticating parties ignore unrecognized types; keep them so
        // the list can be written back unchanged.
        out.unknown.push_back(UnknownCertificateProperty{
            type, std::vector<uint8_t>(data.begin(), data.end())});
        break;
    }
  }
  return out;
}

Result<std::string> EncodeCertificateChainWithProperties(
    const CertificateChainWithProperties& chain) {
  if (chain.certificates.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "a certificate chain needs an end-entity certificate");
  }
  MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> properties,
                       SerializeCertificatePropertyList(chain.properties));
  // §6.4: the CertificatePropertyList first, then the path, end entity first.
  // PemEncode ends each block with its eol, which separates it from the next.
  MTC_ASSIGN_OR_RETURN(
      std::string out,
      wire::PemEncode(wire::kPemCertificateProperties, properties));
  for (const std::vector<uint8_t>& der : chain.certificates) {
    if (!IsCertificateShaped(der)) {
      return Error(ErrorCode::kInvalidArgument,
                   "chain element is not a DER Certificate");
    }
    MTC_ASSIGN_OR_RETURN(std::string block,
                         wire::PemEncode(wire::kPemCertificate, der));
    out += block;
  }
  return out;
}

Result<CertificateChainWithProperties> ParseCertificateChainWithProperties(
    std::string_view text) {
  Result<std::vector<wire::PemBlock>> blocks = wire::PemDecodeAll(text);
  if (!blocks.ok()) {
    return blocks.error().WithContext("certificate chain with properties");
  }
  // §6.4: "MUST use the strict encoding and MUST NOT include explanatory
  // text". The strict encoding of a block is unique, so the text must be
  // exactly the blocks written back, with LF or CRLF eols, and may lack the
  // last eol (the ABNF has none; files usually end with one).
  std::string canonical;
  for (const wire::PemBlock& block : *blocks) {
    MTC_ASSIGN_OR_RETURN(std::string encoded,
                         wire::PemEncode(block.label, block.bytes));
    canonical += encoded;
  }
  std::string_view lf = canonical;
  std::string crlf = WithCrlf(canonical);
  std::string_view crlf_view = crlf;
  if (text != lf && text != lf.substr(0, lf.size() - 1) && text != crlf_view &&
      text != crlf_view.substr(0, crlf_view.size() - 2)) {
    return Error(ErrorCode::kMalformed,
                 "certificate chain with properties: not exactly PEM blocks in "
                 "RFC 7468's strict form (explanatory text, blank lines or "
                 "mixed line endings)");
  }

  if (blocks->size() < 2 ||
      (*blocks)[0].label != wire::kPemCertificateProperties) {
    return Error(ErrorCode::kMalformed,
                 "certificate chain with properties: expected a \"CERTIFICATE "
                 "PROPERTIES\" block followed by at least one \"CERTIFICATE\" "
                 "block");
  }
  CertificateChainWithProperties out;
  MTC_ASSIGN_OR_RETURN(out.properties,
                       ParseCertificatePropertyList((*blocks)[0].bytes));
  for (size_t i = 1; i < blocks->size(); i++) {
    wire::PemBlock& block = (*blocks)[i];
    if (block.label != wire::kPemCertificate) {
      return Error(ErrorCode::kMalformed,
                   "certificate chain with properties: block " +
                       std::to_string(i + 1) + " is \"" + block.label +
                       "\", not \"CERTIFICATE\"");
    }
    // §6.4: "DER MUST be used".
    if (!IsCertificateShaped(block.bytes)) {
      return Error(ErrorCode::kMalformed,
                   "certificate chain with properties: block " +
                       std::to_string(i + 1) + " is not a DER Certificate");
    }
    out.certificates.push_back(std::move(block.bytes));
  }
  return out;
}

CertificateProperties StandaloneCertificateProperties(
    const TrustAnchorId& ca_id) {
  CertificateProperties out;
  out.trust_anchor_id = ca_id;
  return out;
}

Result<CertificateProperties> LandmarkRelativeCertificateProperties(
    const TrustAnchorId& ca_id, uint64_t log_number, uint64_t landmark,
    uint64_t max_active_landmarks) {
  if (log_number == 0 || log_number > kMaxLogNumber) {
    return Error(
        ErrorCode::kInvalidArgument,
        "log number " + std::to_string(log_number) + " is not 1..65535");
  }
  // §Certification Authority Identifiers: the landmark and group OIDs exist
  // for positive N and L; landmark zero has no subtrees to certify against.
  if (landmark == 0) {
    return Error(ErrorCode::kInvalidArgument,
                 "landmark 0 has no landmark-relative certificates");
  }
  if (max_active_landmarks == 0) {
    return Error(ErrorCode::kInvalidArgument,
                 "max_active_landmarks must be positive");
  }
  // {caID landmarks(1) N L}
  std::array<uint64_t, 3> landmark_arcs = {1, log_number, landmark};
  Result<TrustAnchorId> id = ca_id.Child(landmark_arcs);
  // {caID landmarkGroups(2) N}: the arc of the groups {caID 2 N L'}.
  std::array<uint64_t, 2> group_arcs = {2, log_number};
  Result<TrustAnchorId> group_base = ca_id.Child(group_arcs);
  if (!id.ok() || !group_base.ok()) {
    return Error(ErrorCode::kInvalidArgument, "landmark trust anchor IDs of " +
                                                  ca_id.ToAscii() +
                                                  " would exceed 255 bytes");
  }
  // §Single-Log Landmark Groups: group L' contains landmarks
  // L' - max_active_landmarks + 1 through L'. So landmark L is in groups
  // L through L + max_active_landmarks - 1.
  uint64_t extra = max_active_landmarks - 1;
  uint64_t last_group =
      extra > UINT64_MAX - landmark ? UINT64_MAX : landmark + extra;

  CertificateProperties out;
  out.trust_anchor_id = std::move(id).value();
  out.trust_anchor_group_inclusions.push_back(TrustAnchorRange{
      .base = group_base->binary(), .min = landmark, .max = last_group});
  out.trust_anchor_negotiation = true;
  return out;
}

}  // namespace mtc::cert
