#include "mtc/crypto/private_key.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <utility>

#include "mtc/crypto/openssl_util.h"
#include "mtc/wire/der.h"
#include "mtc/wire/pem.h"

namespace mtc::crypto {

using internal::UniqueEvpPkey;

namespace {

constexpr size_t kSeedSize = 32;

// Size of the FIPS 204 skEncode output (Table 2).
size_t MlDsaExpandedKeySize(SignatureAlgorithm alg) {
  switch (alg) {
    case SignatureAlgorithm::kMlDsa44:
      return 2560;
    case SignatureAlgorithm::kMlDsa65:
      return 4032;
    default:
      return 4896;
  }
}

// Checks that the privateKey OCTET STRING contents of an ML-DSA PKCS#8 key is
// one of RFC 9881's three forms (quoted at FromPkcs8Der in the header).
// OpenSSL also reads pre-standard forms that no other implementation writes.
Status CheckMlDsaPrivateKeyForm(SignatureAlgorithm alg,
                                std::span<const uint8_t> key) {
  const size_t sk_size = MlDsaExpandedKeySize(alg);
  wire::DerReader r(key);
  std::span<const uint8_t> seed, expanded;
  bool ok;
  if (r.PeekTagIs(wire::DerImplicitTag(0))) {
    // seed [0] OCTET STRING (SIZE (32))
    ok = r.ReadOctetString(&seed, wire::DerImplicitTag(0)) && r.Done() &&
         seed.size() == kSeedSize;
  } else if (r.PeekTagIs(wire::kDerOctetString)) {
    // expandedKey OCTET STRING (SIZE (2560 | 4032 | 4896))
    ok = r.ReadOctetString(&expanded) && r.Done() && expanded.size() == sk_size;
  } else {
    // both SEQUENCE { seed OCTET STRING, expandedKey OCTET STRING }
    wire::DerReader both;
    ok = r.ReadSequence(&both) && r.Done() && both.ReadOctetString(&seed) &&
         both.ReadOctetString(&expanded) && both.Done() &&
         seed.size() == kSeedSize && expanded.size() == sk_size;
  }
  if (!ok) {
    return Error(ErrorCode::kMalformed,
                 std::string(SignatureAlgorithmName(alg)) +
                     " private key is not a seed, expandedKey or both "
                     "(RFC 9881 ML-DSA-PrivateKey)");
  }
  return OkStatus();
}

// The seed-only PKCS#8 encoding of an ML-DSA key, byte for byte what the
// reference generator writes.
std::vector<uint8_t> MlDsaSeedPkcs8(SignatureAlgorithm alg,
                                    std::span<const uint8_t> seed) {
  wire::DerBuilder b;
  // PrivateKeyInfo ::= SEQUENCE {
  //   version Version (v1 = 0),
  //   privateKeyAlgorithm AlgorithmIdentifier { id-ml-dsa-NN, absent },
  //   privateKey OCTET STRING { ML-DSA-PrivateKey: seed [0] } }
  b.AddSequence([&](wire::DerBuilder& info) {
    info.AddUint64(0);
    info.AddSequence([&](wire::DerBuilder& algorithm) {
      algorithm.AddOid(GetSignatureAlgorithmInfo(alg).key_oid);
    });
    info.AddElement(wire::kDerOctetString, [&](wire::DerBuilder& key) {
      key.AddOctetString(seed, wire::DerImplicitTag(0));
    });
  });
  return internal::ValueOrDie(std::move(b).Finish());
}

Result<UniqueEvpPkey> MlDsaFromSeed(SignatureAlgorithm alg,
                                    std::span<const uint8_t> seed) {
  internal::UniqueEvpPkeyCtx ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, internal::KeyTypeName(alg), nullptr));
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_ML_DSA_SEED,
                                        const_cast<uint8_t*>(seed.data()),
                                        seed.size()),
      OSSL_PARAM_construct_end(),
  };
  EVP_PKEY* pkey = nullptr;
  if (ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_KEYPAIR, params) != 1) {
    return internal::OpenSslError(ErrorCode::kInternal,
                                  "cannot derive ML-DSA key from seed");
  }
  return UniqueEvpPkey(pkey);
}

}  // namespace

