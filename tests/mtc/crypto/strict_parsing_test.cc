// What the key and signature parsers refuse: keys of other types and curves,
// and every non-canonical encoding of a SubjectPublicKeyInfo or an ECDSA
// signature (OpenSSL's own parsers accept some BER).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mtc/base/hex.h"
#include "mtc/crypto/crypto_testutil.h"
#include "mtc/crypto/private_key.h"
#include "mtc/crypto/public_key.h"
#include "mtc/wire/der.h"

namespace mtc::crypto {
namespace {

using testing::Ascii;
using testing::Hex;

// Keys of types we do not support, generated with openssl 3.5 genpkey.
constexpr char kP521Pkcs8Pem[] = R"(-----BEGIN PRIVATE KEY-----
MIHuAgEAMBAGByqGSM49AgEGBSuBBAAjBIHWMIHTAgEBBEIBqvQw4IwW0l5jjPgm
nsD1HhNf3+gKKCETMlWR5Xt+GlRBvhuPT+2MlCzmFRUkYMlZ3fNt2qApuEMAgoXR
uWIVawmhgYkDgYYABABMCVBVWguTavdXrccpvM98+gL0u+CrfqzYies/8qJ8/vX4
h7s1BVYKmEnm0ZyPwKlkoi0IyTrtpECD5H8w3cse1wFGf/VD9wlPHP4NOyQWF+br
/nAFY58PVTyVfnr3QIMtGH0jimIXJqv6MvdPlZL7iFMDoTH9zQOVGrzHTGdvCxR4
WA==
-----END PRIVATE KEY-----
)";
constexpr char kP521SpkiPem[] = R"(-----BEGIN PUBLIC KEY-----
MIGbMBAGByqGSM49AgEGBSuBBAAjA4GGAAQATAlQVVoLk2r3V63HKbzPfPoC9Lvg
q36s2InrP/KifP71+Ie7NQVWCphJ5tGcj8CpZKItCMk67aRAg+R/MN3LHtcBRn/1
Q/cJTxz+DTskFhfm6/5wBWOfD1U8lX5690CDLRh9I4piFyar+jL3T5WS+4hTA6Ex
/c0DlRq8x0xnbwsUeFg=
-----END PUBLIC KEY-----
)";
constexpr char kRsa512Pkcs8Pem[] = R"(-----BEGIN PRIVATE KEY-----
MIIBVAIBADANBgkqhkiG9w0BAQEFAASCAT4wggE6AgEAAkEAsIxG3me4O4dzLx99
SGvSy4t5V64mfM2W6wI7QQo3bd+Z97LOeBfrlBmdn40bii4O93fLQl1ceSFx3RPq
5Du8IwIDAQABAkBqEX0qdcocCb7MGvEcJ5uXqo4WfYymAqafPtH2u3qdyW+SPrY9
UxF2gocfKr3p8DE2BTDfCHk4QrHXs+ZFkslRAiEA27HZqy63RWT+JBKYr7xhtfuC
6ys95LxBy6BEuAHzVoUCIQDNuRwC/6pIayGuDDiQwWRnMhZn1Ru/QJYxIBlsRZVs
hwIgOOJG8uzopT4uE5cBE9eaES2rS0rp/rTD8H5x7JcMs6UCIFObtrm1RHR4LdD5
oIecQXz7S0XZw5Qf4KqIfCyXvxnDAiEAqTjHUTF6Hua9gaDFVA8B9VqWpuGJywsQ
IJLMEi6QExo=
-----END PRIVATE KEY-----
)";

