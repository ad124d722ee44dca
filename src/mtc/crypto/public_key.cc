#include "mtc/crypto/public_key.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>
#include <utility>

#include "mtc/crypto/openssl_util.h"
#include "mtc/wire/pem.h"

namespace mtc::crypto {

using internal::UniqueEvpPkey;

namespace {

// Builds an EC key on the curve of `alg` from an uncompressed point. OpenSSL
// checks that the point is on the curve.
Result<UniqueEvpPkey> EcKeyFromPoint(SignatureAlgorithm alg,
                                     std::span<const uint8_t> point) {
  const char* group = internal::CurveName(alg);
  internal::UniqueParamBld bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                      group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                       point.data(), point.size()) != 1) {
    return internal::OpenSslError(ErrorCode::kInternal, "OSSL_PARAM_BLD");
  }
  internal::UniqueParams params(OSSL_PARAM_BLD_to_param(bld.get()));
  internal::UniqueEvpPkeyCtx ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* pkey = nullptr;
  if (params == nullptr || ctx == nullptr ||
      EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) !=
          1) {
    return internal::OpenSslError(ErrorCode::kMalformed,
                                  "not a point on the curve");
  }
  return UniqueEvpPkey(pkey);
}

}  // namespace

Result<PublicKey> PublicKey::FromSpkiDer(std::span<const uint8_t> der) {
  MTC_ASSIGN_OR_RETURN(UniqueEvpPkey pkey, internal::DecodeSpki(der));
  MTC_ASSIGN_OR_RETURN(SignatureAlgorithm alg,
                       internal::AlgorithmOfKey(pkey.get()));
  return PublicKey(pkey.release(), alg);
}

Result<PublicKey> PublicKey::FromSpkiPem(std::string_view pem) {
  MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> der,
                       wire::PemDecode(pem, wire::kPemPublicKey));
  return FromSpkiDer(der);
}

Result<PublicKey> PublicKey::FromRaw(SignatureAlgorithm alg,
                                     std::span<const uint8_t> raw) {
  const SignatureAlgorithmInfo& info = GetSignatureAlgorithmInfo(alg);
  if (raw.size() != info.public_key_size) {
    return Error(ErrorCode::kMalformed,
                 std::string(info.name) + " public key has " +
                     std::to_string(raw.size()) + " bytes, want " +
                     std::to_string(info.public_key_size));
  }
  UniqueEvpPkey pkey;
  if (IsEcdsa(alg)) {
    if (raw[0] != 0x04) {
      return Error(ErrorCode::kMalformed,
                   "EC public key is not an uncompressed point");
    }
    MTC_ASSIGN_OR_RETURN(pkey, EcKeyFromPoint(alg, raw));
  } else {
    pkey.reset(EVP_PKEY_new_raw_public_key_ex(
        nullptr, internal::KeyTypeName(alg), nullptr, raw.data(), raw.size()));
    if (pkey == nullptr) {
      return internal::OpenSslError(ErrorCode::kMalformed,
                                    "invalid raw public key");
    }
  }
  return PublicKey(pkey.release(), alg);
}

PublicKey::PublicKey(const PublicKey& other)
    : pkey_(other.pkey_), algorithm_(other.algorithm_) {
  if (pkey_ != nullptr) EVP_PKEY_up_ref(pkey_);
}

PublicKey& PublicKey::operator=(const PublicKey& other) {
  if (this != &other) {
    if (other.pkey_ != nullptr) EVP_PKEY_up_ref(other.pkey_);
    EVP_PKEY_free(pkey_);
    pkey_ = other.pkey_;
    algorithm_ = other.algorithm_;
  }
  return *this;
}

PublicKey::PublicKey(PublicKey&& other) noexcept
    : pkey_(std::exchange(other.pkey_, nullptr)),
      algorithm_(other.algorithm_) {}

PublicKey& PublicKey::operator=(PublicKey&& other) noexcept {
  if (this != &other) {
    EVP_PKEY_free(pkey_);
    pkey_ = std::exchange(other.pkey_, nullptr);
    algorithm_ = other.algorithm_;
  }
  return *this;
}

PublicKey::~PublicKey() { EVP_PKEY_free(pkey_); }

std::vector<uint8_t> PublicKey::ToSpkiDer() const {
  return internal::ValueOrDie(internal::EncodeSpki(pkey_));
}

std::string PublicKey::ToSpkiPem() const {
  return internal::ValueOrDie(
      wire::PemEncode(wire::kPemPublicKey, ToSpkiDer()));
}

std::vector<uint8_t> PublicKey::ToRaw() const {
  if (!IsEcdsa(algorithm_)) {
    size_t len = 0;
    std::vector<uint8_t> out;
    if (EVP_PKEY_get_raw_public_key(pkey_, nullptr, &len) == 1) {
      out.resize(len);
      if (EVP_PKEY_get_raw_public_key(pkey_, out.data(), &len) == 1) {
        out.resize(len);
        return out;
      }
    }
  } else {
    // The point in the form it was read or generated in: always uncompressed,
    // since DecodeSpki and FromRaw accept no other.
    unsigned char* point = nullptr;
    size_t len = EVP_PKEY_get1_encoded_public_key(pkey_, &point);
    if (len > 0) {
      std::vector<uint8_t> out(point, point + len);
      OPENSSL_free(point);
      return out;
    }
  }
  internal::Die(
      internal::OpenSslError(ErrorCode::kInternal, "cannot encode public key"));
}

Status PublicKey::Verify(std::span<const uint8_t> message,
                         std::span<const uint8_t> signature) const {
  const SignatureAlgorithmInfo& info = GetSignatureAlgorithmInfo(algorithm_);
  if (IsEcdsa(algorithm_)) {
    // Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 3279
    // §2.2.3), in DER. OpenSSL 3.5's verifier happens to insist on DER too;
    // checking here makes that independent of the OpenSSL version and reports
    // an encoding error as kMalformed.
    if (signature.size() > info.max_signature_size) {
      return Error(ErrorCode::kMalformed, "ECDSA signature too long");
    }
    const unsigned char* p = signature.data();
    internal::UniqueEcdsaSig sig(
        d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(signature.size())));
    if (sig == nullptr || p != signature.data() + signature.size()) {
      ERR_clear_error();
      return Error(ErrorCode::kMalformed,
                   "ECDSA signature is not one DER Ecdsa-Sig-Value");
    }
    unsigned char* der = nullptr;
    int der_len = i2d_ECDSA_SIG(sig.get(), &der);
    bool canonical =
        der_len > 0 &&
        std::equal(der, der + der_len, signature.begin(), signature.end());
    OPENSSL_free(der);
    if (!canonical) {
      return Error(ErrorCode::kMalformed,
                   "ECDSA signature is not in canonical DER");
    }
  } else if (signature.size() != info.max_signature_size) {
    return Error(ErrorCode::kMalformed,
                 std::string(info.name) + " signature has " +
                     std::to_string(signature.size()) + " bytes, want " +
                     std::to_string(info.max_signature_size));
  }
  return internal::VerifyMessage(pkey_, internal::DigestName(algorithm_),
                                 message, signature);
}

bool operator==(const PublicKey& a, const PublicKey& b) {
  if (a.algorithm_ != b.algorithm_) return false;
  if (a.pkey_ == b.pkey_) return true;
  if (a.pkey_ == nullptr || b.pkey_ == nullptr) return false;
  bool equal = EVP_PKEY_eq(a.pkey_, b.pkey_) == 1;
  ERR_clear_error();
  return equal;
}

}  // namespace mtc::crypto
