// RsaPublicKey: verifies RS256 signatures, and nothing else.
//
// ACME account keys (RFC 8555 §6.2) may be RSA; JWS "RS256" is
// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3, RFC 8017 §8.2). RSA never
// signs anything of ours and is not a cosigner algorithm, so it is kept apart
// from PublicKey.
#ifndef MTC_CRYPTO_RSA_PUBLIC_KEY_H_
#define MTC_CRYPTO_RSA_PUBLIC_KEY_H_

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "mtc/base/result.h"

struct evp_pkey_st;

namespace mtc::crypto {

// An immutable RSA public key with a modulus of 2048 to 4096 bits (RFC 7518
// §3.3 requires at least 2048) and an odd public exponent from 3 to 2^31 - 1
// (the bounds Go's crypto/rsa enforces). Copies share one OpenSSL key; every
// method may be called from several threads at once.
class RsaPublicKey {
 public:
  static constexpr int kMinModulusBits = 2048;
  static constexpr int kMaxModulusBits = 4096;

  // Parses a DER SubjectPublicKeyInfo with algorithm rsaEncryption and NULL
  // parameters (RFC 3279 §2.3.1), strictly as PublicKey::FromSpkiDer does.
  // RSASSA-PSS keys and keys of other types are kUnsupported.
  static Result<RsaPublicKey> FromSpkiDer(std::span<const uint8_t> der);
  // Builds a key from the big-endian modulus and exponent, each without
  // leading zero bytes: the JWK "n" and "e" members (RFC 7518 §6.3.1) after
  // base64url decoding.
  static Result<RsaPublicKey> FromModulusAndExponent(
      std::span<const uint8_t> n, std::span<const uint8_t> e);

  RsaPublicKey(const RsaPublicKey& other);
  RsaPublicKey& operator=(const RsaPublicKey& other);
  RsaPublicKey(RsaPublicKey&& other) noexcept;
  RsaPublicKey& operator=(RsaPublicKey&& other) noexcept;
  ~RsaPublicKey();

  int modulus_bits() const { return bits_; }
  std::vector<uint8_t> ToSpkiDer() const;

  // Verifies an RS256 signature of `message`. The signature must be exactly
  // as long as the modulus (RFC 8017 §8.2.2 step 1): kMalformed otherwise;
  // kVerificationFailed when it does not verify.
  Status VerifyRs256(std::span<const uint8_t> message,
                     std::span<const uint8_t> signature) const;

 private:
  // Takes ownership of `pkey`.
  RsaPublicKey(evp_pkey_st* pkey, int bits) : pkey_(pkey), bits_(bits) {}
  // Takes ownership of `pkey` and checks the type, size and exponent.
  static Result<RsaPublicKey> Adopt(evp_pkey_st* pkey);

  evp_pkey_st* pkey_;  // owned reference; null only after a move
  int bits_;
};

}  // namespace mtc::crypto

#endif  // MTC_CRYPTO_RSA_PUBLIC_KEY_H_
