// PrivateKey: signs with one SignatureAlgorithm.
//
// The keys of the CA cosigner and of witnesses (draft-ietf-plants-merkle-tree-
// certs §Cosigners; docs/design.md §2 item 5). Key files are PKCS#8
// PrivateKeyInfo (RFC 5208 §5, RFC 5958 §2) in DER or PEM "PRIVATE KEY"
// (RFC 7468 §10), as the draft authors' reference generator writes them.
#ifndef MTC_CRYPTO_PRIVATE_KEY_H_
#define MTC_CRYPTO_PRIVATE_KEY_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mtc/base/result.h"
#include "mtc/crypto/public_key.h"
#include "mtc/crypto/signature_algorithm.h"

struct evp_pkey_st;

namespace mtc::crypto {

// A private key and its public key. Move-only, so that secrets are not copied
// by accident. Sign() and the accessors are const and may be called from
// several threads at once.
class PrivateKey {
 public:
  // Generates a fresh key from OpenSSL's CSPRNG.
  static Result<PrivateKey> Generate(SignatureAlgorithm alg);

  // Derives a key from a 32-byte seed: the Ed25519 private key of RFC 8032
  // §5.1.5, or the ML-DSA seed ξ of FIPS 204 Algorithm 6
  // (ML-DSA.KeyGen_internal). ECDSA keys have no seed form: kInvalidArgument.
  static Result<PrivateKey> FromSeed(SignatureAlgorithm alg,
                                     std::span<const uint8_t> seed);

  // Parses a DER PKCS#8 PrivateKeyInfo (version v1; OpenSSL's parser does not
  // read the RFC 5958 v2 form with a [1] publicKey, which neither the
  // reference generator nor OpenSSL writes). Strict: DER only, nothing after
  // it, parameters absent for Ed25519 (RFC 8410 §7) and ML-DSA, a namedCurve
  // for ECDSA. The ML-DSA privateKey is any of RFC 9881's three forms
  //   ML-DSA-PrivateKey ::= CHOICE {
  //     seed [0] OCTET STRING (SIZE (32)),
  //     expandedKey OCTET STRING (SIZE (2560 | 4032 | 4896)),
  //     both SEQUENCE {
  //       seed OCTET STRING (SIZE (32)),
  //       expandedKey OCTET STRING (SIZE (2560 | 4032 | 4896)) } }
  // (with "both", OpenSSL checks that the expanded key is the seed's); the
  // pre-standard forms OpenSSL 3.5 also reads (a bare seed, a bare expanded
  // key, expanded key || public key) are rejected.
  // Keys of other types or curves (RSA, P-521, ...) are kUnsupported. The
  // private and public halves are checked to belong together.
  static Result<PrivateKey> FromPkcs8Der(std::span<const uint8_t> der);
  // Parses a PEM "PRIVATE KEY" block holding the above. Encrypted keys
  // ("ENCRYPTED PRIVATE KEY") are not supported.
  static Result<PrivateKey> FromPkcs8Pem(std::string_view pem);

  PrivateKey(PrivateKey&& other) noexcept;
  PrivateKey& operator=(PrivateKey&& other) noexcept;
  PrivateKey(const PrivateKey&) = delete;
  PrivateKey& operator=(const PrivateKey&) = delete;
  ~PrivateKey();

  SignatureAlgorithm algorithm() const { return public_key_.algorithm(); }
  const PublicKey& public_key() const { return public_key_; }

  // Serializes as PKCS#8. An ML-DSA key that knows its seed is written in the
  // seed-only form, 54 bytes, byte for byte what the reference generator
  // writes; one loaded from an expanded key is written as OpenSSL encodes it.
  std::vector<uint8_t> ToPkcs8Der() const;
  std::string ToPkcs8Pem() const;

  // Signs `message` (docs/design.md §2 items 3 and 9 for the encodings).
  // ECDSA and ML-DSA signatures are randomized; Ed25519 is deterministic.
  Result<std::vector<uint8_t>> Sign(std::span<const uint8_t> message) const;

 private:
  PrivateKey(evp_pkey_st* pkey, PublicKey public_key)
      : pkey_(pkey), public_key_(std::move(public_key)) {}
  // Takes ownership of `pkey`, checks its type and derives the public key.
  static Result<PrivateKey> Adopt(evp_pkey_st* pkey);

  evp_pkey_st* pkey_;  // owned; null only after a move
  PublicKey public_key_;
};

}  // namespace mtc::crypto

#endif  // MTC_CRYPTO_PRIVATE_KEY_H_
