// DerReader and DerBuilder: strict DER (ITU-T X.690 §8, §10, §11) for the
// X.509 structures of RFC 5280 that MTCs carry (draft-ietf-plants-merkle-tree-
// certs §5.5 the CA certificate and its extension, §6 the TBSCertificate and
// the MTCProof in signatureValue).
//
// DerReader is a cursor in the manner of BoringSSL's CBS_get_asn1: each Read*
// consumes exactly one element of the expected tag and returns true, or returns
// false and leaves the cursor where it was. Only DER is accepted:
//   - definite lengths in the minimal form (X.690 §10.1, §8.1.3.5 NOTE 2);
//   - tag numbers >= 31 in the high-tag-number form, minimal (§8.1.2.4);
//   - INTEGER in the fewest octets (§8.3.2), BOOLEAN TRUE as 0xFF (§11.1),
//     BIT STRING unused bits zero (§11.2.1), primitive strings (§10.2);
//   - UTCTime and GeneralizedTime as RFC 5280 §4.1.2.5.1-2 restrict them;
//   - SET OF elements in ascending order (§11.6);
//   - a DEFAULT component is absent when equal to its default (§11.5).
// Parsers quote their ASN.1 and end with Done():
//
//   // Extension ::= SEQUENCE { extnID OBJECT IDENTIFIER,
//   //     critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
//   if (!r.ReadSequence(&ext) || !ext.ReadOid(&oid) ||
//       !ext.ReadOptionalBool(/*default_value=*/false, &critical) ||
//       !ext.ReadOctetString(&value) || !ext.Done())
//     return Error(ErrorCode::kMalformed, "bad Extension");
//
// DerBuilder builds constructed elements in scopes like wire::Builder: a lambda
// adds the children, and the length is written afterwards in the minimal form.
// Errors (invalid strings, times out of range) are sticky and Finish() reports
// the first one.
#ifndef MTC_WIRE_DER_H_
#define MTC_WIRE_DER_H_

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mtc/base/result.h"

namespace mtc::wire {

// An ASN.1 tag as BoringSSL's CBS_ASN1_TAG: the class and constructed bits of
// the identifier octet (X.690 §8.1.2) in the top three bits, the tag number in
// the low 29.
using DerTag = uint32_t;

inline constexpr DerTag kDerConstructed = 0x20u << 24;
inline constexpr DerTag kDerUniversal = 0x00u << 24;
inline constexpr DerTag kDerApplication = 0x40u << 24;
inline constexpr DerTag kDerContextSpecific = 0x80u << 24;
inline constexpr DerTag kDerPrivate = 0xc0u << 24;
inline constexpr DerTag kDerClassMask = 0xc0u << 24;
inline constexpr DerTag kDerTagNumberMask = (1u << 29) - 1;

// Universal tags (X.680 §8.4).
inline constexpr DerTag kDerBoolean = 1;
inline constexpr DerTag kDerInteger = 2;
inline constexpr DerTag kDerBitString = 3;
inline constexpr DerTag kDerOctetString = 4;
inline constexpr DerTag kDerNull = 5;
inline constexpr DerTag kDerOid = 6;
inline constexpr DerTag kDerEnumerated = 10;
inline constexpr DerTag kDerUtf8String = 12;
inline constexpr DerTag kDerRelativeOid = 13;
inline constexpr DerTag kDerSequence = 16 | kDerConstructed;
inline constexpr DerTag kDerSet = 17 | kDerConstructed;
inline constexpr DerTag kDerPrintableString = 19;
inline constexpr DerTag kDerIa5String = 22;
inline constexpr DerTag kDerUtcTime = 23;
inline constexpr DerTag kDerGeneralizedTime = 24;

// `[n] EXPLICIT`, and `[n] IMPLICIT` of a constructed type (SEQUENCE, SET):
// a constructed context-specific tag.
constexpr DerTag DerExplicitTag(uint32_t n) {
  return kDerContextSpecific | kDerConstructed | n;
}
// `[n] IMPLICIT` of a primitive type (INTEGER, OCTET STRING, IA5String, ...).
constexpr DerTag DerImplicitTag(uint32_t n) { return kDerContextSpecific | n; }

class DerReader {
 public:
  DerReader() = default;
  explicit DerReader(std::span<const uint8_t> data) : data_(data) {}

  size_t remaining() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  // The bytes not yet read.
  std::span<const uint8_t> rest() const { return data_; }
  // True when every byte has been read.
  bool Done() const { return data_.empty(); }

  // Reads the tag of the next element without consuming it. Fails on an
  // invalid or non-minimal identifier.
  bool PeekTag(DerTag* out) const;
  // True when the next element has tag `tag` (false at the end).
  bool PeekTagIs(DerTag tag) const;

