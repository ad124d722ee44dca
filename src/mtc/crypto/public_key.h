// PublicKey: verifies signatures of one SignatureAlgorithm.
//
// The keys of cosigners, CAs and relying parties' trust configuration
// (draft-ietf-plants-merkle-tree-certs §Cosigners): loaded from a
// SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) in DER or PEM, or from the raw key
// bytes a signed-note verifier key carries.
#ifndef MTC_CRYPTO_PUBLIC_KEY_H_
#define MTC_CRYPTO_PUBLIC_KEY_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mtc/base/result.h"
#include "mtc/crypto/signature_algorithm.h"

// OpenSSL's EVP_PKEY, declared here so that this header does not include
// OpenSSL (docs/design.md §3).
struct evp_pkey_st;

namespace mtc::crypto {

// An immutable public key. Copies share one reference-counted OpenSSL key;
// every method is const and may be called from several threads at once.
class PublicKey {
 public:
  // Parses a DER SubjectPublicKeyInfo. Strict: the input must be the one DER
  // encoding of the key (no trailing data, no BER, parameters absent for
  // Ed25519 and ML-DSA as RFC 8410 §3 and RFC 9881 require, a named curve and
  // an uncompressed point for ECDSA as RFC 5480 §2 allows us to require).
  // Keys of other types or curves (RSA, P-521, ...) are kUnsupported.
  static Result<PublicKey> FromSpkiDer(std::span<const uint8_t> der);
  // Parses a PEM "PUBLIC KEY" block (RFC 7468 §13) holding the above.
  static Result<PublicKey> FromSpkiPem(std::string_view pem);
  // Builds a key from its raw encoding, the contents of the SPKI BIT STRING:
  // the 32-byte Ed25519 key (RFC 8032 §5.1.5), the uncompressed EC point
  // 0x04 || x || y (SEC 1 §2.3.3), or the FIPS 204 pk encoding.
  static Result<PublicKey> FromRaw(SignatureAlgorithm alg,
                                   std::span<const uint8_t> raw);

  PublicKey(const PublicKey& other);
  PublicKey& operator=(const PublicKey& other);
  PublicKey(PublicKey&& other) noexcept;
  PublicKey& operator=(PublicKey&& other) noexcept;
  ~PublicKey();

  SignatureAlgorithm algorithm() const { return algorithm_; }

  std::vector<uint8_t> ToSpkiDer() const;
  std::string ToSpkiPem() const;
  // The raw encoding FromRaw() takes.
  std::vector<uint8_t> ToRaw() const;

  // Verifies `signature` over `message` (docs/design.md §2 item 9 for the
  // encodings). Returns kMalformed for a signature of the wrong length or, for
  // ECDSA, not exactly the DER of an Ecdsa-Sig-Value (BER and trailing bytes
  // are rejected, so signatures are not malleable through their encoding);
  // kVerificationFailed when a well-formed signature does not verify.
  Status Verify(std::span<const uint8_t> message,
                std::span<const uint8_t> signature) const;

  // Same algorithm and same key.
  friend bool operator==(const PublicKey& a, const PublicKey& b);

 private:
  friend class PrivateKey;
  // Takes ownership of `pkey`.
  PublicKey(evp_pkey_st* pkey, SignatureAlgorithm algorithm)
      : pkey_(pkey), algorithm_(algorithm) {}

  evp_pkey_st* pkey_;  // owned reference; null only after a move
  SignatureAlgorithm algorithm_;
};

}  // namespace mtc::crypto

#endif  // MTC_CRYPTO_PUBLIC_KEY_H_
