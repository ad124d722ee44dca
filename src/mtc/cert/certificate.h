// X.509 certificates as Merkle Tree Certificates use them (RFC 5280 §4.1;
// draft-ietf-plants-merkle-tree-certs §Certificate Format): strict DER parsing
// of Certificate and TBSCertificate, the TBSCertificateLogEntry they map to,
// and certificate assembly from a log entry and an MTCProof.
#ifndef MTC_CERT_CERTIFICATE_H_
#define MTC_CERT_CERTIFICATE_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "mtc/base/result.h"
#include "mtc/merkle/hash.h"

namespace mtc::cert {

// id-alg-mtcProof, the experimental OID of draft_oids.md.
inline constexpr char kMtcProofOid[] = "1.3.6.1.4.1.44363.47.0";

// One parsed `Extension ::= SEQUENCE { extnID, critical DEFAULT FALSE,
// extnValue OCTET STRING }`.
struct X509Extension {
  std::string oid;  // dotted decimal
  bool critical = false;
  std::vector<uint8_t> value;  // the extnValue contents
};

// TBSCertificate ::= SEQUENCE {
//     version         [0]  EXPLICIT Version DEFAULT v1,
//     serialNumber         CertificateSerialNumber,
//     signature            AlgorithmIdentifier,
//     issuer               Name,
//     validity             Validity,
//     subject              Name,
//     subjectPublicKeyInfo SubjectPublicKeyInfo,
//     issuerUniqueID  [1]  IMPLICIT UniqueIdentifier OPTIONAL,
//     subjectUniqueID [2]  IMPLICIT UniqueIdentifier OPTIONAL,
//     extensions      [3]  EXPLICIT Extensions OPTIONAL }
//
// Fields keep their whole DER encodings (identifier, length, contents), empty
// when absent, because TBSCertificateLogEntry copies them byte for byte.
struct TbsCertificate {
  std::vector<uint8_t> version;  // the [0] element; empty for v1
  std::vector<uint8_t> serial;   // the INTEGER's magnitude, big-endian
  std::vector<uint8_t> signature;
  std::vector<uint8_t> issuer;
  std::vector<uint8_t> validity;
  std::vector<uint8_t> subject;
  std::vector<uint8_t> spki;
  std::vector<uint8_t> spki_algorithm;  // the SPKI's AlgorithmIdentifier
  std::vector<uint8_t> issuer_unique_id;
  std::vector<uint8_t> subject_unique_id;
  std::vector<uint8_t> extensions;  // the [3] element

  int64_t not_before = 0;  // Unix seconds
  int64_t not_after = 0;
  std::vector<X509Extension> parsed_extensions;
};

// Parses one whole TBSCertificate element strictly (DER, RFC 5280 version
// rules, unique extension OIDs, nothing trailing).
Result<TbsCertificate> ParseTbsCertificate(std::span<const uint8_t> der);

// Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm,
//                            signatureValue BIT STRING }
struct Certificate {
  std::vector<uint8_t> tbs_der;  // the whole TBSCertificate element
  TbsCertificate tbs;
  std::vector<uint8_t> signature_algorithm;  // whole element
  std::vector<uint8_t> signature_value;      // the BIT STRING's bytes
  uint8_t signature_unused_bits = 0;
};
Result<Certificate> ParseCertificate(std::span<const uint8_t> der);

// The DER of `AlgorithmIdentifier { id-alg-mtcProof }` with absent parameters.
const std::vector<uint8_t>& MtcProofAlgorithmIdentifier();

// The serial number of entry `index` of log `log_number`:
// (log_number << 48) | index (§Certificate Format).
inline uint64_t MtcSerial(uint64_t log_number, uint64_t index) {
  return (log_number << 48) | index;
}

// §Verifying Certificate Signatures, step 3: a serial number's magnitude
// (TbsCertificate::serial) as a value in 0..2^64-1, or nullopt when it
// exceeds 2^64-1. Step 5 splits it: log number serial >> 48, index the low
// 48 bits.
inline std::optional<uint64_t> SerialValue(std::span<const uint8_t> magnitude) {
  while (magnitude.size() > 1 && magnitude[0] == 0) {
    magnitude = magnitude.subspan(1);
  }
  if (magnitude.size() > 8) return std::nullopt;
  uint64_t serial = 0;
  for (uint8_t b : magnitude) serial = serial << 8 | b;
  return serial;
}
inline uint64_t SerialLogNumber(uint64_t serial) { return serial >> 48; }
inline uint64_t SerialIndex(uint64_t serial) {
  return serial & ((uint64_t{1} << 48) - 1);
}

// TBSCertificateLogEntry (§Log Entries), its fields' whole DER encodings.
struct TbsCertificateLogEntry {
  std::vector<uint8_t> version;
  std::vector<uint8_t> issuer;
  std::vector<uint8_t> validity;
  std::vector<uint8_t> subject;
  std::vector<uint8_t> subject_public_key_algorithm;
  merkle::Hash subject_public_key_info_hash{};
  std::vector<uint8_t> issuer_unique_id;
  std::vector<uint8_t> subject_unique_id;
  std::vector<uint8_t> extensions;

  // The contents octets of the DER encoding: every field's encoding,
  // concatenated (the tbs_cert_entry_data of an MTCLogEntry).
  std::vector<uint8_t> EncodeContents() const;
  // Parses the contents octets strictly.
  static Result<TbsCertificateLogEntry> ParseContents(
      std::span<const uint8_t> contents);
  bool operator==(const TbsCertificateLogEntry&) const = default;
};

// Steps 7.1-7.3 of §Verifying Certificate Signatures: the log entry a
// TBSCertificate asserts. SHA-256 is the log hash.
TbsCertificateLogEntry LogEntryFromTbsCertificate(const TbsCertificate& tbs);

// The entry hash MTH({MTCLogEntry}) of the tbs_cert_entry a TBSCertificate
// asserts, computed in one pass over the TBSCertificate as §Verifying
// Certificate Signatures describes. `encoded_extensions` is the MTCProof's
// `extensions` field with its length prefix.
merkle::Hash SinglePassEntryHash(const TbsCertificate& tbs,
                                 std::span<const uint8_t> encoded_extensions);

// Assembles a certificate (§Certificate Format): a TBSCertificate with the
// entry's fields, serial (log_number << 48) | index, `spki` (which must match
// the entry's algorithm and hash), signed by `mtc_proof` (a serialized
// MTCProof) as the signatureValue.
Result<std::vector<uint8_t>> AssembleCertificate(
    const TbsCertificateLogEntry& entry, std::span<const uint8_t> spki,
    uint64_t log_number, uint64_t index, std::span<const uint8_t> mtc_proof);

}  // namespace mtc::cert

#endif  // MTC_CERT_CERTIFICATE_H_
