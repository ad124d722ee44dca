#include "mtc/crypto/rsa_public_key.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <string>
#include <utility>

#include "mtc/crypto/openssl_util.h"

namespace mtc::crypto {

using internal::UniqueEvpPkey;

namespace {

constexpr uint64_t kMaxExponent = (uint64_t{1} << 31) - 1;

}  // namespace

Result<RsaPublicKey> RsaPublicKey::Adopt(evp_pkey_st* raw_pkey) {
  UniqueEvpPkey pkey(raw_pkey);
  // EVP_PKEY_RSA is rsaEncryption only; RSASSA-PSS keys are EVP_PKEY_RSA_PSS.
  if (EVP_PKEY_get_base_id(pkey.get()) != EVP_PKEY_RSA) {
    const char* type = EVP_PKEY_get0_type_name(pkey.get());
    return Error(ErrorCode::kUnsupported,
                 std::string("not an rsaEncryption key: ") +
                     (type != nullptr ? type : "(unknown)"));
  }
  int bits = EVP_PKEY_get_bits(pkey.get());
  if (bits < kMinModulusBits || bits > kMaxModulusBits) {
    return Error(
        ErrorCode::kUnsupported,
        "RSA modulus has " + std::to_string(bits) + " bits, want 2048 to 4096");
  }
  BIGNUM* e = nullptr;
  if (EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
    return internal::OpenSslError(ErrorCode::kInternal, "RSA key without e");
  }
  internal::UniqueBignum exponent(e);
  if (!BN_is_odd(e) || BN_num_bits(e) > 31 || BN_get_word(e) < 3 ||
      BN_get_word(e) > kMaxExponent) {
    return Error(ErrorCode::kUnsupported,
                 "RSA public exponent is not odd and from 3 to 2^31-1");
  }
  return RsaPublicKey(pkey.release(), bits);
}

Result<RsaPublicKey> RsaPublicKey::FromSpkiDer(std::span<const uint8_t> der) {
  MTC_ASSIGN_OR_RETURN(UniqueEvpPkey pkey, internal::DecodeSpki(der));
  return Adopt(pkey.release());
}

Result<RsaPublicKey> RsaPublicKey::FromModulusAndExponent(
    std::span<const uint8_t> n, std::span<const uint8_t> e) {
  if (n.empty() || e.empty() || n[0] == 0 || e[0] == 0) {
    return Error(ErrorCode::kMalformed,
                 "RSA modulus and exponent must be non-empty, without leading "
                 "zeros");
  }
  internal::UniqueBignum bn_n(
      BN_bin2bn(n.data(), static_cast<int>(n.size()), nullptr));
  internal::UniqueBignum bn_e(
      BN_bin2bn(e.data(), static_cast<int>(e.size()), nullptr));
  internal::UniqueParamBld bld(OSSL_PARAM_BLD_new());
  if (bn_n == nullptr || bn_e == nullptr || bld == nullptr ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) !=
          1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) !=
          1) {
    return internal::OpenSslError(ErrorCode::kInternal, "OSSL_PARAM_BLD");
  }
  internal::UniqueParams params(OSSL_PARAM_BLD_to_param(bld.get()));
  internal::UniqueEvpPkeyCtx ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* pkey = nullptr;
  if (params == nullptr || ctx == nullptr ||
      EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) !=
          1) {
    return internal::OpenSslError(ErrorCode::kMalformed, "invalid RSA key");
  }
  return Adopt(pkey);
}

RsaPublicKey::RsaPublicKey(const RsaPublicKey& other)
    : pkey_(other.pkey_), bits_(other.bits_) {
  if (pkey_ != nullptr) EVP_PKEY_up_ref(pkey_);
}

RsaPublicKey& RsaPublicKey::operator=(const RsaPublicKey& other) {
  if (this != &other) {
    if (other.pkey_ != nullptr) EVP_PKEY_up_ref(other.pkey_);
    EVP_PKEY_free(pkey_);
    pkey_ = other.pkey_;
    bits_ = other.bits_;
  }
  return *this;
}

RsaPublicKey::RsaPublicKey(RsaPublicKey&& other) noexcept
    : pkey_(std::exchange(other.pkey_, nullptr)), bits_(other.bits_) {}

RsaPublicKey& RsaPublicKey::operator=(RsaPublicKey&& other) noexcept {
  if (this != &other) {
    EVP_PKEY_free(pkey_);
    pkey_ = std::exchange(other.pkey_, nullptr);
    bits_ = other.bits_;
  }
  return *this;
}

RsaPublicKey::~RsaPublicKey() { EVP_PKEY_free(pkey_); }

std::vector<uint8_t> RsaPublicKey::ToSpkiDer() const {
  return internal::ValueOrDie(internal::EncodeSpki(pkey_));
}

Status RsaPublicKey::VerifyRs256(std::span<const uint8_t> message,
                                 std::span<const uint8_t> signature) const {
  const size_t k = static_cast<size_t>(bits_ + 7) / 8;
  if (signature.size() != k) {
    return Error(ErrorCode::kMalformed,
                 "RS256 signature has " + std::to_string(signature.size()) +
                     " bytes, want " + std::to_string(k));
  }
  // The default padding of an RSA EVP_PKEY is PKCS #1 v1.5.
  return internal::VerifyMessage(pkey_, "SHA256", message, signature);
}

}  // namespace mtc::crypto