// A P-256 key with explicit curve parameters instead of the namedCurve OID
// (openssl 3.5 ec -param_enc explicit).
constexpr char kP256ExplicitSpkiPem[] = R"(-----BEGIN PUBLIC KEY-----
MIIBSzCCAQMGByqGSM49AgEwgfcCAQEwLAYHKoZIzj0BAQIhAP////8AAAABAAAA
AAAAAAAAAAAA////////////////MFsEIP////8AAAABAAAAAAAAAAAAAAAA////
///////////8BCBaxjXYqjqT57PrvVV2mIa8ZR0GsMxTsPY7zjw+J9JgSwMVAMSd
NgiG5wSTamZ44ROdJreBn36QBEEEaxfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5
RdiYwpZP40Li/hp/m47n60p8D54WK84zV2sxXs7LtkBoN79R9QIhAP////8AAAAA
//////////+85vqtpxeehPO5ysL8YyVRAgEBA0IABOnDCnf5PvaHntBomLy4edq6
a6WAsxQjipvjEWpVPeRPA+/05QJ7o3M3cIh509R7GuzMmmc7hy0lngXzVyfIkIU=
-----END PUBLIC KEY-----
)";
constexpr char kP256ExplicitPkcs8Pem[] = R"(-----BEGIN PRIVATE KEY-----
MIIBeQIBADCCAQMGByqGSM49AgEwgfcCAQEwLAYHKoZIzj0BAQIhAP////8AAAAB
AAAAAAAAAAAAAAAA////////////////MFsEIP////8AAAABAAAAAAAAAAAAAAAA
///////////////8BCBaxjXYqjqT57PrvVV2mIa8ZR0GsMxTsPY7zjw+J9JgSwMV
AMSdNgiG5wSTamZ44ROdJreBn36QBEEEaxfR8uEsQkf4vOblY6RA8ncDfYEt6zOg
9KE5RdiYwpZP40Li/hp/m47n60p8D54WK84zV2sxXs7LtkBoN79R9QIhAP////8A
AAAA//////////+85vqtpxeehPO5ysL8YyVRAgEBBG0wawIBAQQgSHg5zhJfDuB9
UGhuDL3KKv0T730sz+cuJrAFuu0Ps3yhRANCAATpwwp3+T72h57QaJi8uHnaumul
gLMUI4qb4xFqVT3kTwPv9OUCe6NzN3CIedPUexrszJpnO4ctJZ4F81cnyJCF
-----END PRIVATE KEY-----
)";

void ExpectUnsupported(const Status& status, const std::string& what) {
  ASSERT_FALSE(status.ok()) << what;
  EXPECT_EQ(status.error().code(), ErrorCode::kUnsupported)
      << what << ": " << status.error().ToString();
}

template <typename T>
Status StatusOf(const Result<T>& r) {
  return r.ok() ? OkStatus() : Status(r.error());
}

TEST(StrictParsingTest, OtherKeyTypesAreUnsupported) {
  ExpectUnsupported(StatusOf(PrivateKey::FromPkcs8Pem(kP521Pkcs8Pem)),
                    "P-521 private key");
  ExpectUnsupported(StatusOf(PublicKey::FromSpkiPem(kP521SpkiPem)),
                    "P-521 public key");
  ExpectUnsupported(StatusOf(PrivateKey::FromPkcs8Pem(kRsa512Pkcs8Pem)),
                    "RSA private key");
  // RFC 8410: Ed448 private key, X25519 public key.
  ExpectUnsupported(
      StatusOf(PrivateKey::FromPkcs8Der(
          Hex("3047020100300506032b6571043b0439" + std::string(114, '1')))),
      "Ed448 private key");
  ExpectUnsupported(
      StatusOf(PublicKey::FromSpkiDer(Hex("302a300506032b656e032100"
                                          "09" +
                                          std::string(62, '0')))),
      "X25519 public key");
  Result<PrivateKey> p521 = PrivateKey::FromPkcs8Pem(kP521Pkcs8Pem);
  ASSERT_FALSE(p521.ok());
  EXPECT_NE(p521.error().message().find("secp521r1"), std::string::npos)
      << p521.error().message();
}

TEST(StrictParsingTest, NotKeysAtAll) {
  for (const std::string& hex : {std::string(""), std::string("00"),
                                 std::string("3000"), std::string("0500")}) {
    EXPECT_FALSE(PrivateKey::FromPkcs8Der(Hex(hex)).ok()) << hex;
    EXPECT_FALSE(PublicKey::FromSpkiDer(Hex(hex)).ok()) << hex;
  }
  EXPECT_FALSE(PublicKey::FromSpkiPem("").ok());
  EXPECT_FALSE(PrivateKey::FromPkcs8Pem("not a key").ok());
  // The SEC 1 "EC PRIVATE KEY" form is not PKCS#8.
  EXPECT_FALSE(PrivateKey::FromPkcs8Pem("-----BEGIN EC PRIVATE KEY-----\nMAA=\n"
                                        "-----END EC PRIVATE KEY-----\n")
                   .ok());
}

// RFC 8032 §7.1 TEST 1's public key in RFC 8410 §4 SPKI variations.
TEST(StrictParsingTest, Ed25519SpkiVariants) {
  const std::string pk =
      "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
  ASSERT_TRUE(
      PublicKey::FromSpkiDer(Hex("302a300506032b6570032100" + pk)).ok());
  const std::string kBad[] = {
      // Parameters NULL instead of absent (RFC 8410 §3: MUST be absent).
      "302c300706032b65700500032100" + pk,
      // Non-minimal length of the outer SEQUENCE.
      "30812a300506032b6570032100" + pk,
      // Trailing byte.
      "302a300506032b6570032100" + pk + "00",
      // One unused bit in the BIT STRING.
      "302a300506032b6570032101" + pk,
      // 31-byte key.
      "3029300506032b6570032000" + pk.substr(2),
  };
  for (const std::string& hex : kBad) {
    EXPECT_FALSE(PublicKey::FromSpkiDer(Hex(hex)).ok()) << hex;
  }
}

