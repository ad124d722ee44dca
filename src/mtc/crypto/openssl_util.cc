#include "mtc/crypto/openssl_util.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace mtc::crypto::internal {

Error OpenSslError(ErrorCode code, std::string_view what) {
  std::string message(what);
  unsigned long err = ERR_get_error();
  if (err != 0) {
    char reason[256];
    ERR_error_string_n(err, reason, sizeof(reason));
    message += " (";
    message += reason;
    message += ")";
  }
  ERR_clear_error();
  return Error(code, std::move(message));
}

void Die(const Error& error) {
  std::fprintf(stderr, "mtc::crypto: %s\n", error.ToString().c_str());
  std::abort();
}

Result<SignatureAlgorithm> AlgorithmOfKey(const EVP_PKEY* pkey) {
  if (EVP_PKEY_is_a(pkey, "ED25519")) return SignatureAlgorithm::kEd25519;
  if (EVP_PKEY_is_a(pkey, "ML-DSA-44")) return SignatureAlgorithm::kMlDsa44;
  if (EVP_PKEY_is_a(pkey, "ML-DSA-65")) return SignatureAlgorithm::kMlDsa65;
  if (EVP_PKEY_is_a(pkey, "ML-DSA-87")) return SignatureAlgorithm::kMlDsa87;
  if (EVP_PKEY_is_a(pkey, "EC")) {
    char group[64] = {0};
    if (EVP_PKEY_get_group_name(pkey, group, sizeof(group), nullptr) != 1) {
      return OpenSslError(ErrorCode::kUnsupported, "EC key without a curve");
    }
    switch (OBJ_sn2nid(group)) {
      case NID_X9_62_prime256v1:
        return SignatureAlgorithm::kEcdsaP256Sha256;
      case NID_secp384r1:
        return SignatureAlgorithm::kEcdsaP384Sha384;
      default:
        return Error(ErrorCode::kUnsupported,
                     std::string("unsupported EC curve ") + group +
                         " (want P-256 or P-384)");
    }
  }
  const char* type = EVP_PKEY_get0_type_name(pkey);
  return Error(ErrorCode::kUnsupported,
               std::string("unsupported key type ") +
                   (type != nullptr ? type : "(unknown)") +
                   " (want Ed25519, ECDSA P-256/P-384 or ML-DSA)");
}

const char* KeyTypeName(SignatureAlgorithm alg) {
  switch (alg) {
    case SignatureAlgorithm::kEd25519:
      return "ED25519";
    case SignatureAlgorithm::kEcdsaP256Sha256:
    case SignatureAlgorithm::kEcdsaP384Sha384:
      return "EC";
    case SignatureAlgorithm::kMlDsa44:
      return "ML-DSA-44";
    case SignatureAlgorithm::kMlDsa65:
      return "ML-DSA-65";
    case SignatureAlgorithm::kMlDsa87:
      return "ML-DSA-87";
  }
  std::abort();
}

const char* CurveName(SignatureAlgorithm alg) {
  switch (alg) {
    case SignatureAlgorithm::kEcdsaP256Sha256:
      return "P-256";
    case SignatureAlgorithm::kEcdsaP384Sha384:
      return "P-384";
    default:
      return nullptr;
  }
}

const char* DigestName(SignatureAlgorithm alg) {
  switch (alg) {
    case SignatureAlgorithm::kEcdsaP256Sha256:
      return "SHA256";
    case SignatureAlgorithm::kEcdsaP384Sha384:
      return "SHA384";
    default:
      return nullptr;
  }
}

Result<std::vector<uint8_t>> EncodeSpki(const EVP_PKEY* pkey) {
  unsigned char* buf = nullptr;
  int len = i2d_PUBKEY(pkey, &buf);
  if (len <= 0) {
    return OpenSslError(ErrorCode::kInternal, "cannot encode public key");
  }
  std::vector<uint8_t> out(buf, buf + len);
  OPENSSL_free(buf);
  return out;
}

Result<UniqueEvpPkey> DecodeSpki(std::span<const uint8_t> der) {
  const unsigned char* p = der.data();
  UniqueEvpPkey pkey(d2i_PUBKEY_ex(nullptr, &p, static_cast<long>(der.size()),
                                   nullptr, nullptr));
  if (pkey == nullptr) {
    return OpenSslError(ErrorCode::kMalformed,
                        "not a SubjectPublicKeyInfo of a known key type");
  }
  if (p != der.data() + der.size()) {
    return Error(ErrorCode::kMalformed,
                 "trailing data after SubjectPublicKeyInfo");
  }
  if (EVP_PKEY_is_a(pkey.get(), "EC")) {
    // OpenSSL re-encodes an EC key the way it was read (explicit parameters,
    // compressed point), so the comparison below does not catch these two.
    char encoding[32] = {0};
    if (EVP_PKEY_get_utf8_string_param(pkey.get(), OSSL_PKEY_PARAM_EC_ENCODING,
                                       encoding, sizeof(encoding),
                                       nullptr) != 1 ||
        std::strcmp(encoding, OSSL_PKEY_EC_ENCODING_GROUP) != 0) {
      ERR_clear_error();
      return Error(ErrorCode::kMalformed,
                   "EC public key without a named curve (RFC 5480 §2.1.1)");
    }
    char point_format[32] = {0};
    if (EVP_PKEY_get_utf8_string_param(
            pkey.get(), OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
            point_format, sizeof(point_format), nullptr) != 1 ||
        std::strcmp(point_format,
                    OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED) != 0) {
      ERR_clear_error();
      return Error(ErrorCode::kMalformed,
                   "EC public key is not an uncompressed point");
    }
  }
  MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> canonical, EncodeSpki(pkey.get()));
  if (!std::equal(canonical.begin(), canonical.end(), der.begin(), der.end())) {
    return Error(ErrorCode::kMalformed,
                 "SubjectPublicKeyInfo is not in canonical DER");
  }
  return pkey;
}

Result<std::vector<uint8_t>> SignMessage(EVP_PKEY* pkey, const char* digest,
                                         std::span<const uint8_t> message) {
  UniqueEvpMdCtx ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (ctx == nullptr ||
      EVP_DigestSignInit_ex(ctx.get(), nullptr, digest, nullptr, nullptr, pkey,
                            nullptr) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, message.data(),
                     message.size()) != 1) {
    return OpenSslError(ErrorCode::kInternal, "cannot start signing");
  }
  std::vector<uint8_t> signature(len);
  if (EVP_DigestSign(ctx.get(), signature.data(), &len, message.data(),
                     message.size()) != 1) {
    return OpenSslError(ErrorCode::kInternal, "signing failed");
  }
  signature.resize(len);
  return signature;
}

Status VerifyMessage(EVP_PKEY* pkey, const char* digest,
                     std::span<const uint8_t> message,
                     std::span<const uint8_t> signature) {
  UniqueEvpMdCtx ctx(EVP_MD_CTX_new());
  if (ctx == nullptr ||
      EVP_DigestVerifyInit_ex(ctx.get(), nullptr, digest, nullptr, nullptr,
                              pkey, nullptr) != 1) {
    return OpenSslError(ErrorCode::kInternal, "cannot start verification");
  }
  if (EVP_DigestVerify(ctx.get(), signature.data(), signature.size(),
                       message.data(), message.size()) != 1) {
    ERR_clear_error();
    return Error(ErrorCode::kVerificationFailed, "bad signature");
  }
  return OkStatus();
}

}  // namespace mtc::crypto::internal