  // Reads any one element: its tag, its contents and, optionally, its whole
  // encoding (identifier + length + contents).
  bool ReadAnyElement(DerTag* tag, std::span<const uint8_t>* contents,
                      std::span<const uint8_t>* element = nullptr);
  // Reads an element with tag `tag` and returns its contents.
  bool ReadElement(DerTag tag, std::span<const uint8_t>* contents);
  bool ReadElement(DerTag tag, DerReader* contents);
  // Reads an element with tag `tag` and returns its whole encoding, e.g. the
  // TBSCertificate bytes that a signature or an MTC log entry covers.
  bool ReadFullElement(DerTag tag, std::span<const uint8_t>* element);
  bool SkipElement(DerTag tag);

  // `x T OPTIONAL`: reads the element if the next tag is `tag` and sets
  // *present; an absent element is success with *present = false.
  bool ReadOptionalElement(DerTag tag, std::span<const uint8_t>* contents,
                           bool* present);
  bool ReadOptionalElement(DerTag tag, DerReader* contents, bool* present);
  // `x T DEFAULT d`: as ReadOptionalElement, but fails when the element is
  // present with contents equal to `default_contents` (the DER contents of d),
  // since DER omits a component equal to its default (X.690 §11.5). Values of
  // one type are equal exactly when their DER encodings are.
  bool ReadOptionalElementWithDefault(DerTag tag,
                                      std::span<const uint8_t> default_contents,
                                      DerReader* contents, bool* present);

  bool ReadSequence(DerReader* contents) {
    return ReadElement(kDerSequence, contents);
  }
  // `SET OF`: also checks that the elements are in ascending order of their
  // encodings (X.690 §11.6).
  bool ReadSetOf(DerReader* contents);

  // INTEGER (X.690 §8.3) as a non-negative value that fits in 64 bits.
  bool ReadUint64(uint64_t* out, DerTag tag = kDerInteger);
  // INTEGER that must be non-negative, as its big-endian magnitude without the
  // sign octet: 0 -> {0x00}, 127 -> {0x7f}, 128 -> {0x80}. For serial numbers.
  bool ReadUnsignedInteger(std::span<const uint8_t>* out,
                           DerTag tag = kDerInteger);
  bool ReadBool(bool* out, DerTag tag = kDerBoolean);
  // `x BOOLEAN DEFAULT default_value`: absent -> default_value; an encoded
  // default is rejected.
  bool ReadOptionalBool(bool default_value, bool* out,
                        DerTag tag = kDerBoolean);
  bool ReadNull(DerTag tag = kDerNull);
  bool ReadOctetString(std::span<const uint8_t>* out,
                       DerTag tag = kDerOctetString);

  // BIT STRING (X.690 §8.6): the bytes after the unused-bits octet and the
  // count of unused (zero) bits in the last one.
  bool ReadBitString(std::span<const uint8_t>* bytes, uint8_t* unused_bits,
                     DerTag tag = kDerBitString);
  // A BIT STRING of whole bytes, as SubjectPublicKeyInfo keys and certificate
  // signatures are.
  bool ReadByteAlignedBitString(std::span<const uint8_t>* bytes,
                                DerTag tag = kDerBitString);

  // OBJECT IDENTIFIER and RELATIVE-OID (X.690 §8.19-20): the contents octets,
  // checked to be minimal base-128 subidentifiers. See OidToText and friends.
  bool ReadOid(std::span<const uint8_t>* contents, DerTag tag = kDerOid);
  bool ReadRelativeOid(std::span<const uint8_t>* contents,
                       DerTag tag = kDerRelativeOid);

  // Character strings, checked against their character sets.
  bool ReadUtf8String(std::string* out, DerTag tag = kDerUtf8String);
  bool ReadPrintableString(std::string* out, DerTag tag = kDerPrintableString);
  bool ReadIa5String(std::string* out, DerTag tag = kDerIa5String);

  // UTCTime "YYMMDDHHMMSSZ", YY < 50 meaning 20YY (RFC 5280 §4.1.2.5.1), and
  // GeneralizedTime "YYYYMMDDHHMMSSZ" (§4.1.2.5.2), as Unix seconds.
  bool ReadUtcTime(int64_t* unix_seconds, DerTag tag = kDerUtcTime);
  bool ReadGeneralizedTime(int64_t* unix_seconds,
                           DerTag tag = kDerGeneralizedTime);
  // `Time ::= CHOICE { utcTime UTCTime, generalTime GeneralizedTime }`
  // (RFC 5280 §4.1): also rejects GeneralizedTime for years 1950 to 2049,
  // which MUST be UTCTime (§4.1.2.5).
  bool ReadTime(int64_t* unix_seconds);

 private:
  // Reads an element with tag `tag` whose contents satisfy `valid`.
  bool ReadChecked(DerTag tag, std::span<const uint8_t>* contents,
                   bool (*valid)(std::span<const uint8_t>));