// SubjectPublicKeyInfo { { key_oid [, curve_oid | NULL] }, BIT STRING key }.
std::vector<uint8_t> BuildSpki(const SignatureAlgorithmInfo& info,
                               bool null_parameters,
                               std::span<const uint8_t> key) {
  wire::DerBuilder b;
  b.AddSequence([&](wire::DerBuilder& spki) {
    spki.AddSequence([&](wire::DerBuilder& algorithm) {
      algorithm.AddOid(info.key_oid);
      if (!info.curve_oid.empty()) algorithm.AddOid(info.curve_oid);
      if (null_parameters) algorithm.AddNull();
    });
    spki.AddBitString(key);
  });
  Result<std::vector<uint8_t>> der = std::move(b).Finish();
  EXPECT_TRUE(der.ok());
  return der.ok() ? *der : std::vector<uint8_t>{};
}

TEST(StrictParsingTest, EcSpkiVariants) {
  for (SignatureAlgorithm alg : {SignatureAlgorithm::kEcdsaP256Sha256,
                                 SignatureAlgorithm::kEcdsaP384Sha384}) {
    SCOPED_TRACE(SignatureAlgorithmName(alg));
    const SignatureAlgorithmInfo& info = GetSignatureAlgorithmInfo(alg);
    Result<PrivateKey> key = PrivateKey::Generate(alg);
    ASSERT_TRUE(key.ok());
    std::vector<uint8_t> point = key->public_key().ToRaw();
    ASSERT_EQ(point[0], 0x04);
    std::vector<uint8_t> good = BuildSpki(info, false, point);
    EXPECT_EQ(good, key->public_key().ToSpkiDer());
    ASSERT_TRUE(PublicKey::FromSpkiDer(good).ok());

    // SEC 1 §2.3.3 compressed form: 02 or 03 by the parity of y, then x.
    std::vector<uint8_t> compressed(point.begin(),
                                    point.begin() + 1 + (point.size() - 1) / 2);
    compressed[0] = 0x02 | (point.back() & 1);
    Result<PublicKey> from_compressed =
        PublicKey::FromSpkiDer(BuildSpki(info, false, compressed));
    ASSERT_FALSE(from_compressed.ok());
    EXPECT_EQ(from_compressed.error().code(), ErrorCode::kMalformed);
    EXPECT_FALSE(PublicKey::FromRaw(alg, compressed).ok());

    // A point off the curve.
    std::vector<uint8_t> off_curve = point;
    off_curve.back() ^= 1;
    EXPECT_FALSE(
        PublicKey::FromSpkiDer(BuildSpki(info, false, off_curve)).ok());
    EXPECT_FALSE(PublicKey::FromRaw(alg, off_curve).ok());
    // The point at infinity.
    EXPECT_FALSE(
        PublicKey::FromSpkiDer(BuildSpki(info, false, Hex("00"))).ok());
    // Curve and NULL.
    EXPECT_FALSE(PublicKey::FromSpkiDer(BuildSpki(info, true, point)).ok());
  }
}

TEST(StrictParsingTest, ExplicitCurveParametersRejected) {
  Result<PublicKey> public_key = PublicKey::FromSpkiPem(kP256ExplicitSpkiPem);
  ASSERT_FALSE(public_key.ok());
  EXPECT_EQ(public_key.error().code(), ErrorCode::kMalformed)
      << public_key.error().ToString();
  Result<PrivateKey> private_key =
      PrivateKey::FromPkcs8Pem(kP256ExplicitPkcs8Pem);
  ASSERT_FALSE(private_key.ok());
  EXPECT_EQ(private_key.error().code(), ErrorCode::kMalformed)
      << private_key.error().ToString();
}

