#include "mtc/cert/log_entry.h"

#include <string>

namespace mtc::cert {

bool ReadLogEntryExtensions(wire::Reader& r,
                            std::vector<LogEntryExtension>* out) {
  wire::Reader list;
  if (!r.ReadU16LengthPrefixed(&list)) return false;
  out->clear();
  while (!list.empty()) {
    LogEntryExtension ext;
    std::span<const uint8_t> data;
    if (!list.ReadU16(&ext.type) || !list.ReadU16LengthPrefixed(&data)) {
      return false;
    }
    // Ascending extension_type, no duplicates.
    if (!out->empty() && out->back().type >= ext.type) return false;
    ext.data.assign(data.begin(), data.end());
    out->push_back(std::move(ext));
  }
  return true;
}

void AddLogEntryExtensions(wire::Builder& b,
                           const std::vector<LogEntryExtension>& extensions) {
  for (size_t i = 1; i < extensions.size(); i++) {
    if (extensions[i - 1].type >= extensions[i].type) {
      b.Fail("MTCLogEntry extensions are not in ascending, unique order");
    }
  }
  b.AddU16LengthPrefixed([&](wire::Builder& list) {
    for (const LogEntryExtension& ext : extensions) {
      list.AddU16(ext.type);
      list.AddU16LengthPrefixedBytes(ext.data);
    }
  });
}

Result<MtcLogEntry> ParseMtcLogEntry(std::span<const uint8_t> bytes) {
  if (bytes.size() > kMaxLogEntrySize) {
    return Error(ErrorCode::kMalformed, "MTCLogEntry exceeds 65535 bytes");
  }
  wire::Reader r(bytes);
  MtcLogEntry entry;
  if (!ReadLogEntryExtensions(r, &entry.extensions) ||
      !r.ReadU16(&entry.type)) {
    return Error(ErrorCode::kMalformed, "malformed MTCLogEntry");
  }
  switch (entry.type) {
    case kNullEntry:
      if (!r.Done()) {
        return Error(ErrorCode::kMalformed, "null_entry with trailing data");
      }
      break;
    case kTbsCertEntry:
      // N is the number of bytes needed to consume the rest of the input.
      entry.tbs_cert_entry_data.assign(r.rest().begin(), r.rest().end());
      break;
    default:
      return Error(ErrorCode::kUnsupported,
                   "unknown MTCLogEntryType " + std::to_string(entry.type));
  }
  return entry;
}

Result<std::vector<uint8_t>> SerializeMtcLogEntry(const MtcLogEntry& entry) {
  if (entry.type != kNullEntry && entry.type != kTbsCertEntry) {
    return Error(ErrorCode::kUnsupported, "unknown MTCLogEntryType");
  }
  if (entry.type == kNullEntry && !entry.tbs_cert_entry_data.empty()) {
    return Error(ErrorCode::kInvalidArgument, "a null_entry carries no data");
  }
  wire::Builder b;
  AddLogEntryExtensions(b, entry.extensions);
  b.AddU16(entry.type);
  b.AddBytes(entry.tbs_cert_entry_data);
  MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> out, std::move(b).Finish());
  if (out.size() > kMaxLogEntrySize) {
    return Error(ErrorCode::kOutOfRange, "MTCLogEntry of " +
                                             std::to_string(out.size()) +
                                             " bytes exceeds 65535");
  }
  return out;
}

}  // namespace mtc::cert
