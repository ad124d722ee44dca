#include "mtc/cert/ca_certificate.h"

#include <algorithm>
#include <set>
#include <utility>

#include "mtc/wire/der.h"
#include "mtc/wire/pem.h"

namespace mtc::cert {

namespace {

using wire::DerBuilder;
using wire::DerReader;

// RFC 9925 §3.1 and §3.2.
constexpr std::string_view kIdAlgUnsigned = "1.3.6.1.5.5.7.6.36";
constexpr std::string_view kIdRdnaUnsigned = "1.3.6.1.5.5.7.25.1";
// RFC 5912 §8 (mda-sha256), NIST CSOR.
constexpr std::string_view kIdSha256 = "2.16.840.1.101.3.4.2.1";
// RFC 5280 §4.2.1.
constexpr std::string_view kIdCeSubjectKeyIdentifier = "2.5.29.14";
constexpr std::string_view kIdCeKeyUsage = "2.5.29.15";
constexpr std::string_view kIdCeBasicConstraints = "2.5.29.19";

// KeyUsage ::= BIT STRING { ..., keyCertSign (5), ... }: bit 5 counted from
// the most significant bit of the first octet.
constexpr uint8_t kKeyCertSignBit = 0x80 >> 5;
// RFC 5280 §4.1.2.2: "Conforming CAs MUST NOT use serialNumber values longer
// than 20 octets."
constexpr size_t kMaxSerialOctets = 20;

Error Malformed(std::string why) {
  return Error(ErrorCode::kMalformed, "CA certificate: " + std::move(why));
}
Error Unsupported(std::string why) {
  return Error(ErrorCode::kUnsupported, "CA certificate: " + std::move(why));
}

std::string OidText(std::span<const uint8_t> contents) {
  // DerReader::ReadOid has checked the encoding; only arcs over 64 bits fail,
  // and those name nothing we know.
  Result<std::string> text = wire::OidToText(contents);
  return text.ok() ? std::move(text).value() : "(OID with a huge arc)";
}

// AlgorithmIdentifier ::= SEQUENCE {
//     algorithm  OBJECT IDENTIFIER,
//     parameters ANY DEFINED BY algorithm OPTIONAL }
void AddAlgorithmIdentifier(DerBuilder& b, std::string_view oid) {
  b.AddSequence([&](DerBuilder& alg) { alg.AddOid(oid); });
}

struct AlgorithmIdentifier {
  std::string oid;
  bool has_parameters = false;
};

bool ReadAlgorithmIdentifier(DerReader* r, AlgorithmIdentifier* out) {
  DerReader alg;
  std::span<const uint8_t> oid;
  if (!r->ReadSequence(&alg) || !alg.ReadOid(&oid)) return false;
  out->oid = OidText(oid);
  out->has_parameters = !alg.empty();
  // The parameters are one element.
  wire::DerTag tag;
  std::span<const uint8_t> contents;
  return alg.empty() || (alg.ReadAnyElement(&tag, &contents) && alg.Done());
}

// The RFC 9925 §3.2 placeholder issuer, "1.3.6.1.5.5.7.25.1=#0C00".
std::vector<uint8_t> PlaceholderIssuer() {
  DerBuilder b;
  b.AddSequence([](DerBuilder& rdns) {
    rdns.AddSetOf([](DerBuilder& rdn) {
      rdn.AddSequence([](DerBuilder& atv) {
        atv.AddOid(kIdRdnaUnsigned);
        atv.AddUtf8String("");
      });
    });
  });
  return std::move(b).Finish().value();
}

// Strips leading zero octets; checks the serial number is positive and fits
// in 20 octets as a DER INTEGER (a magnitude with its top bit set takes a sign
// octet).
Status CheckSerialNumber(std::span<const uint8_t> magnitude) {
  while (!magnitude.empty() && magnitude.front() == 0) {
    magnitude = magnitude.subspan(1);
  }
  if (magnitude.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "serial number must be positive (RFC 5280 §4.1.2.2)");
  }
  size_t octets = magnitude.size() + ((magnitude.front() & 0x80) ? 1 : 0);
  if (octets > kMaxSerialOctets) {
    return Error(ErrorCode::kInvalidArgument,
                 "serial number longer than 20 octets (RFC 5280 §4.1.2.2)");
  }
  return OkStatus();
}

// Extension ::= SEQUENCE {
//     extnID    OBJECT IDENTIFIER,
//     critical  BOOLEAN DEFAULT FALSE,
//     extnValue OCTET STRING }
template <typename Fill>
void AddExtension(DerBuilder& b, std::string_view oid, bool critical,
                  Fill&& fill_value) {
  b.AddSequence([&](DerBuilder& ext) {
    ext.AddOid(oid);
    if (critical) ext.AddBool(true);
    ext.AddElement(wire::kDerOctetString, fill_value);
  });
}

// KeyUsage ::= BIT STRING; DER drops trailing zero bits of a named bit list
// (X.690 §11.2.2), so the last used bit must be set.
Result<bool> ParseKeyUsageHasKeyCertSign(std::span<const uint8_t> value) {
  DerReader r(value);
  std::span<const uint8_t> bits;
  uint8_t unused_bits;
  if (!r.ReadBitString(&bits, &unused_bits) || !r.Done() ||
      (!bits.empty() && ((bits.back() >> unused_bits) & 1) == 0)) {
    return Malformed("key usage is not a DER KeyUsage");
  }
  return !bits.empty() && (bits[0] & kKeyCertSignBit) != 0;
}

// BasicConstraints ::= SEQUENCE {
//     cA                BOOLEAN DEFAULT FALSE,
//     pathLenConstraint INTEGER (0..MAX) OPTIONAL }
Result<bool> ParseBasicConstraintsIsCa(std::span<const uint8_t> value) {
  DerReader r(value), bc;
  bool ca;
  uint64_t path_len;
  if (!r.ReadSequence(&bc) || !r.Done() ||
      !bc.ReadOptionalBool(/*default_value=*/false, &ca) ||
      (bc.PeekTagIs(wire::kDerInteger) && !bc.ReadUint64(&path_len)) ||
      !bc.Done()) {
    return Malformed("basic constraints is not a DER BasicConstraints");
  }
  return ca;
}

}  // namespace