TEST(StrictParsingTest, MlDsaSpkiWithParametersRejected) {
  for (SignatureAlgorithm alg :
       {SignatureAlgorithm::kMlDsa44, SignatureAlgorithm::kMlDsa65,
        SignatureAlgorithm::kMlDsa87}) {
    SCOPED_TRACE(SignatureAlgorithmName(alg));
    const SignatureAlgorithmInfo& info = GetSignatureAlgorithmInfo(alg);
    Result<PrivateKey> key = PrivateKey::Generate(alg);
    ASSERT_TRUE(key.ok());
    std::vector<uint8_t> raw = key->public_key().ToRaw();
    std::vector<uint8_t> good = BuildSpki(info, false, raw);
    EXPECT_EQ(good, key->public_key().ToSpkiDer());
    EXPECT_TRUE(PublicKey::FromSpkiDer(good).ok());
    // RFC 9881: parameters MUST be absent.
    EXPECT_FALSE(PublicKey::FromSpkiDer(BuildSpki(info, true, raw)).ok());
    std::vector<uint8_t> shorter(raw.begin(), raw.end() - 1);
    EXPECT_FALSE(PublicKey::FromSpkiDer(BuildSpki(info, false, shorter)).ok());
  }
}

// Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 3279 §2.2.3),
// decomposed to rebuild it with other framings. All lengths are below 128.
struct EcdsaSig {
  std::vector<uint8_t> r, s;  // INTEGER contents, with any sign byte
};

EcdsaSig Decompose(const std::vector<uint8_t>& der) {
  EcdsaSig out;
  EXPECT_EQ(der[0], 0x30);
  EXPECT_EQ(der[1], der.size() - 2);
  size_t r_len = der[3];
  out.r.assign(der.begin() + 4, der.begin() + 4 + r_len);
  size_t s_at = 4 + r_len;
  out.s.assign(der.begin() + s_at + 2, der.begin() + s_at + 2 + der[s_at + 1]);
  return out;
}

std::vector<uint8_t> Cat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (const std::vector<uint8_t>& p : parts) {
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

std::vector<uint8_t> Int(const std::vector<uint8_t>& contents) {
  return Cat({{0x02, static_cast<uint8_t>(contents.size())}, contents});
}

std::vector<uint8_t> Seq(const std::vector<uint8_t>& body) {
  return Cat({{0x30, static_cast<uint8_t>(body.size())}, body});
}

TEST(StrictParsingTest, EcdsaSignatureMustBeDer) {
  for (SignatureAlgorithm alg : {SignatureAlgorithm::kEcdsaP256Sha256,
                                 SignatureAlgorithm::kEcdsaP384Sha384}) {
    SCOPED_TRACE(SignatureAlgorithmName(alg));
    Result<PrivateKey> key = PrivateKey::Generate(alg);
    ASSERT_TRUE(key.ok());
    const PublicKey& public_key = key->public_key();
    std::span<const uint8_t> message = Ascii("ecdsa");
    Result<std::vector<uint8_t>> signature = key->Sign(message);
    ASSERT_TRUE(signature.ok());
    ASSERT_TRUE(public_key.Verify(message, *signature).ok());

    const EcdsaSig sig = Decompose(*signature);
    ASSERT_EQ(Seq(Cat({Int(sig.r), Int(sig.s)})), *signature);
    const std::vector<uint8_t> body = Cat({Int(sig.r), Int(sig.s)});
    std::vector<uint8_t> r_padded = Cat({{0x00}, sig.r});

    const std::vector<std::vector<uint8_t>> kNonDer = {
        // Long-form length where the short form fits.
        Cat({{0x30, 0x81, static_cast<uint8_t>(body.size())}, body}),
        // Indefinite length (BER only).
        Cat({{0x30, 0x80}, body, {0x00, 0x00}}),
        // r with a superfluous leading zero byte.
        Seq(Cat({Int(r_padded), Int(sig.s)})),
        // r's length in long form.
        Seq(Cat({{0x02, 0x81, static_cast<uint8_t>(sig.r.size())},
                 sig.r,
                 Int(sig.s)})),
        // An extra element in the SEQUENCE.
        Seq(Cat({body, {0x05, 0x00}})),
        // A byte after the SEQUENCE.
        Cat({*signature, {0x00}}),
    };
    for (const std::vector<uint8_t>& bad : kNonDer) {
      Status status = public_key.Verify(message, bad);
      ASSERT_FALSE(status.ok()) << HexEncode(bad);
      EXPECT_EQ(status.error().code(), ErrorCode::kMalformed)
          << HexEncode(bad) << ": " << status.error().ToString();
    }

    // Well-formed DER that does not verify.
    const std::vector<std::vector<uint8_t>> kWrong = {
        Seq(Cat({Int(sig.s), Int(sig.r)})),
        Seq(Cat({Int({0x00}), Int(sig.s)})),
        Seq(Cat({Int(sig.r), Int({0x01})})),
    };
    for (const std::vector<uint8_t>& bad : kWrong) {
      EXPECT_FALSE(public_key.Verify(message, bad).ok()) << HexEncode(bad);
    }
  }
}

}  // namespace
}  // namespace mtc::crypto
