#include "mtc/cert/csr.h"

#include <set>
#include <utility>

#include "mtc/cert/x509_text.h"
#include "mtc/crypto/signature_algorithm.h"
#include "mtc/wire/der.h"
#include "mtc/wire/pem.h"

namespace mtc::cert {

namespace {

using wire::DerReader;

constexpr char kCommonNameOid[] = "2.5.4.3";
constexpr char kSubjectAltNameOid[] = "2.5.29.17";
// rsaEncryption and sha256WithRSAEncryption (RFC 8017 Appendix A.1, A.2.4).
constexpr char kRsaEncryptionOid[] = "1.2.840.113549.1.1.1";
constexpr char kSha256WithRsaEncryptionOid[] = "1.2.840.113549.1.1.11";
// ub-common-name (RFC 5280 Appendix A.1).
constexpr size_t kMaxCommonNameChars = 64;

std::vector<uint8_t> Copy(std::span<const uint8_t> s) {
  return std::vector<uint8_t>(s.begin(), s.end());
}

Error Malformed(const std::string& what) {
  return Error(ErrorCode::kMalformed, "malformed CSR " + what);
}

Error Unsupported(const std::string& what) {
  return Error(ErrorCode::kUnsupported, "CSR " + what);
}

// The commonName of a Name that NameToString has already read.
//   Name ::= SEQUENCE OF RelativeDistinguishedName
//   RelativeDistinguishedName ::= SET SIZE (1..MAX) OF AttributeTypeAndValue
//   AttributeTypeAndValue ::= SEQUENCE { type OBJECT IDENTIFIER, value ANY }
Result<std::string> CommonName(std::span<const uint8_t> name) {
  DerReader outer(name), rdns;
  if (!outer.ReadSequence(&rdns) || !outer.Done()) {
    return Malformed("subject: not one Name");
  }
  std::string common_name;
  bool found = false;
  while (!rdns.empty()) {
    DerReader rdn;
    if (!rdns.ReadSetOf(&rdn) || rdn.empty()) {
      return Malformed("subject RelativeDistinguishedName");
    }
    while (!rdn.empty()) {
      DerReader atv;
      std::span<const uint8_t> oid;
      if (!rdn.ReadSequence(&atv) || !atv.ReadOid(&oid)) {
        return Malformed("subject AttributeTypeAndValue");
      }
      MTC_ASSIGN_OR_RETURN(std::string type, wire::OidToText(oid));
      if (type != kCommonNameOid) continue;
      if (found) return Unsupported("subject: more than one commonName");
      found = true;
      // X520CommonName ::= DirectoryString (SIZE (1..ub-common-name)); of its
      // choices, the two RFC 5280 §4.1.2.6 has CAs use.
      bool read;
      if (atv.PeekTagIs(wire::kDerPrintableString)) {
        read = atv.ReadPrintableString(&common_name);
      } else if (atv.PeekTagIs(wire::kDerUtf8String)) {
        read = atv.ReadUtf8String(&common_name);
      } else {
        return Unsupported(
            "subject commonName: neither PrintableString nor UTF8String");
      }
      if (!read || !atv.Done()) return Malformed("subject commonName");
      size_t chars = 0;
      for (char c : common_name) {
        // Count UTF-8 characters: every byte but continuation bytes.
        if ((static_cast<uint8_t>(c) & 0xc0) != 0x80) chars++;
      }
      if (chars == 0 || chars > kMaxCommonNameChars) {
        return Malformed("subject commonName: " + std::to_string(chars) +
                         " characters, outside SIZE (1..64)");
      }
    }
  }
  return common_name;
}

// Loads the subject's key: an RSA key when the SPKI says rsaEncryption, else
// one of crypto::SignatureAlgorithm. Both loaders are as strict as ParseCsr.
Result<CsrPublicKey> ParsePublicKey(std::span<const uint8_t> spki) {
  // SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier,
  //     subjectPublicKey BIT STRING }
  // AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER,
  //     parameters ANY DEFINED BY algorithm OPTIONAL }
  DerReader outer(spki), info, alg;
  std::span<const uint8_t> oid;
  if (!outer.ReadSequence(&info) || !info.ReadSequence(&alg) ||
      !alg.ReadOid(&oid)) {
    return Malformed("subjectPKInfo algorithm");
  }
  MTC_ASSIGN_OR_RETURN(std::string key_oid, wire::OidToText(oid));
  if (key_oid == kRsaEncryptionOid) {
    auto key = crypto::RsaPublicKey::FromSpkiDer(spki);
    if (!key.ok()) return key.error().WithContext("CSR subjectPKInfo");
    return CsrPublicKey(std::move(key).value());
  }
  auto key = crypto::PublicKey::FromSpkiDer(spki);
  if (!key.ok()) return key.error().WithContext("CSR subjectPKInfo");
  return CsrPublicKey(std::move(key).value());
}

// Checks that the signatureAlgorithm `alg` (its whole element) is the one
// `key` signs with. Parameters are absent for ECDSA (RFC 5758 §3.2), Ed25519
// (RFC 8410 §3) and ML-DSA (RFC 9881 §2); for sha256WithRSAEncryption they
// are NULL, and RFC 4055 §5 has verifiers accept them absent too.
Status CheckSignatureAlgorithm(const CsrPublicKey& key,
                               std::span<const uint8_t> alg) {
  DerReader outer(alg), r;
  std::span<const uint8_t> oid;
  if (!outer.ReadSequence(&r) || !r.ReadOid(&oid)) {
    return Malformed("signatureAlgorithm");
  }
  MTC_ASSIGN_OR_RETURN(std::string got, wire::OidToText(oid));
  const auto* ours = std::get_if<crypto::PublicKey>(&key);
  std::string want(
      ours != nullptr
          ? crypto::GetSignatureAlgorithmInfo(ours->algorithm()).signature_oid
          : kSha256WithRsaEncryptionOid);
  if (got != want) {
    return Unsupported("signatureAlgorithm " + got + ": the key (" +
                       CsrKeyAlgorithmName(key) + ") signs with " + want);
  }
  bool params_ok = r.Done() || (ours == nullptr && r.ReadNull() && r.Done());
  if (!params_ok) return Malformed("signatureAlgorithm parameters");
  return OkStatus();
}

// The subjectAltName extnValue.
//   SubjectAltName ::= GeneralNames
//   GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName
//   GeneralName ::= CHOICE { ..., dNSName [2] IA5String, ...,
//       iPAddress [7] OCTET STRING, ... }
// (RFC 5280 §4.2.1.6, IMPLICIT TAGS.)
Status ReadSubjectAltName(std::span<const uint8_t> value,
                          CertificationRequest* csr) {
  DerReader outer(value), names;
  if (!outer.ReadSequence(&names) || !outer.Done() || names.empty()) {
    return Malformed("subjectAltName: not a non-empty GeneralNames");
  }
  while (!names.empty()) {
    if (names.PeekTagIs(wire::DerImplicitTag(2))) {
      std::string dns_name;
      // "subjectAltName extensions with a dNSName of " " MUST NOT be used",
      // and neither may an empty one (RFC 5280 §4.2.1.6).
      if (!names.ReadIa5String(&dns_name, wire::DerImplicitTag(2)) ||
          dns_name.empty() || dns_name == " ") {
        return Malformed("subjectAltName dNSName");
      }
      csr->dns_names.push_back(std::move(dns_name));
    } else if (names.PeekTagIs(wire::DerImplicitTag(7))) {
      std::span<const uint8_t> ip;
      if (!names.ReadOctetString(&ip, wire::DerImplicitTag(7)) ||
          (ip.size() != 4 && ip.size() != 16)) {
        return Malformed("subjectAltName iPAddress: not 4 or 16 bytes");
      }
      csr->ip_addresses.push_back(Copy(ip));
    } else {
      wire::DerTag tag;
      if (!names.PeekTag(&tag) ||
          (tag & wire::kDerClassMask) != wire::kDerContextSpecific) {
        return Malformed("subjectAltName GeneralName");
      }
      return Unsupported("subjectAltName GeneralName [" +
                         std::to_string(tag & wire::kDerTagNumberMask) +
                         "]: only dNSName and iPAddress are");
    }
  }
  return OkStatus();
}

// The value of the extensionRequest attribute (RFC 2985 §5.4.2).
//   ExtensionRequest ::= Extensions
//   Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension
//   Extension ::= SEQUENCE { extnID OBJECT IDENTIFIER,
//       critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
Status ReadExtensionRequest(std::span<const uint8_t> extensions,
                            CertificationRequest* csr) {
  DerReader outer(extensions), list;
  if (!outer.ReadSequence(&list) || !outer.Done() || list.empty()) {
    return Malformed("extensionRequest: not a non-empty Extensions");
  }
  std::set<std::string> seen;
  while (!list.empty()) {
    DerReader ext;
    std::span<const uint8_t> oid, value;
    bool critical;
    if (!list.ReadSequence(&ext) || !ext.ReadOid(&oid) ||
        !ext.ReadOptionalBool(/*default_value=*/false, &critical) ||
        !ext.ReadOctetString(&value) || !ext.Done()) {
      return Malformed("extensionRequest Extension");
    }
    MTC_ASSIGN_OR_RETURN(std::string extn_id, wire::OidToText(oid));
    // As in a certificate, each extension appears once (RFC 5280 §4.2).
    if (!seen.insert(extn_id).second) {
      return Malformed("extensionRequest: extension " + extn_id +
                       " appears twice");
    }
    if (extn_id == kSubjectAltNameOid) {
      MTC_RETURN_IF_ERROR(ReadSubjectAltName(value, csr));
    } else {
      csr->other_extension_oids.push_back(std::move(extn_id));
    }
  }
  return OkStatus();
}

// The attributes field, a `[0] IMPLICIT SET OF Attribute` (RFC 2986 Appendix
// A is a module of IMPLICIT TAGS).
//   Attribute ::= SEQUENCE { type OBJECT IDENTIFIER,
//       values SET SIZE(1..MAX) OF AttributeValue }
Status ReadAttributes(std::span<const uint8_t> element,
                      CertificationRequest* csr) {
  // [0] and SET both have one-octet identifiers, so retagging the element as
  // a SET lets ReadSetOf check the DER order of the attributes (X.690 §11.6).
  std::vector<uint8_t> as_set = Copy(element);
  as_set[0] = 0x31;
  DerReader outer(as_set), attributes;
  if (!outer.ReadSetOf(&attributes) || !outer.Done()) {
    return Malformed("attributes: not a DER SET OF");
  }
  bool seen_extension_request = false;
  while (!attributes.empty()) {
    DerReader attribute, values;
    std::span<const uint8_t> oid, extensions;
    if (!attributes.ReadSequence(&attribute) || !attribute.ReadOid(&oid) ||
        !attribute.ReadSetOf(&values) || !attribute.Done() || values.empty()) {
      return Malformed("Attribute");
    }
    MTC_ASSIGN_OR_RETURN(std::string type, wire::OidToText(oid));
    // Other attributes (challengePassword, RFC 2985 §5.4.1, ...) ask nothing
    // of the certificate.
    if (type != kExtensionRequestOid) continue;
    if (seen_extension_request) {
      return Malformed("attributes: more than one extensionRequest");
    }
    seen_extension_request = true;
    // extensionRequest is SINGLE VALUE TRUE (RFC 2985 §5.4.2).
    if (!values.ReadFullElement(wire::kDerSequence, &extensions) ||
        !values.Done()) {
      return Malformed("extensionRequest: not exactly one Extensions value");
    }
    MTC_RETURN_IF_ERROR(ReadExtensionRequest(extensions, csr));
  }
  return OkStatus();
}

}  // namespace

std::string CsrKeyAlgorithmName(const CsrPublicKey& key) {
  if (const auto* ours = std::get_if<crypto::PublicKey>(&key)) {
    return std::string(crypto::SignatureAlgorithmName(ours->algorithm()));
  }
  return "rsa-" +
         std::to_string(std::get<crypto::RsaPublicKey>(key).modulus_bits());
}

Result<CertificationRequest> ParseCsr(std::span<const uint8_t> der) {
  if (der.size() > kMaxCsrBytes) {
    return Error(ErrorCode::kOutOfRange,
                 "CSR of " + std::to_string(der.size()) +
                     " bytes is larger than the limit of " +
                     std::to_string(kMaxCsrBytes));
  }
  // Step 1 (RFC 2986 §4.2):
  //   CertificationRequest ::= SEQUENCE {
  //       certificationRequestInfo CertificationRequestInfo,
  //       signatureAlgorithm AlgorithmIdentifier{{ SignatureAlgorithms }},
  //       signature          BIT STRING }
  DerReader outer(der), request;
  std::span<const uint8_t> info, signature_algorithm, signature;
  if (!outer.ReadSequence(&request) || !outer.Done()) {
    return Malformed("CertificationRequest: not exactly one DER SEQUENCE");
  }
  if (!request.ReadFullElement(wire::kDerSequence, &info)) {
    return Malformed("certificationRequestInfo");
  }
  if (!request.ReadFullElement(wire::kDerSequence, &signature_algorithm)) {
    return Malformed("signatureAlgorithm");
  }
  if (!request.ReadByteAlignedBitString(&signature) || !request.Done()) {
    return Malformed("signature, or data after it");
  }

  // Step 2 (RFC 2986 §4.1):
  //   CertificationRequestInfo ::= SEQUENCE {
  //       version       INTEGER { v1(0) } (v1,...),
  //       subject       Name,
  //       subjectPKInfo SubjectPublicKeyInfo{{ PKInfoAlgorithms }},
  //       attributes    [0] Attributes{{ CRIAttributes }} }
  DerReader info_outer(info), r;
  uint64_t version;
  std::span<const uint8_t> subject, spki, attributes;
  if (!info_outer.ReadSequence(&r) || !r.ReadUint64(&version)) {
    return Malformed("certificationRequestInfo version");
  }
  if (version != 0) {
    return Unsupported("version " + std::to_string(version) +
                       ": only v1(0) is defined (RFC 2986 §4.1)");
  }
  if (!r.ReadFullElement(wire::kDerSequence, &subject)) {
    return Malformed("subject");
  }
  if (!r.ReadFullElement(wire::kDerSequence, &spki)) {
    return Malformed("subjectPKInfo");
  }
  if (!r.ReadFullElement(wire::DerExplicitTag(0), &attributes) || !r.Done()) {
    return Malformed("attributes: absent, or data after them");
  }

  // Step 3: the key, and the signature it made over the DER of
  // certificationRequestInfo (RFC 2986 §3, steps 2-3).
  MTC_ASSIGN_OR_RETURN(CsrPublicKey key, ParsePublicKey(spki));
  MTC_RETURN_IF_ERROR(CheckSignatureAlgorithm(key, signature_algorithm));
  const auto* ours = std::get_if<crypto::PublicKey>(&key);
  Status verified =
      ours != nullptr
          ? ours->Verify(info, signature)
          : std::get<crypto::RsaPublicKey>(key).VerifyRs256(info, signature);
  if (!verified.ok()) return verified.error().WithContext("CSR signature");

  // Step 4: what the request asks for.
  CertificationRequest csr{.public_key = std::move(key)};
  csr.info_der = Copy(info);
  csr.subject = Copy(subject);
  csr.spki = Copy(spki);
  auto subject_text = NameToString(subject);
  if (!subject_text.ok()) return subject_text.error().WithContext("CSR");
  csr.subject_text = std::move(subject_text).value();
  MTC_ASSIGN_OR_RETURN(csr.common_name, CommonName(subject));
  MTC_RETURN_IF_ERROR(ReadAttributes(attributes, &csr));
  return csr;
}

Result<CertificationRequest> ParseCsrPem(std::string_view pem) {
  auto der = wire::PemDecode(pem, wire::kPemCertificateRequest);
  if (!der.ok()) return der.error().WithContext("CSR PEM");
  return ParseCsr(*der);
}

}  // namespace mtc::cert