std::vector<uint8_t> SerializeMtcCertificationAuthority(
    const MtcCertificationAuthority& authority) {
  DerBuilder b;
  b.AddSequence([&](DerBuilder& s) {
    // LogHash has one value: mda-sha256, "PARAMS TYPE NULL ARE
    // preferredAbsent" (RFC 5912 §8), written absent.
    AddAlgorithmIdentifier(s, kIdSha256);
    AddAlgorithmIdentifier(
        s, crypto::GetSignatureAlgorithmInfo(authority.sig_alg).signature_oid);
    s.AddUint64(authority.min_serial);
    s.AddUint64(authority.max_serial);
  });
  // Every input is encodable.
  return std::move(b).Finish().value();
}

Result<MtcCertificationAuthority> ParseMtcCertificationAuthority(
    std::span<const uint8_t> der) {
  // MTCCertificationAuthority ::= SEQUENCE {
  //     logHash   AlgorithmIdentifier{DIGEST-ALGORITHM, {...}},
  //     sigAlg    AlgorithmIdentifier{SIGNATURE-ALGORITHM, {...}},
  //     minSerial INTEGER (0..mtcMaxSerial),
  //     maxSerial INTEGER (0..mtcMaxSerial) }
  DerReader r(der), s;
  AlgorithmIdentifier log_hash, sig_alg;
  MtcCertificationAuthority out;
  if (!r.ReadSequence(&s) || !r.Done() ||
      !ReadAlgorithmIdentifier(&s, &log_hash) ||
      !ReadAlgorithmIdentifier(&s, &sig_alg) ||
      !s.ReadUint64(&out.min_serial) || !s.ReadUint64(&out.max_serial) ||
      !s.Done()) {
    return Error(ErrorCode::kMalformed, "not a DER MTCCertificationAuthority");
  }
  if (log_hash.oid != kIdSha256) {
    return Error(ErrorCode::kUnsupported,
                 "MTCCertificationAuthority: log hash " + log_hash.oid +
                     " is not SHA-256");
  }
  if (log_hash.has_parameters) {
    return Error(ErrorCode::kMalformed,
                 "MTCCertificationAuthority: SHA-256 parameters must be "
                 "absent");
  }
  const crypto::SignatureAlgorithmInfo* info = nullptr;
  for (crypto::SignatureAlgorithm alg : crypto::kAllSignatureAlgorithms) {
    const crypto::SignatureAlgorithmInfo& i =
        crypto::GetSignatureAlgorithmInfo(alg);
    if (i.signature_oid == sig_alg.oid) info = &i;
  }
  if (info == nullptr) {
    return Error(ErrorCode::kUnsupported,
                 "MTCCertificationAuthority: unsupported cosigner signature "
                 "algorithm " +
                     sig_alg.oid);
  }
  if (sig_alg.has_parameters) {
    return Error(ErrorCode::kMalformed,
                 "MTCCertificationAuthority: parameters of " +
                     std::string(info->name) + " must be absent");
  }
  out.log_hash = LogHash::kSha256;
  out.sig_alg = info->algorithm;
  return out;
}

