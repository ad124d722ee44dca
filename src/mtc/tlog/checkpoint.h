// Checkpoint note text (C2SP tlog-checkpoint §Note text): origin, tree size,
// root hash, optional extension lines.
#ifndef MTC_TLOG_CHECKPOINT_H_
#define MTC_TLOG_CHECKPOINT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mtc/base/result.h"
#include "mtc/merkle/hash.h"

namespace mtc::tlog {

struct Checkpoint {
  std::string origin;
  uint64_t tree_size = 0;
  merkle::Hash root_hash{};
  std::vector<std::string>
      extensions;  // docs/design.md §2 item 8: we write none

  bool operator==(const Checkpoint&) const = default;
};

// Parses the text of a checkpoint note (everything before the blank line):
// at least three non-empty lines, each ending in U+000A; a tree size in decimal
// without leading zeros; a root hash of exactly 32 bytes in base64.
Result<Checkpoint> ParseCheckpointText(std::string_view text);
// The note text of `checkpoint`.
Result<std::string> FormatCheckpointText(const Checkpoint& checkpoint);

}  // namespace mtc::tlog

#endif  // MTC_TLOG_CHECKPOINT_H_
