#include "mtc/crypto/rsa_public_key.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mtc/crypto/crypto_testutil.h"
#include "mtc/crypto/public_key.h"
#include "mtc/wire/pem.h"

namespace mtc::crypto {
namespace {

using testing::Ascii;
using testing::Hex;

// RFC 7515 Appendix A.2 ("Example JWS Using RSASSA-PKCS1-v1_5 SHA-256"): the
// RSA key's "n" (e is AQAB = 65537), the JWS Signing Input and the signature,
// base64url-decoded.
constexpr char kModulus[] =
    "a1f8160ae2e3c9b465ce8d2d656263362b927dbe29e1f02477fc1625cc90a136"
    "e38bd93497c5b6ea63dd7711e67c7429f956b0fb8a8f089adc4b69893cc1333f"
    "53edd019b87784252fec914fe4857769594bea4280d32c0f55bf62944f130396"
    "bc6e9bdf6ebdd2bda3678eeca0c668f701b38dbffb38c8342ce2fe6d27fade4a"
    "5a4874979dd4b9cf9adec4c75b05852c2c0f5ef8a5c1750392f944e8ed64c110"
    "c6b647609aa4783aeb9c6c9ad755313050638b83665c6f6f7a82a396702a1f64"
    "1b82d3ebf2392219491fb686872c5716f50af8358d9a8b9d17c340728f7f87d8"
    "9a18d8fcab67ad84590c2ecf759339363c07034d6f606f9e21e05456cae5e9a1";
constexpr char kExponent[] = "010001";
constexpr char kSigningInput[] =
    "eyJhbGciOiJSUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNv"
    "bS9pc19yb290Ijp0cnVlfQ";
constexpr char kSignature[] =
    "702e218943e88fd11eb5d82dbf7845f34106ae1b81fff7731116add1717d8365"
    "6d420afd3c96eedd73a2663e5166687b000b87226e0187ed1073f945e582adfc"
    "ef16d85a798ee8c66ddb3db8975b17d09402beedd5d9d97007108db28160d5f8"
    "040ca7445762b81fbe7ff9d92e0ae76f24f25b33bbe6f44ae61eb1040acb2004"
    "4d3ef9128ed40130795bd4bd3b41eecad066ab651981fde48df77f372dc38b9f"
    "afdd3befb18b5da3cc3c2eb02f9e3a41d612caad15911273a05f23b9e838faaf"
    "849d698429ef5a1e88798236c3d40e604522a544c8f27a7a2db80663d16cf7ca"
    "ea56de405cb2215a45b2c25566b55ac1a748a070dfc8a32a469543d019eefb47";

// An RSASSA-PSS key (id-RSASSA-PSS), generated with openssl 3.5 genpkey.
constexpr char kRsaPssSpkiPem[] = R"(-----BEGIN PUBLIC KEY-----
MIIBIDALBgkqhkiG9w0BAQoDggEPADCCAQoCggEBALcR0wqQLxd1EfgvmlFSTkEs
lyfiRwWAxwvKRu8RoVkAsqFOgbfYDFa0SKEfY67d3rXDUyZgLsYUdUMmnSx7PpUc
L81A+2yoROZnI2B12SovJ5fyBqLEuVpKKVfkCtKCyBnUfzLKKC5/a04Z53B89tzm
+314DZVwNQRrSDnfdSLEsnaQHFGO0FB7/8c2I4pXTEXXmGnLXWmRmMlGopva/3sA
PJ7AWB5ugj/s1sQOeKX+Dm/ZK+8NPBD+7Lu573HPLpIncmtCIDCpan6voiXMaPdI
6Fwv3/Q3pUo54FzcmarovE0gW0JkCteQAxPIMuMg2hQsA9O/31f70WT3l75lts8C
AwEAAQ==
-----END PUBLIC KEY-----
)";

RsaPublicKey Rfc7515Key() {
  Result<RsaPublicKey> key =
      RsaPublicKey::FromModulusAndExponent(Hex(kModulus), Hex(kExponent));
  if (!key.ok()) ADD_FAILURE() << key.error().ToString();
  return std::move(key).value();
}

TEST(RsaPublicKeyTest, Rfc7515A2) {
  RsaPublicKey key = Rfc7515Key();
  EXPECT_EQ(key.modulus_bits(), 2048);
  Status status = key.VerifyRs256(Ascii(kSigningInput), Hex(kSignature));
  EXPECT_TRUE(status.ok()) << status.error().ToString();
}

TEST(RsaPublicKeyTest, SpkiRoundTrip) {
  RsaPublicKey key = Rfc7515Key();
  std::vector<uint8_t> spki = key.ToSpkiDer();
  Result<RsaPublicKey> from_spki = RsaPublicKey::FromSpkiDer(spki);
  ASSERT_TRUE(from_spki.ok()) << from_spki.error().ToString();
  EXPECT_EQ(from_spki->ToSpkiDer(), spki);
  EXPECT_EQ(from_spki->modulus_bits(), 2048);
  EXPECT_TRUE(
      from_spki->VerifyRs256(Ascii(kSigningInput), Hex(kSignature)).ok());
  // rsaEncryption with NULL parameters (RFC 3279 §2.3.1); trailing data is
  // refused.
  std::vector<uint8_t> trailing = spki;
  trailing.push_back(0);
  EXPECT_FALSE(RsaPublicKey::FromSpkiDer(trailing).ok());
  // RSA is not a signature algorithm for cosigners.
  Result<PublicKey> as_cosigner = PublicKey::FromSpkiDer(spki);
  ASSERT_FALSE(as_cosigner.ok());
  EXPECT_EQ(as_cosigner.error().code(), ErrorCode::kUnsupported);
}

TEST(RsaPublicKeyTest, RejectsModifiedInputs) {
  RsaPublicKey key = Rfc7515Key();
  std::vector<uint8_t> message(kSigningInput,
                               kSigningInput + sizeof(kSigningInput) - 1);
  const std::vector<uint8_t> signature = Hex(kSignature);
  for (size_t i = 0; i < message.size(); i += 7) {
    std::vector<uint8_t> modified = message;
    modified[i] ^= 1;
    Status status = key.VerifyRs256(modified, signature);
    ASSERT_FALSE(status.ok()) << i;
    EXPECT_EQ(status.error().code(), ErrorCode::kVerificationFailed);
  }
  for (size_t i = 0; i < signature.size(); i++) {
    std::vector<uint8_t> modified = signature;
    modified[i] ^= 1;
    ASSERT_FALSE(key.VerifyRs256(message, modified).ok()) << i;
  }
  // The signature must be exactly as long as the modulus, even with a
  // leading zero that would leave its value unchanged.
  std::vector<uint8_t> longer = signature;
  longer.insert(longer.begin(), 0);
  std::vector<uint8_t> shorter(signature.begin() + 1, signature.end());
  for (const std::vector<uint8_t>* bad : {&longer, &shorter}) {
    Status status = key.VerifyRs256(message, *bad);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code(), ErrorCode::kMalformed);
  }
}

