#include "mtc/tlog/entry_bundle.h"

#include "mtc/tlog/tile_path.h"
#include "mtc/wire/reader.h"

namespace mtc::tlog {

Result<std::vector<std::span<const uint8_t>>> ParseEntryBundle(
    std::span<const uint8_t> bundle) {
  wire::Reader r(bundle);
  std::vector<std::span<const uint8_t>> entries;
  while (!r.empty()) {
    std::span<const uint8_t> entry;
    if (!r.ReadU16LengthPrefixed(&entry)) {
      return Error(ErrorCode::kMalformed, "truncated entry in entry bundle");
    }
    if (entries.size() == kTileWidth) {
      return Error(ErrorCode::kMalformed,
                   "entry bundle of more than 256 entries");
    }
    entries.push_back(entry);
  }
  return entries;
}

Status AppendToEntryBundle(std::span<const uint8_t> entry,
                           std::vector<uint8_t>* bundle) {
  if (entry.size() > 0xffff) {
    return Error(ErrorCode::kOutOfRange, "entry exceeds 65535 bytes");
  }
  bundle->push_back(static_cast<uint8_t>(entry.size() >> 8));
  bundle->push_back(static_cast<uint8_t>(entry.size()));
  bundle->insert(bundle->end(), entry.begin(), entry.end());
  return OkStatus();
}

}  // namespace mtc::tlog
