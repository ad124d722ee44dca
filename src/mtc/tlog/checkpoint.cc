#include "mtc/tlog/checkpoint.h"

#include <charconv>
#include <cstring>

#include "mtc/wire/base64.h"

namespace mtc::tlog {

namespace {

Error Malformed(const std::string& why) {
  return Error(ErrorCode::kMalformed, "malformed checkpoint: " + why);
}

}  // namespace

Result<Checkpoint> ParseCheckpointText(std::string_view text) {
  if (!text.ends_with('\n')) return Malformed("text does not end in a newline");
  std::vector<std::string_view> lines;
  text.remove_suffix(1);
  size_t pos;
  while ((pos = text.find('\n')) != std::string_view::npos) {
    lines.push_back(text.substr(0, pos));
    text.remove_prefix(pos + 1);
  }
  lines.push_back(text);
  if (lines.size() < 3) return Malformed("fewer than three lines");
  for (std::string_view line : lines) {
    if (line.empty()) return Malformed("empty line");
  }
  Checkpoint cp;
  cp.origin = std::string(lines[0]);
  std::string_view size = lines[1];
  if (size.size() > 1 && size[0] == '0')
    return Malformed("tree size has a leading zero");
  auto [end, ec] =
      std::from_chars(size.data(), size.data() + size.size(), cp.tree_size);
  if (ec != std::errc() || end != size.data() + size.size()) {
    return Malformed("tree size is not a decimal number");
  }
  auto root = wire::Base64Decode(lines[2]);
  if (!root.ok() || root->size() != cp.root_hash.size()) {
    return Malformed("root hash is not 32 bytes of base64");
  }
  std::memcpy(cp.root_hash.data(), root->data(), cp.root_hash.size());
  for (size_t i = 3; i < lines.size(); i++)
    cp.extensions.emplace_back(lines[i]);
  return cp;
}

Result<std::string> FormatCheckpointText(const Checkpoint& checkpoint) {
  if (checkpoint.origin.empty() ||
      checkpoint.origin.find('\n') != std::string::npos) {
    return Error(ErrorCode::kInvalidArgument,
                 "checkpoint origin must be one non-empty line");
  }
  std::string out = checkpoint.origin + "\n" +
                    std::to_string(checkpoint.tree_size) + "\n" +
                    wire::Base64Encode(checkpoint.root_hash) + "\n";
  for (const std::string& ext : checkpoint.extensions) {
    if (ext.empty() || ext.find('\n') != std::string::npos) {
      return Error(ErrorCode::kInvalidArgument,
                   "extension lines must be one non-empty line");
    }
    out += ext + "\n";
  }
  return out;
}

}  // namespace mtc::tlog
