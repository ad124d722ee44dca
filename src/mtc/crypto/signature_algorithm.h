// The signature algorithms of cosigners, CAs and relying parties
// (docs/design.md §2 items 3, 5 and 9), their names and X.509 identifiers.
//
// Each algorithm fixes both the key type and the way a signature is made, so a
// key has exactly one algorithm: an ECDSA key on P-256 always signs with
// SHA-256, one on P-384 always with SHA-384.
#ifndef MTC_CRYPTO_SIGNATURE_ALGORITHM_H_
#define MTC_CRYPTO_SIGNATURE_ALGORITHM_H_

#include <array>
#include <cstddef>
#include <string_view>

#include "mtc/base/result.h"

namespace mtc::crypto {

enum class SignatureAlgorithm {
  // Ed25519 (RFC 8032 §5.1), PureEdDSA. Signature: the raw 64 bytes.
  kEd25519,
  // ECDSA (FIPS 186-5) on P-256 with SHA-256, P-384 with SHA-384. Signature:
  // the DER Ecdsa-Sig-Value of RFC 5480 §2.2 / RFC 3279 §2.2.3.
  kEcdsaP256Sha256,
  kEcdsaP384Sha384,
  // ML-DSA (FIPS 204 Algorithm 2 ML-DSA.Sign / 3 ML-DSA.Verify): pure ML-DSA
  // with an empty context string. Signature: the raw FIPS 204 encoding.
  kMlDsa44,
  kMlDsa65,
  kMlDsa87,
};

inline constexpr std::array<SignatureAlgorithm, 6> kAllSignatureAlgorithms = {
    SignatureAlgorithm::kEd25519,         SignatureAlgorithm::kEcdsaP256Sha256,
    SignatureAlgorithm::kEcdsaP384Sha384, SignatureAlgorithm::kMlDsa44,
    SignatureAlgorithm::kMlDsa65,         SignatureAlgorithm::kMlDsa87,
};

// The fixed facts about one algorithm. OIDs are dotted decimal strings.
struct SignatureAlgorithmInfo {
  SignatureAlgorithm algorithm;
  // Our configuration name: "ed25519", "ecdsa-p256-sha256",
  // "ecdsa-p384-sha384", "ml-dsa-44", "ml-dsa-65", "ml-dsa-87".
  std::string_view name;
  // AlgorithmIdentifier.algorithm of a signature made with it (X.509
  // signatureAlgorithm): id-Ed25519 (RFC 8410 §3), ecdsa-with-SHA256/384
  // (RFC 5758 §3.2), id-ml-dsa-44/65/87 (RFC 9881). Parameters are absent in
  // all six.
  std::string_view signature_oid;
  // SubjectPublicKeyInfo.algorithm.algorithm of its keys: id-Ed25519,
  // id-ecPublicKey (RFC 5480 §2.1.1), or the id-ml-dsa-* OID again.
  std::string_view key_oid;
  // The namedCurve parameter of an EC key (secp256r1, secp384r1; RFC 5480
  // §2.1.1.1); empty where the key's parameters are absent.
  std::string_view curve_oid;
  // Size of a signature in bytes: exact for Ed25519 and ML-DSA, the largest
  // possible DER Ecdsa-Sig-Value for ECDSA.
  size_t max_signature_size;
  // Size of the raw public key (the SubjectPublicKeyInfo BIT STRING contents):
  // 32 for Ed25519, the uncompressed point for ECDSA, FIPS 204 pk for ML-DSA.
  size_t public_key_size;
};

const SignatureAlgorithmInfo& GetSignatureAlgorithmInfo(SignatureAlgorithm alg);

// Returns the configuration name, e.g. "ml-dsa-44".
std::string_view SignatureAlgorithmName(SignatureAlgorithm alg);

// Parses a configuration name exactly as SignatureAlgorithmName prints it
// (lower case, no aliases); anything else is kInvalidArgument.
Result<SignatureAlgorithm> ParseSignatureAlgorithm(std::string_view name);

inline bool IsEcdsa(SignatureAlgorithm alg) {
  return alg == SignatureAlgorithm::kEcdsaP256Sha256 ||
         alg == SignatureAlgorithm::kEcdsaP384Sha384;
}
inline bool IsMlDsa(SignatureAlgorithm alg) {
  return alg == SignatureAlgorithm::kMlDsa44 ||
         alg == SignatureAlgorithm::kMlDsa65 ||
         alg == SignatureAlgorithm::kMlDsa87;
}

}  // namespace mtc::crypto

#endif  // MTC_CRYPTO_SIGNATURE_ALGORITHM_H_
