// Merkle Tree Hash building blocks of RFC 9162 §2.1.1.
#ifndef MTC_MERKLE_HASH_H_
#define MTC_MERKLE_HASH_H_

#include <cstdint>
#include <span>
#include <vector>

#include "mtc/crypto/sha256.h"

namespace mtc::merkle {

using Hash = crypto::Sha256Digest;
inline constexpr size_t kHashSize = crypto::kSha256Size;

// MTH({}) = HASH(), the hash of the empty string.
const Hash& EmptyTreeHash();
// MTH({d}) = HASH(0x00 || d).
Hash HashLeaf(std::span<const uint8_t> entry);
// HASH(0x01 || left || right).
Hash HashChildren(const Hash& left, const Hash& right);

}  // namespace mtc::merkle

#endif  // MTC_MERKLE_HASH_H_
