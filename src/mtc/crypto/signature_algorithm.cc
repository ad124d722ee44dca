#include "mtc/crypto/signature_algorithm.h"

#include <cstdlib>
#include <string>

namespace mtc::crypto {

namespace {

constexpr std::string_view kIdEd25519 = "1.3.101.112";
constexpr std::string_view kIdEcPublicKey = "1.2.840.10045.2.1";

constexpr std::array<SignatureAlgorithmInfo, 6> kInfos = {{
    {SignatureAlgorithm::kEd25519, "ed25519", kIdEd25519, kIdEd25519, "", 64,
     32},
    // Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }: each INTEGER at
    // most 1 + 32 (or 48) bytes of content, with a leading zero.
    {SignatureAlgorithm::kEcdsaP256Sha256, "ecdsa-p256-sha256",
     "1.2.840.10045.4.3.2", kIdEcPublicKey, "1.2.840.10045.3.1.7", 72, 65},
    {SignatureAlgorithm::kEcdsaP384Sha384, "ecdsa-p384-sha384",
     "1.2.840.10045.4.3.3", kIdEcPublicKey, "1.3.132.0.34", 104, 97},
    // FIPS 204 Table 2: sizes of keys and signatures.
    {SignatureAlgorithm::kMlDsa44, "ml-dsa-44", "2.16.840.1.101.3.4.3.17",
     "2.16.840.1.101.3.4.3.17", "", 2420, 1312},
    {SignatureAlgorithm::kMlDsa65, "ml-dsa-65", "2.16.840.1.101.3.4.3.18",
     "2.16.840.1.101.3.4.3.18", "", 3309, 1952},
    {SignatureAlgorithm::kMlDsa87, "ml-dsa-87", "2.16.840.1.101.3.4.3.19",
     "2.16.840.1.101.3.4.3.19", "", 4627, 2592},
}};

}  // namespace

const SignatureAlgorithmInfo& GetSignatureAlgorithmInfo(
    SignatureAlgorithm alg) {
  for (const SignatureAlgorithmInfo& info : kInfos) {
    if (info.algorithm == alg) return info;
  }
  // Every enumerator has a row; a value outside the enum is a caller's bug.
  std::abort();
}

std::string_view SignatureAlgorithmName(SignatureAlgorithm alg) {
  return GetSignatureAlgorithmInfo(alg).name;
}

Result<SignatureAlgorithm> ParseSignatureAlgorithm(std::string_view name) {
  for (const SignatureAlgorithmInfo& info : kInfos) {
    if (info.name == name) return info.algorithm;
  }
  return Error(ErrorCode::kInvalidArgument,
               "unknown signature algorithm \"" + std::string(name) +
                   "\" (want ed25519, ecdsa-p256-sha256, ecdsa-p384-sha384, "
                   "ml-dsa-44, ml-dsa-65 or ml-dsa-87)");
}

}  // namespace mtc::crypto