Result<PrivateKey> PrivateKey::Adopt(evp_pkey_st* raw_pkey) {
  UniqueEvpPkey pkey(raw_pkey);
  MTC_ASSIGN_OR_RETURN(SignatureAlgorithm alg,
                       internal::AlgorithmOfKey(pkey.get()));
  // A separate public-only object, so that copies of the public key do not
  // keep the secret alive.
  MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> spki,
                       internal::EncodeSpki(pkey.get()));
  MTC_ASSIGN_OR_RETURN(PublicKey public_key, PublicKey::FromSpkiDer(spki));
  if (public_key.algorithm() != alg) {
    return Error(ErrorCode::kInternal, "public key of another algorithm");
  }
  return PrivateKey(pkey.release(), std::move(public_key));
}

Result<PrivateKey> PrivateKey::Generate(SignatureAlgorithm alg) {
  EVP_PKEY* pkey =
      IsEcdsa(alg)
          ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", internal::CurveName(alg))
          : EVP_PKEY_Q_keygen(nullptr, nullptr, internal::KeyTypeName(alg));
  if (pkey == nullptr) {
    return internal::OpenSslError(ErrorCode::kInternal,
                                  "key generation failed");
  }
  return Adopt(pkey);
}

Result<PrivateKey> PrivateKey::FromSeed(SignatureAlgorithm alg,
                                        std::span<const uint8_t> seed) {
  if (IsEcdsa(alg)) {
    return Error(ErrorCode::kInvalidArgument,
                 "ECDSA keys cannot be derived from a seed");
  }
  if (seed.size() != kSeedSize) {
    return Error(ErrorCode::kInvalidArgument,
                 "seed has " + std::to_string(seed.size()) + " bytes, want 32");
  }
  if (IsMlDsa(alg)) {
    MTC_ASSIGN_OR_RETURN(UniqueEvpPkey pkey, MlDsaFromSeed(alg, seed));
    return Adopt(pkey.release());
  }
  EVP_PKEY* pkey = EVP_PKEY_new_raw_private_key_ex(nullptr, "ED25519", nullptr,
                                                   seed.data(), seed.size());
  if (pkey == nullptr) {
    return internal::OpenSslError(ErrorCode::kInternal,
                                  "cannot make Ed25519 key");
  }
  return Adopt(pkey);
}

Result<PrivateKey> PrivateKey::FromPkcs8Der(std::span<const uint8_t> der) {
  const unsigned char* p = der.data();
  internal::UniquePkcs8 p8(
      d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size())));
  if (p8 == nullptr) {
    return internal::OpenSslError(ErrorCode::kMalformed,
                                  "not a PKCS#8 PrivateKeyInfo");
  }
  if (p != der.data() + der.size()) {
    return Error(ErrorCode::kMalformed, "trailing data after PKCS#8 key");
  }
  // OpenSSL's parser accepts BER; insist on DER by re-encoding.
  unsigned char* canonical = nullptr;
  int canonical_len = i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &canonical);
  bool is_der =
      canonical_len > 0 &&
      std::equal(canonical, canonical + canonical_len, der.begin(), der.end());
  if (canonical_len > 0) {
    OPENSSL_clear_free(canonical, static_cast<size_t>(canonical_len));
  }
  if (!is_der) {
    return Error(ErrorCode::kMalformed, "PKCS#8 key is not in DER");
  }

  UniqueEvpPkey pkey(EVP_PKCS82PKEY_ex(p8.get(), nullptr, nullptr));
  if (pkey == nullptr) {
    return internal::OpenSslError(ErrorCode::kMalformed,
                                  "cannot decode PKCS#8 private key");
  }
  MTC_ASSIGN_OR_RETURN(SignatureAlgorithm alg,
                       internal::AlgorithmOfKey(pkey.get()));

  const unsigned char* key = nullptr;
  int key_len = 0;
  const X509_ALGOR* algorithm = nullptr;
  if (PKCS8_pkey_get0(nullptr, &key, &key_len, &algorithm, p8.get()) != 1) {
    return internal::OpenSslError(ErrorCode::kInternal, "PKCS8_pkey_get0");
  }
  // Ed25519 and ML-DSA: parameters absent (RFC 8410 §7, RFC 9881); ECDSA:
  // a namedCurve OID, not explicit curve parameters (RFC 5480 §2.1.1).
  int parameter_type = 0;
  X509_ALGOR_get0(nullptr, &parameter_type, nullptr, algorithm);
  if (parameter_type != (IsEcdsa(alg) ? V_ASN1_OBJECT : V_ASN1_UNDEF)) {
    return Error(ErrorCode::kMalformed,
                 std::string(SignatureAlgorithmName(alg)) +
                     " key with the wrong AlgorithmIdentifier parameters");
  }
  if (IsMlDsa(alg)) {
    MTC_RETURN_IF_ERROR(
        CheckMlDsaPrivateKeyForm(alg, {key, static_cast<size_t>(key_len)}));
  }

  // Catches an ECPrivateKey whose publicKey field is not its private key's.
  internal::UniqueEvpPkeyCtx check(
      EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (check == nullptr || EVP_PKEY_pairwise_check(check.get()) != 1) {
    return internal::OpenSslError(
        ErrorCode::kMalformed, "private and public key do not belong together");
  }
  return Adopt(pkey.release());
}

