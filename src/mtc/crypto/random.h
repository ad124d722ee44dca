// Random bytes from OpenSSL's CSPRNG (the default DRBG, NIST SP 800-90A),
// for values that must be unpredictable: ACME nonces (RFC 8555 §6.5) and
// tokens (§8.1, §11.3).
#ifndef MTC_CRYPTO_RANDOM_H_
#define MTC_CRYPTO_RANDOM_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace mtc::crypto {

// Fills `out` with random bytes. The DRBG fails only when it cannot be seeded,
// and then nothing that needs secrets can work: this aborts rather than return
// predictable bytes. Thread-safe.
void RandomBytes(std::span<uint8_t> out);

// `n` random bytes.
std::vector<uint8_t> RandomBytes(size_t n);

}  // namespace mtc::crypto

#endif  // MTC_CRYPTO_RANDOM_H_