  std::span<const uint8_t> data_;
};

// Conversions between OBJECT IDENTIFIER / RELATIVE-OID contents octets and
// arcs or dotted decimal text ("1.3.6.1.4.1.44363.47.0"). Arcs must fit in 64
// bits. An OID has at least two arcs, the first 0, 1 or 2 and, below 2, the
// second under 40 (X.690 §8.19.4); a RELATIVE-OID has at least one. Text is
// decimal without leading zeros or empty arcs.
Result<std::vector<uint64_t>> OidToArcs(std::span<const uint8_t> contents);
Result<std::vector<uint8_t>> OidFromArcs(std::span<const uint64_t> arcs);
Result<std::string> OidToText(std::span<const uint8_t> contents);
Result<std::vector<uint8_t>> OidFromText(std::string_view text);
Result<std::vector<uint64_t>> RelativeOidToArcs(
    std::span<const uint8_t> contents);
Result<std::vector<uint8_t>> RelativeOidFromArcs(
    std::span<const uint64_t> arcs);
Result<std::string> RelativeOidToText(std::span<const uint8_t> contents);
Result<std::vector<uint8_t>> RelativeOidFromText(std::string_view text);

class DerBuilder {
 public:
  DerBuilder() = default;

  // Appends an element with tag `tag` whose contents are whatever `fill` adds
  // to the builder it is given (this same builder). For SEQUENCE, [n]
  // EXPLICIT, and also an OCTET STRING that wraps DER (extnValue).
  template <typename Fill>
  requires std::invocable<Fill&, DerBuilder&>
  void AddElement(DerTag tag, Fill&& fill) {
    size_t length_at = BeginElement(tag);
    fill(*this);
    EndElement(length_at);
  }
  template <typename Fill>
  void AddSequence(Fill&& fill) {
    AddElement(kDerSequence, fill);
  }
  // `SET OF`: the elements `fill` adds are sorted into DER order (X.690 §11.6).
  template <typename Fill>
  void AddSetOf(Fill&& fill) {
    size_t length_at = BeginElement(kDerSet);
    fill(*this);
    SortSetOf(length_at);
    EndElement(length_at);
  }

  // Appends an element with the given contents octets, unchecked.
  void AddElement(DerTag tag, std::span<const uint8_t> contents);
  // Appends one complete, already encoded element (e.g. a TBSCertificate or
  // SubjectPublicKeyInfo); fails the builder unless it is exactly one DER
  // element (identifier and length checked, not the contents).
  void AddRawElement(std::span<const uint8_t> element);

  void AddUint64(uint64_t v, DerTag tag = kDerInteger);
  // A non-negative INTEGER from its big-endian magnitude: leading zeros are
  // dropped and a 0x00 sign octet added when the high bit is set. Empty is 0.
  void AddUnsignedInteger(std::span<const uint8_t> big_endian,
                          DerTag tag = kDerInteger);
  void AddBool(bool v, DerTag tag = kDerBoolean);
  void AddNull(DerTag tag = kDerNull);
  void AddOctetString(std::span<const uint8_t> bytes,
                      DerTag tag = kDerOctetString);
  // A BIT STRING of whole bytes.
  void AddBitString(std::span<const uint8_t> bytes, DerTag tag = kDerBitString);
  // A BIT STRING whose last `unused_bits` (0..7) bits are padding; they must be
  // zero, and `bytes` non-empty when unused_bits > 0.
  void AddBitStringWithUnusedBits(std::span<const uint8_t> bytes,
                                  uint8_t unused_bits,
                                  DerTag tag = kDerBitString);
  // From dotted decimal text; fails the builder on invalid text.
  void AddOid(std::string_view text, DerTag tag = kDerOid);
  void AddRelativeOid(std::string_view text, DerTag tag = kDerRelativeOid);
  // Fail the builder when `s` is not in the type's character set.
  void AddUtf8String(std::string_view s, DerTag tag = kDerUtf8String);
  void AddPrintableString(std::string_view s, DerTag tag = kDerPrintableString);
  void AddIa5String(std::string_view s, DerTag tag = kDerIa5String);
  // Fails the builder outside 1950-2049 (UTCTime) or years 0000-9999
  // (GeneralizedTime).
  void AddUtcTime(int64_t unix_seconds, DerTag tag = kDerUtcTime);
  void AddGeneralizedTime(int64_t unix_seconds,
                          DerTag tag = kDerGeneralizedTime);
  // RFC 5280 §4.1.2.5 `Time`: UTCTime for 1950 through 2049, GeneralizedTime
  // otherwise.
  void AddTime(int64_t unix_seconds);

  // Marks the builder failed (for encoders that find their input invalid).
  void Fail(std::string message);

  bool ok() const { return !error_.has_value(); }
  size_t size() const { return out_.size(); }

  // Returns the bytes, or the first error.
  Result<std::vector<uint8_t>> Finish() &&;

 private:
  void AddTag(DerTag tag);
  // Writes the identifier and a one-octet length placeholder; returns the
  // placeholder's offset.
  size_t BeginElement(DerTag tag);
  void EndElement(size_t length_at);
  void SortSetOf(size_t length_at);

  std::vector<uint8_t> out_;
  std::optional<Error> error_;
};

}  // namespace mtc::wire

#endif  // MTC_WIRE_DER_H_
