#include "mtc/cert/certificate.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "mtc/crypto/sha256.h"
#include "mtc/wire/der.h"

namespace mtc::cert {

namespace {

using wire::DerBuilder;
using wire::DerReader;

std::vector<uint8_t> Copy(std::span<const uint8_t> s) {
  return std::vector<uint8_t>(s.begin(), s.end());
}

Error Malformed(const std::string& what) {
  return Error(ErrorCode::kMalformed, "malformed " + what);
}

// RFC 5280: Version ::= INTEGER { v1(0), v2(1), v3(2) }. `version [0] EXPLICIT
// Version DEFAULT v1`: absent means v1, and DER forbids encoding v1.
bool ReadVersion(DerReader& r, std::vector<uint8_t>* element,
                 uint64_t* version) {
  *version = 0;
  element->clear();
  if (!r.PeekTagIs(wire::DerExplicitTag(0))) return true;
  std::span<const uint8_t> elem;
  if (!r.ReadFullElement(wire::DerExplicitTag(0), &elem)) return false;
  DerReader outer(elem), inner;
  if (!outer.ReadElement(wire::DerExplicitTag(0), &inner) ||
      !inner.ReadUint64(version) || !inner.Done() || *version == 0 ||
      *version > 2) {
    return false;
  }
  *element = Copy(elem);
  return true;
}

// Validity ::= SEQUENCE { notBefore Time, notAfter Time }
bool ReadValidity(DerReader& r, std::vector<uint8_t>* element,
                  int64_t* not_before, int64_t* not_after) {
  std::span<const uint8_t> elem;
  if (!r.ReadFullElement(wire::kDerSequence, &elem)) return false;
  DerReader outer(elem), v;
  if (!outer.ReadSequence(&v) || !v.ReadTime(not_before) ||
      !v.ReadTime(not_after) || !v.Done()) {
    return false;
  }
  *element = Copy(elem);
  return true;
}

bool ReadWholeSequence(DerReader& r, std::vector<uint8_t>* element) {
  std::span<const uint8_t> elem;
  if (!r.ReadFullElement(wire::kDerSequence, &elem)) return false;
  *element = Copy(elem);
  return true;
}

// issuerUniqueID [1] IMPLICIT, subjectUniqueID [2] IMPLICIT (BIT STRINGs; v2
// or v3 only) and extensions [3] EXPLICIT Extensions (v3 only), which both
// TBSCertificate and TBSCertificateLogEntry end with.
bool ReadTrailingFields(DerReader& r, uint64_t version,
                        std::vector<uint8_t>* issuer_uid,
                        std::vector<uint8_t>* subject_uid,
                        std::vector<uint8_t>* extensions,
                        std::vector<X509Extension>* parsed) {
  for (auto [n, out] :
       {std::pair{1u, issuer_uid}, std::pair{2u, subject_uid}}) {
    out->clear();
    if (!r.PeekTagIs(wire::DerImplicitTag(n))) continue;
    std::span<const uint8_t> elem, bits;
    uint8_t unused;
    if (version < 1 || !r.ReadFullElement(wire::DerImplicitTag(n), &elem)) {
      return false;
    }
    DerReader check(elem);
    if (!check.ReadBitString(&bits, &unused, wire::DerImplicitTag(n))) {
      return false;
    }
    *out = Copy(elem);
  }
  extensions->clear();
  parsed->clear();
  if (r.PeekTagIs(wire::DerExplicitTag(3))) {
    std::span<const uint8_t> elem;
    if (version < 2 || !r.ReadFullElement(wire::DerExplicitTag(3), &elem)) {
      return false;
    }
    // Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension
    DerReader outer(elem), wrapper, list;
    if (!outer.ReadElement(wire::DerExplicitTag(3), &wrapper) ||
        !wrapper.ReadSequence(&list) || !wrapper.Done() || list.empty()) {
      return false;
    }
    std::set<std::string> seen;
    while (!list.empty()) {
      DerReader ext;
      std::span<const uint8_t> oid, value;
      X509Extension x;
      if (!list.ReadSequence(&ext) || !ext.ReadOid(&oid) ||
          !ext.ReadOptionalBool(false, &x.critical) ||
          !ext.ReadOctetString(&value) || !ext.Done()) {
        return false;
      }
      auto text = wire::OidToText(oid);
      // "A certificate MUST NOT include more than one instance of a
      // particular extension" (RFC 5280 §4.2).
      if (!text.ok() || !seen.insert(*text).second) return false;
      x.oid = *text;
      x.value = Copy(value);
      parsed->push_back(std::move(x));
    }
    *extensions = Copy(elem);
  }
  return r.Done();
}

void AddRaw(DerBuilder& b, const std::vector<uint8_t>& element) {
  if (!element.empty()) b.AddRawElement(element);
}

}  // namespace

Result<TbsCertificate> ParseTbsCertificate(std::span<const uint8_t> der) {
  DerReader outer(der), r;
  TbsCertificate tbs;
  uint64_t version;
  std::span<const uint8_t> serial;
  if (!outer.ReadSequence(&r) || !outer.Done()) {
    return Malformed("TBSCertificate: not one DER SEQUENCE");
  }
  if (!ReadVersion(r, &tbs.version, &version)) {
    return Malformed("TBSCertificate version");
  }
  if (!r.ReadUnsignedInteger(&serial)) {
    return Malformed("TBSCertificate serialNumber");
  }
  tbs.serial = Copy(serial);
  if (!ReadWholeSequence(r, &tbs.signature) ||
      !ReadWholeSequence(r, &tbs.issuer) ||
      !ReadValidity(r, &tbs.validity, &tbs.not_before, &tbs.not_after) ||
      !ReadWholeSequence(r, &tbs.subject) || !ReadWholeSequence(r, &tbs.spki)) {
    return Malformed(
        "TBSCertificate signature, issuer, validity, subject or "
        "subjectPublicKeyInfo");
  }
  // SubjectPublicKeyInfo ::= SEQUENCE { algorithm, subjectPublicKey BIT STRING
  // }
  DerReader spki_outer(tbs.spki), spki;
  std::span<const uint8_t> alg, key;
  if (!spki_outer.ReadSequence(&spki) ||
      !spki.ReadFullElement(wire::kDerSequence, &alg) ||
      !spki.ReadByteAlignedBitString(&key) || !spki.Done()) {
    return Malformed("subjectPublicKeyInfo");
  }
  tbs.spki_algorithm = Copy(alg);
  if (!ReadTrailingFields(r, version, &tbs.issuer_unique_id,
                          &tbs.subject_unique_id, &tbs.extensions,
                          &tbs.parsed_extensions)) {
    return Malformed("TBSCertificate unique IDs, extensions or trailing data");
  }
  return tbs;
}

Result<Certificate> ParseCertificate(std::span<const uint8_t> der) {
  DerReader outer(der), r;
  std::span<const uint8_t> tbs, alg, sig;
  Certificate cert;
  if (!outer.ReadSequence(&r) || !outer.Done() ||
      !r.ReadFullElement(wire::kDerSequence, &tbs) ||
      !r.ReadFullElement(wire::kDerSequence, &alg) ||
      !r.ReadBitString(&sig, &cert.signature_unused_bits) || !r.Done()) {
    return Malformed("Certificate");
  }
  MTC_ASSIGN_OR_RETURN(cert.tbs, ParseTbsCertificate(tbs));
  cert.tbs_der = Copy(tbs);
  cert.signature_algorithm = Copy(alg);
  cert.signature_value = Copy(sig);
  return cert;
}

const std::vector<uint8_t>& MtcProofAlgorithmIdentifier() {
  static const std::vector<uint8_t> der = [] {
    DerBuilder b;
    b.AddSequence([](DerBuilder& alg) { alg.AddOid(kMtcProofOid); });
    return std::move(b).Finish().value();
  }();
  return der;
}

std::vector<uint8_t> TbsCertificateLogEntry::EncodeContents() const {
  std::vector<uint8_t> out;
  auto append = [&](const std::vector<uint8_t>& v) {
    out.insert(out.end(), v.begin(), v.end());
  };
  append(version);
  append(issuer);
  append(validity);
  append(subject);
  append(subject_public_key_algorithm);
  // subjectPublicKeyInfoHash OCTET STRING (32 bytes: short-form length).
  out.push_back(0x04);
  out.push_back(static_cast<uint8_t>(subject_public_key_info_hash.size()));
  out.insert(out.end(), subject_public_key_info_hash.begin(),
             subject_public_key_info_hash.end());
  append(issuer_unique_id);
  append(subject_unique_id);
  append(extensions);
  return out;
}

Result<TbsCertificateLogEntry> TbsCertificateLogEntry::ParseContents(
    std::span<const uint8_t> contents) {
  DerReader r(contents);
  TbsCertificateLogEntry e;
  uint64_t version;
  int64_t not_before, not_after;
  std::span<const uint8_t> hash;
  std::vector<X509Extension> parsed;
  if (!ReadVersion(r, &e.version, &version) ||
      !ReadWholeSequence(r, &e.issuer) ||
      !ReadValidity(r, &e.validity, &not_before, &not_after) ||
      !ReadWholeSequence(r, &e.subject) ||
      !ReadWholeSequence(r, &e.subject_public_key_algorithm) ||
      !r.ReadOctetString(&hash) ||
      hash.size() != e.subject_public_key_info_hash.size() ||
      !ReadTrailingFields(r, version, &e.issuer_unique_id, &e.subject_unique_id,
                          &e.extensions, &parsed)) {
    return Malformed("TBSCertificateLogEntry");
  }
  std::memcpy(e.subject_public_key_info_hash.data(), hash.data(), hash.size());
  return e;
}

TbsCertificateLogEntry LogEntryFromTbsCertificate(const TbsCertificate& tbs) {
  TbsCertificateLogEntry e;
  // Step 7.1: copy the fields.
  e.version = tbs.version;
  e.issuer = tbs.issuer;
  e.validity = tbs.validity;
  e.subject = tbs.subject;
  e.issuer_unique_id = tbs.issuer_unique_id;
  e.subject_unique_id = tbs.subject_unique_id;
  e.extensions = tbs.extensions;
  // Step 7.2.
  e.subject_public_key_algorithm = tbs.spki_algorithm;
  // Step 7.3.
  e.subject_public_key_info_hash = crypto::Sha256Of(tbs.spki);
  return e;
}

merkle::Hash SinglePassEntryHash(const TbsCertificate& tbs,
                                 std::span<const uint8_t> encoded_extensions) {
  crypto::Sha256 h;
  static constexpr uint8_t kLeaf[1] = {0x00};
  static constexpr uint8_t kTbsCertEntryType[2] = {0x00, 0x01};
  h.Update(kLeaf);               // 0x00, the leaf domain separator
  h.Update(encoded_extensions);  // the MTCProof's extensions field
  h.Update(kTbsCertEntryType);   // tbs_cert_entry
  h.Update(tbs.version);         // version, issuer, validity, subject
  h.Update(tbs.issuer);
  h.Update(tbs.validity);
  h.Update(tbs.subject);
  h.Update(tbs.spki_algorithm);  // the SPKI's algorithm field
  const uint8_t octet_string_header[2] = {0x04, crypto::kSha256Size};
  h.Update(octet_string_header);  // OCTET STRING, length L
  h.Update(crypto::Sha256Of(tbs.spki));
  // The rest of the TBSCertificate after subjectPublicKeyInfo.
  h.Update(tbs.issuer_unique_id);
  h.Update(tbs.subject_unique_id);
  h.Update(tbs.extensions);
  return h.Finish();
}

Result<std::vector<uint8_t>> AssembleCertificate(
    const TbsCertificateLogEntry& entry, std::span<const uint8_t> spki,
    uint64_t log_number, uint64_t index, std::span<const uint8_t> mtc_proof) {
  if (log_number == 0 || log_number > 0xffff || index >= (uint64_t{1} << 48)) {
    return Error(ErrorCode::kOutOfRange, "log number or index out of range");
  }
  // §Certificate Format: the SPKI's algorithm and hash match the entry's.
  DerReader spki_outer(spki), spki_r;
  std::span<const uint8_t> alg, key;
  if (!spki_outer.ReadSequence(&spki_r) ||
      !spki_r.ReadFullElement(wire::kDerSequence, &alg) ||
      !spki_r.ReadByteAlignedBitString(&key) || !spki_r.Done() ||
      !spki_outer.Done()) {
    return Malformed("subjectPublicKeyInfo");
  }
  if (!std::equal(alg.begin(), alg.end(),
                  entry.subject_public_key_algorithm.begin(),
                  entry.subject_public_key_algorithm.end()) ||
      crypto::Sha256Of(spki) != entry.subject_public_key_info_hash) {
    return Error(ErrorCode::kInvalidArgument,
                 "subjectPublicKeyInfo does not match the log entry");
  }
  DerBuilder b;
  b.AddSequence([&](DerBuilder& cert) {
    cert.AddSequence([&](DerBuilder& tbs) {
      AddRaw(tbs, entry.version);
      tbs.AddUint64(MtcSerial(log_number, index));
      tbs.AddRawElement(MtcProofAlgorithmIdentifier());
      tbs.AddRawElement(entry.issuer);
      tbs.AddRawElement(entry.validity);
      tbs.AddRawElement(entry.subject);
      tbs.AddRawElement(spki);
      AddRaw(tbs, entry.issuer_unique_id);
      AddRaw(tbs, entry.subject_unique_id);
      AddRaw(tbs, entry.extensions);
    });
    cert.AddRawElement(MtcProofAlgorithmIdentifier());
    // The MTCProof is the signatureValue with no further ASN.1 wrapping.
    cert.AddBitString(mtc_proof);
  });
  return std::move(b).Finish();
}

}  // namespace mtc::cert
