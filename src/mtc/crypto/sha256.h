// SHA-256 (FIPS 180-4), backed by OpenSSL. The hash of every Merkle tree, log
// entry and note in this project.
#ifndef MTC_CRYPTO_SHA256_H_
#define MTC_CRYPTO_SHA256_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace mtc::crypto {

inline constexpr size_t kSha256Size = 32;
using Sha256Digest = std::array<uint8_t, kSha256Size>;

// Incremental SHA-256. Not thread-safe; cheap to reuse after Finish().
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::span<const uint8_t> data);
  // Returns the digest of everything since construction or the last Finish(),
  // and starts over.
  Sha256Digest Finish();

 private:
  void Reset();
  struct Ctx;
  Ctx* ctx_;
};

// One-shot SHA-256 of the concatenation of `parts`. Reuses a per-thread
// context, so it allocates nothing.
Sha256Digest Sha256Of(std::span<const uint8_t> data);
Sha256Digest Sha256Of(std::span<const uint8_t> a, std::span<const uint8_t> b);

}  // namespace mtc::crypto

#endif  // MTC_CRYPTO_SHA256_H_