Result<std::vector<uint8_t>> BuildCaCertificate(
    const TrustAnchorId& ca_id, const crypto::PublicKey& cosigner_key,
    const CaCertificateOptions& options) {
  MTC_RETURN_IF_ERROR(CheckSerialNumber(options.serial_number));
  if (options.not_after < options.not_before) {
    return Error(ErrorCode::kInvalidArgument,
                 "CA certificate notAfter is before notBefore");
  }
  std::vector<uint8_t> subject = EncodeCaIdName(ca_id);
  std::vector<uint8_t> issuer = options.issuer == UnsignedIssuer::kSubject
                                    ? subject
                                    : PlaceholderIssuer();
  MtcCertificationAuthority authority;
  authority.sig_alg = cosigner_key.algorithm();
  authority.min_serial = options.min_serial;
  authority.max_serial = options.max_serial;

  DerBuilder b;
  // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm,
  //                            signatureValue }
  b.AddSequence([&](DerBuilder& cert) {
    cert.AddSequence([&](DerBuilder& tbs) {
      // version [0] EXPLICIT Version: v3(2), since there are extensions.
      tbs.AddElement(wire::DerExplicitTag(0),
                     [](DerBuilder& v) { v.AddUint64(2); });
      tbs.AddUnsignedInteger(options.serial_number);
      // RFC 9925 §3.1: id-alg-unsigned, parameters omitted, in both places.
      AddAlgorithmIdentifier(tbs, kIdAlgUnsigned);
      tbs.AddRawElement(issuer);
      // Validity ::= SEQUENCE { notBefore Time, notAfter Time }
      tbs.AddSequence([&](DerBuilder& validity) {
        validity.AddTime(options.not_before);
        validity.AddTime(options.not_after);
      });
      tbs.AddRawElement(subject);
      tbs.AddRawElement(cosigner_key.ToSpkiDer());
      // RFC 9925 §3.2: no issuerUniqueID; nor a subjectUniqueID.
      // extensions [3] EXPLICIT Extensions; RFC 9925 §3.3: no authority key
      // identifier or issuer alternative name.
      tbs.AddElement(wire::DerExplicitTag(3), [&](DerBuilder& wrapper) {
        wrapper.AddSequence([&](DerBuilder& exts) {
          AddExtension(exts, kIdCeKeyUsage, /*critical=*/true,
                       [](DerBuilder& v) {
                         v.AddBitStringWithUnusedBits(
                             std::vector<uint8_t>{kKeyCertSignBit}, 2);
                       });
          AddExtension(
              exts, kIdCeBasicConstraints, /*critical=*/true,
              [](DerBuilder& v) {
                v.AddSequence([](DerBuilder& bc) { bc.AddBool(true); });
              });
          if (options.subject_key_identifier) {
            // RFC 5280 §4.2.1.2: MUST be non-critical.
            AddExtension(
                exts, kIdCeSubjectKeyIdentifier, /*critical=*/false,
                [&](DerBuilder& v) { v.AddOctetString(ca_id.binary()); });
          }
          AddExtension(
              exts, kMtcCertificationAuthorityOid, /*critical=*/true,
              [&](DerBuilder& v) {
                v.AddRawElement(SerializeMtcCertificationAuthority(authority));
              });
        });
      });
    });
    AddAlgorithmIdentifier(cert, kIdAlgUnsigned);
    // RFC 9925 §3.1: "a BIT STRING of length zero".
    cert.AddBitString({});
  });
  return std::move(b).Finish();
}

