// Entry bundles (C2SP tlog-tiles §Log entries): big-endian uint16
// length-prefixed log entries, up to 256 per bundle.
#ifndef MTC_TLOG_ENTRY_BUNDLE_H_
#define MTC_TLOG_ENTRY_BUNDLE_H_

#include <cstdint>
#include <span>
#include <vector>

#include "mtc/base/result.h"

namespace mtc::tlog {

// Splits a bundle into its entries (views into `bundle`). Fails on a
// truncated entry or more than 256 entries.
Result<std::vector<std::span<const uint8_t>>> ParseEntryBundle(
    std::span<const uint8_t> bundle);

// Appends one entry to a bundle being built; fails for entries over 65535
// bytes.
Status AppendToEntryBundle(std::span<const uint8_t> entry,
                           std::vector<uint8_t>* bundle);

}  // namespace mtc::tlog

#endif  // MTC_TLOG_ENTRY_BUNDLE_H_