TEST(RsaPublicKeyTest, ModulusSizeLimits) {
  // Odd "moduli" of the given bit lengths; OpenSSL does not factor public
  // keys, so only the size check can refuse them.
  auto modulus = [](int bits) {
    std::vector<uint8_t> n((bits + 7) / 8, 0xff);
    n[0] = static_cast<uint8_t>(0xff >> ((8 - bits % 8) % 8));
    return n;
  };
  for (int bits : {1024, 2047, 4097, 8192}) {
    Result<RsaPublicKey> key =
        RsaPublicKey::FromModulusAndExponent(modulus(bits), Hex(kExponent));
    ASSERT_FALSE(key.ok()) << bits;
    EXPECT_EQ(key.error().code(), ErrorCode::kUnsupported);
  }
  for (int bits : {2048, 3072, 4096}) {
    Result<RsaPublicKey> key =
        RsaPublicKey::FromModulusAndExponent(modulus(bits), Hex(kExponent));
    ASSERT_TRUE(key.ok()) << bits << ": " << key.error().ToString();
    EXPECT_EQ(key->modulus_bits(), bits);
  }
}

TEST(RsaPublicKeyTest, ExponentAndEncodingLimits) {
  const std::vector<uint8_t> n = Hex(kModulus);
  for (const char* e : {"01", "02", "010000", "80000001", "0100000001"}) {
    EXPECT_FALSE(RsaPublicKey::FromModulusAndExponent(n, Hex(e)).ok()) << e;
  }
  EXPECT_TRUE(RsaPublicKey::FromModulusAndExponent(n, Hex("03")).ok());
  EXPECT_TRUE(RsaPublicKey::FromModulusAndExponent(n, Hex("7fffffff")).ok());
  // JWK integers have no leading zero bytes (RFC 7518 §6.3.1.1).
  EXPECT_FALSE(RsaPublicKey::FromModulusAndExponent(n, Hex("00010001")).ok());
  std::vector<uint8_t> padded_n = n;
  padded_n.insert(padded_n.begin(), 0);
  EXPECT_FALSE(
      RsaPublicKey::FromModulusAndExponent(padded_n, Hex(kExponent)).ok());
  EXPECT_FALSE(RsaPublicKey::FromModulusAndExponent({}, Hex(kExponent)).ok());
  EXPECT_FALSE(RsaPublicKey::FromModulusAndExponent(n, {}).ok());
}

TEST(RsaPublicKeyTest, RejectsOtherKeyTypes) {
  Result<std::vector<uint8_t>> pss =
      wire::PemDecode(kRsaPssSpkiPem, wire::kPemPublicKey);
  ASSERT_TRUE(pss.ok());
  Result<RsaPublicKey> from_pss = RsaPublicKey::FromSpkiDer(*pss);
  ASSERT_FALSE(from_pss.ok());
  EXPECT_EQ(from_pss.error().code(), ErrorCode::kUnsupported);

  // RFC 8410 Ed25519 SPKI.
  Result<RsaPublicKey> from_ed25519 = RsaPublicKey::FromSpkiDer(
      Hex("302a300506032b6570032100d75a980182b10ab7d54bfed3c964073a0ee172f3da"
          "a62325af021a68f707511a"));
  ASSERT_FALSE(from_ed25519.ok());
  EXPECT_EQ(from_ed25519.error().code(), ErrorCode::kUnsupported);
}

}  // namespace
}  // namespace mtc::crypto