Result<CaCertificate> ParseCaCertificate(std::span<const uint8_t> der) {
  // Certificate ::= SEQUENCE {
  //     tbsCertificate     TBSCertificate,
  //     signatureAlgorithm AlgorithmIdentifier,
  //     signatureValue     BIT STRING }
  // TBSCertificate ::= SEQUENCE {
  //     version         [0] EXPLICIT Version DEFAULT v1,
  //     serialNumber        CertificateSerialNumber,
  //     signature           AlgorithmIdentifier,
  //     issuer              Name,
  //     validity            Validity,
  //     subject             Name,
  //     subjectPublicKeyInfo SubjectPublicKeyInfo,
  //     issuerUniqueID  [1] IMPLICIT UniqueIdentifier OPTIONAL,
  //     subjectUniqueID [2] IMPLICIT UniqueIdentifier OPTIONAL,
  //     extensions      [3] EXPLICIT Extensions OPTIONAL }
  DerReader input(der), cert, tbs, version, validity, wrapper, extensions;
  std::span<const uint8_t> outer_alg_der, tbs_alg_der, signature, serial,
      issuer, subject, spki;
  uint8_t unused_bits;
  uint64_t version_number;
  int64_t not_before, not_after;
  if (!input.ReadSequence(&cert) || !input.Done() || !cert.ReadSequence(&tbs) ||
      !cert.ReadFullElement(wire::kDerSequence, &outer_alg_der) ||
      !cert.ReadBitString(&signature, &unused_bits) || !cert.Done()) {
    return Malformed("not a DER Certificate");
  }
  if (!tbs.ReadElement(wire::DerExplicitTag(0), &version) ||
      !version.ReadUint64(&version_number) || !version.Done() ||
      version_number != 2) {
    return Malformed("version is not v3");
  }
  if (!tbs.ReadUnsignedInteger(&serial)) {
    return Malformed("serial number is not a non-negative DER INTEGER");
  }
  if (Status s = CheckSerialNumber(serial); !s.ok()) {
    return Malformed(s.error().message());
  }
  if (!tbs.ReadFullElement(wire::kDerSequence, &tbs_alg_der) ||
      !tbs.ReadFullElement(wire::kDerSequence, &issuer) ||
      !tbs.ReadSequence(&validity) || !validity.ReadTime(&not_before) ||
      !validity.ReadTime(&not_after) || !validity.Done() ||
      !tbs.ReadFullElement(wire::kDerSequence, &subject) ||
      !tbs.ReadFullElement(wire::kDerSequence, &spki)) {
    return Malformed("not a DER TBSCertificate");
  }
  // The unique identifiers would come here; RFC 9925 §3.2 forbids the
  // issuer's and RFC 5280 §4.1.2.8 both, so the next field must be the
  // extensions, which a CA certificate needs, and nothing may follow.
  if (!tbs.ReadElement(wire::DerExplicitTag(3), &wrapper) ||
      !wrapper.ReadSequence(&extensions) || !wrapper.Done() ||
      extensions.empty() || !tbs.Done()) {
    return Malformed(
        "TBSCertificate does not end with a non-empty extensions field");
  }

  // RFC 9925 §3.1 and RFC 5280 §4.1.1.2: both algorithm fields are the same
  // id-alg-unsigned without parameters; the signature is empty.
  DerReader alg_reader(outer_alg_der);
  AlgorithmIdentifier signature_alg;
  if (!ReadAlgorithmIdentifier(&alg_reader, &signature_alg)) {
    return Malformed("signatureAlgorithm is not an AlgorithmIdentifier");
  }
  if (signature_alg.oid != kIdAlgUnsigned) {
    return Unsupported("signature algorithm " + signature_alg.oid +
                       " is not id-alg-unsigned; only unsigned CA "
                       "certificates (RFC 9925) are accepted");
  }
  if (signature_alg.has_parameters) {
    return Malformed("id-alg-unsigned parameters must be omitted");
  }
  if (!std::equal(outer_alg_der.begin(), outer_alg_der.end(),
                  tbs_alg_der.begin(), tbs_alg_der.end())) {
    return Malformed("signature and signatureAlgorithm differ");
  }
  if (!signature.empty() || unused_bits != 0) {
    return Malformed("an unsigned certificate's signatureValue must be empty");
  }

  // §Representing Certification Authorities: the subject is the CA ID.
  Result<TrustAnchorId> ca_id = ParseCaIdName(subject);
  if (!ca_id.ok()) return Malformed("subject: " + ca_id.error().message());
  UnsignedIssuer issuer_form;
  std::vector<uint8_t> placeholder = PlaceholderIssuer();
  if (std::equal(issuer.begin(), issuer.end(), subject.begin(),
                 subject.end())) {
    issuer_form = UnsignedIssuer::kSubject;
  } else if (std::equal(issuer.begin(), issuer.end(), placeholder.begin(),
                        placeholder.end())) {
    issuer_form = UnsignedIssuer::kPlaceholder;
  } else {
    return Malformed(
        "issuer is neither the subject nor the RFC 9925 placeholder");
  }
  if (not_after < not_before) return Malformed("notAfter is before notBefore");

  Result<crypto::PublicKey> public_key = crypto::PublicKey::FromSpkiDer(spki);
  if (!public_key.ok()) {
    return public_key.error().WithContext(
        "CA certificate subjectPublicKeyInfo");
  }

  std::set<std::string> seen;
  std::optional<MtcCertificationAuthority> authority;
  std::optional<std::vector<uint8_t>> subject_key_identifier;
  bool has_key_cert_sign = false, key_usage_present = false;
  bool is_ca = false, basic_constraints_present = false;
  while (!extensions.empty()) {
    // Extension ::= SEQUENCE {
    //     extnID    OBJECT IDENTIFIER,
    //     critical  BOOLEAN DEFAULT FALSE,
    //     extnValue OCTET STRING }
    DerReader ext;
    std::span<const uint8_t> oid_contents, value;
    bool critical;
    if (!extensions.ReadSequence(&ext) || !ext.ReadOid(&oid_contents) ||
        !ext.ReadOptionalBool(/*default_value=*/false, &critical) ||
        !ext.ReadOctetString(&value) || !ext.Done()) {
      return Malformed("not a DER Extension");
    }
    std::string oid = OidText(oid_contents);
    // RFC 5280 §4.2: "MUST NOT include more than one instance of a particular
    // extension".
    if (!seen.insert(oid).second)
      return Malformed("duplicate extension " + oid);
    if (oid == kMtcCertificationAuthorityOid) {
      if (!critical) return Malformed("MTC extension is not critical");
      Result<MtcCertificationAuthority> parsed =
          ParseMtcCertificationAuthority(value);
      if (!parsed.ok()) return parsed.error().WithContext("CA certificate");
      authority = *parsed;
    } else if (oid == kIdCeKeyUsage) {
      // RFC 5280 §4.2.1.3: SHOULD be critical; either is accepted.
      MTC_ASSIGN_OR_RETURN(has_key_cert_sign,
                           ParseKeyUsageHasKeyCertSign(value));
      key_usage_present = true;
    } else if (oid == kIdCeBasicConstraints) {
      // RFC 5280 §4.2.1.9: a CA certificate MUST mark it critical.
      if (!critical) return Malformed("basic constraints is not critical");
      MTC_ASSIGN_OR_RETURN(is_ca, ParseBasicConstraintsIsCa(value));
      basic_constraints_present = true;
    } else if (oid == kIdCeSubjectKeyIdentifier) {
      // RFC 5280 §4.2.1.2: MUST be non-critical. The draft says it SHOULD be
      // the CA ID; other values are allowed and reported.
      DerReader r(value);
      std::span<const uint8_t> key_id;
      if (critical) return Malformed("subject key identifier is critical");
      if (!r.ReadOctetString(&key_id) || !r.Done()) {
        return Malformed("subject key identifier is not an OCTET STRING");
      }
      subject_key_identifier.emplace(key_id.begin(), key_id.end());
    } else if (critical) {
      // RFC 5280 §4.2: reject a certificate with an unrecognized critical
      // extension.
      return Unsupported("unknown critical extension " + oid);
    }
  }
  if (!authority.has_value()) {
    return Malformed("no id-pe-mtcCertificationAuthority extension");
  }
  if (!key_usage_present || !has_key_cert_sign) {
    return Malformed("key usage does not assert keyCertSign");
  }
  if (!basic_constraints_present || !is_ca) {
    return Malformed("basic constraints does not set cA");
  }
  if (authority->sig_alg != public_key->algorithm()) {
    return Malformed(
        "MTC extension's sigAlg " +
        std::string(crypto::SignatureAlgorithmName(authority->sig_alg)) +
        " does not match the " +
        std::string(crypto::SignatureAlgorithmName(public_key->algorithm())) +
        " subject public key");
  }

  return CaCertificate{
      .ca_id = std::move(ca_id).value(),
      .public_key = std::move(public_key).value(),
      .spki_der = std::vector<uint8_t>(spki.begin(), spki.end()),
      .authority = *authority,
      .serial_number = std::vector<uint8_t>(serial.begin(), serial.end()),
      .not_before = not_before,
      .not_after = not_after,
      .issuer = issuer_form,
      .subject_key_identifier = std::move(subject_key_identifier),
  };
}

Result<std::string> CaCertificateToPem(std::span<const uint8_t> der) {
  // Never write a file that ParseCaCertificatePem would refuse.
  MTC_RETURN_IF_ERROR(ParseCaCertificate(der));
  return wire::PemEncode(wire::kPemCertificate, der);
}

Result<CaCertificate> ParseCaCertificatePem(std::string_view pem) {
  MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> der,
                       wire::PemDecode(pem, wire::kPemCertificate));
  return ParseCaCertificate(der);
}

}  // namespace mtc::cert
