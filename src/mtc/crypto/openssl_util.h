// RAII owners for OpenSSL objects and the conversions every key class shares.
//
// Internal to src/mtc/crypto: this header includes OpenSSL, which no other
// layer may see (docs/design.md §3). The public headers forward-declare what
// they hold.
#ifndef MTC_CRYPTO_OPENSSL_UTIL_H_
#define MTC_CRYPTO_OPENSSL_UTIL_H_

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mtc/base/result.h"
#include "mtc/crypto/signature_algorithm.h"

namespace mtc::crypto::internal {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};

using UniqueEvpPkey =
    std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using UniqueEvpPkeyCtx =
    std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using UniqueEvpMdCtx =
    std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using UniqueBignum = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using UniqueEcdsaSig =
    std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;
using UniquePkcs8 =
    std::unique_ptr<PKCS8_PRIV_KEY_INFO,
                    Deleter<PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free>>;
using UniqueParamBld =
    std::unique_ptr<OSSL_PARAM_BLD,
                    Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using UniqueParams =
    std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;

// Returns an Error whose message is "<what>" followed by the reason of the
// oldest error on OpenSSL's thread-local queue, and empties the queue so a
// later operation does not report a stale reason.
Error OpenSslError(ErrorCode code, std::string_view what);

// Returns the value of `result`, or prints its error and aborts. For encoders
// that fail only when OpenSSL cannot allocate, where libmtc gives up as
// sha256.cc does.
[[noreturn]] void Die(const Error& error);
template <typename T>
T ValueOrDie(Result<T> result) {
  if (!result.ok()) Die(result.error());
  return std::move(result).value();
}

// Returns the algorithm of `pkey`, or kUnsupported naming its type or curve.
Result<SignatureAlgorithm> AlgorithmOfKey(const EVP_PKEY* pkey);
// The OpenSSL key type name ("ED25519", "EC", "ML-DSA-44", ...).
const char* KeyTypeName(SignatureAlgorithm alg);
// The OpenSSL group name of an ECDSA algorithm's curve ("P-256", "P-384");
// nullptr for the others.
const char* CurveName(SignatureAlgorithm alg);
// The digest of ECDSA ("SHA256", "SHA384"); nullptr for Ed25519 and ML-DSA,
// which hash the message themselves.
const char* DigestName(SignatureAlgorithm alg);

// Serializes `pkey` as a DER SubjectPublicKeyInfo (RFC 5280 §4.1).
Result<std::vector<uint8_t>> EncodeSpki(const EVP_PKEY* pkey);

// Parses a DER SubjectPublicKeyInfo strictly: the input must be exactly the
// encoding OpenSSL produces for the key it holds, which rules out BER lengths,
// trailing data, parameters where RFC 8410 / FIPS 204 keys have none, explicit
// curve parameters and compressed points (RFC 5480 §2.2 lets us insist on the
// uncompressed form).
Result<UniqueEvpPkey> DecodeSpki(std::span<const uint8_t> der);

// Signs `message` with `pkey`; `digest` is the hash for ECDSA and RSA, nullptr
// for algorithms that hash internally (Ed25519, ML-DSA).
Result<std::vector<uint8_t>> SignMessage(EVP_PKEY* pkey, const char* digest,
                                         std::span<const uint8_t> message);
// Verifies; any failure is kVerificationFailed.
Status VerifyMessage(EVP_PKEY* pkey, const char* digest,
                     std::span<const uint8_t> message,
                     std::span<const uint8_t> signature);

}  // namespace mtc::crypto::internal

#endif  // MTC_CRYPTO_OPENSSL_UTIL_H_