Result<PrivateKey> PrivateKey::FromPkcs8Pem(std::string_view pem) {
  MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> der,
                       wire::PemDecode(pem, wire::kPemPrivateKey));
  Result<PrivateKey> key = FromPkcs8Der(der);
  OPENSSL_cleanse(der.data(), der.size());
  return key;
}

PrivateKey::PrivateKey(PrivateKey&& other) noexcept
    : pkey_(std::exchange(other.pkey_, nullptr)),
      public_key_(std::move(other.public_key_)) {}

PrivateKey& PrivateKey::operator=(PrivateKey&& other) noexcept {
  if (this != &other) {
    EVP_PKEY_free(pkey_);
    pkey_ = std::exchange(other.pkey_, nullptr);
    public_key_ = std::move(other.public_key_);
  }
  return *this;
}

PrivateKey::~PrivateKey() { EVP_PKEY_free(pkey_); }

std::vector<uint8_t> PrivateKey::ToPkcs8Der() const {
  const SignatureAlgorithm alg = algorithm();
  if (IsMlDsa(alg)) {
    std::array<uint8_t, kSeedSize> seed;
    size_t seed_len = 0;
    bool has_seed = EVP_PKEY_get_octet_string_param(
                        pkey_, OSSL_PKEY_PARAM_ML_DSA_SEED, seed.data(),
                        seed.size(), &seed_len) == 1 &&
                    seed_len == kSeedSize;
    ERR_clear_error();
    if (has_seed) {
      std::vector<uint8_t> out = MlDsaSeedPkcs8(alg, seed);
      OPENSSL_cleanse(seed.data(), seed.size());
      return out;
    }
  }
  internal::UniquePkcs8 p8(EVP_PKEY2PKCS8(pkey_));
  unsigned char* der = nullptr;
  int len = p8 == nullptr ? 0 : i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &der);
  if (len <= 0) {
    internal::Die(internal::OpenSslError(ErrorCode::kInternal,
                                         "cannot encode private key"));
  }
  std::vector<uint8_t> out(der, der + len);
  OPENSSL_clear_free(der, static_cast<size_t>(len));
  return out;
}

std::string PrivateKey::ToPkcs8Pem() const {
  std::vector<uint8_t> der = ToPkcs8Der();
  std::string pem =
      internal::ValueOrDie(wire::PemEncode(wire::kPemPrivateKey, der));
  OPENSSL_cleanse(der.data(), der.size());
  return pem;
}

Result<std::vector<uint8_t>> PrivateKey::Sign(
    std::span<const uint8_t> message) const {
  // ML-DSA: OpenSSL's default is pure ML-DSA with an empty context string
  // (docs/design.md §2 item 3) and hedged (randomized) signing.
  return internal::SignMessage(pkey_, internal::DigestName(algorithm()),
                               message);
}

}  // namespace mtc::crypto
