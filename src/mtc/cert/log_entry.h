// Issuance log entries (draft-ietf-plants-merkle-tree-certs §Log Entries):
// MTCLogEntry, its extensions, and TBSCertificateLogEntry.
#ifndef MTC_CERT_LOG_ENTRY_H_
#define MTC_CERT_LOG_ENTRY_H_

#include <cstdint>
#include <span>
#include <vector>

#include "mtc/base/result.h"
#include "mtc/merkle/hash.h"
#include "mtc/wire/builder.h"
#include "mtc/wire/reader.h"

namespace mtc::cert {

// enum { null_entry(0), tbs_cert_entry(1), (2^16-1) } MTCLogEntryType;
inline constexpr uint16_t kNullEntry = 0;
inline constexpr uint16_t kTbsCertEntry = 1;
// "An MTCLogEntry's size MUST NOT exceed 65535 (2^16-1) bytes."
inline constexpr size_t kMaxLogEntrySize = 65535;

// struct {
//     MTCLogEntryExtensionType extension_type;
//     opaque extension_data<0..2^16-1>;
// } MTCLogEntryExtension;
struct LogEntryExtension {
  uint16_t type = 0;
  std::vector<uint8_t> data;
  bool operator==(const LogEntryExtension&) const = default;
};

// `MTCLogEntryExtension extensions<0..2^16-1>`, in ascending order of
// extension_type without duplicates. Shared by MTCLogEntry and MTCProof.
bool ReadLogEntryExtensions(wire::Reader& r,
                            std::vector<LogEntryExtension>* out);
void AddLogEntryExtensions(wire::Builder& b,
                           const std::vector<LogEntryExtension>& extensions);

// struct {
//     MTCLogEntryExtension extensions<0..2^16-1>;
//     MTCLogEntryType type;
//     select (type) {
//        case null_entry: Empty;
//        case tbs_cert_entry: opaque tbs_cert_entry_data[N];
//     }
// } MTCLogEntry;
struct MtcLogEntry {
  std::vector<LogEntryExtension> extensions;
  uint16_t type = kNullEntry;
  // The contents octets of the TBSCertificateLogEntry's DER encoding.
  std::vector<uint8_t> tbs_cert_entry_data;
  bool operator==(const MtcLogEntry&) const = default;
};

// Strict: sorted unique extensions, a known type, no data in a null entry, the
// 65535-byte cap. Entry types we do not know are rejected (a CA must not
// certify what it does not understand, §Certification Authority Cosigners).
Result<MtcLogEntry> ParseMtcLogEntry(std::span<const uint8_t> bytes);
Result<std::vector<uint8_t>> SerializeMtcLogEntry(const MtcLogEntry& entry);

// MTH({entry}) of a serialized MTCLogEntry.
inline merkle::Hash LogEntryHash(std::span<const uint8_t> serialized) {
  return merkle::HashLeaf(serialized);
}

}  // namespace mtc::cert

#endif  // MTC_CERT_LOG_ENTRY_H_
