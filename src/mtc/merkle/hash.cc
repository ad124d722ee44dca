#include "mtc/merkle/hash.h"

#include <cstring>

namespace mtc::merkle {

const Hash& EmptyTreeHash() {
  static const Hash empty = crypto::Sha256Of(std::span<const uint8_t>());
  return empty;
}

Hash HashLeaf(std::span<const uint8_t> entry) {
  static constexpr uint8_t kLeafPrefix[1] = {0x00};
  return crypto::Sha256Of(kLeafPrefix, entry);
}

Hash HashChildren(const Hash& left, const Hash& right) {
  // One contiguous buffer: a single digest update is measurably faster than
  // three for these 65-byte inputs.
  uint8_t buf[1 + 2 * kHashSize];
  buf[0] = 0x01;
  std::memcpy(buf + 1, left.data(), kHashSize);
  std::memcpy(buf + 1 + kHashSize, right.data(), kHashSize);
  return crypto::Sha256Of(buf);
}

}  // namespace mtc::merkle
