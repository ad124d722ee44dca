#include "mtc/crypto/signature_algorithm.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "mtc/base/hex.h"
#include "mtc/wire/der.h"

namespace mtc::crypto {
namespace {

TEST(SignatureAlgorithmTest, NamesRoundTrip) {
  std::set<std::string_view> names;
  for (SignatureAlgorithm alg : kAllSignatureAlgorithms) {
    std::string_view name = SignatureAlgorithmName(alg);
    names.insert(name);
    Result<SignatureAlgorithm> parsed = ParseSignatureAlgorithm(name);
    ASSERT_TRUE(parsed.ok()) << name;
    EXPECT_EQ(*parsed, alg);
    EXPECT_EQ(GetSignatureAlgorithmInfo(alg).algorithm, alg);
  }
  EXPECT_EQ(names, (std::set<std::string_view>{"ed25519", "ecdsa-p256-sha256",
                                               "ecdsa-p384-sha384", "ml-dsa-44",
                                               "ml-dsa-65", "ml-dsa-87"}));
}

TEST(SignatureAlgorithmTest, ParseRejectsOtherSpellings) {
  for (std::string_view name :
       {"", "ED25519", "Ed25519", "ml-dsa-44 ", "mldsa44", "ML-DSA-44",
        "ecdsa_p256_sha256", "ecdsa-p521-sha512", "rsa", "ml-dsa"}) {
    Result<SignatureAlgorithm> parsed = ParseSignatureAlgorithm(name);
    ASSERT_FALSE(parsed.ok()) << name;
    EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument);
  }
}

std::string OidHex(std::string_view dotted) {
  Result<std::vector<uint8_t>> der = wire::OidFromText(dotted);
  return der.ok() ? HexEncode(*der) : "invalid: " + der.error().ToString();
}

// The OIDs against their DER contents as the RFCs print them.
TEST(SignatureAlgorithmTest, Oids) {
  struct Case {
    SignatureAlgorithm alg;
    std::string signature_oid_der;
    std::string key_oid_der;
    std::string curve_oid_der;
  };
  const Case kCases[] = {
      // RFC 8410 §3: id-Ed25519 OBJECT IDENTIFIER ::= { 1 3 101 112 }
      {SignatureAlgorithm::kEd25519, "2b6570", "2b6570", ""},
      // RFC 5758 §3.2 ecdsa-with-SHA256 / -SHA384; RFC 5480 §2.1.1
      // id-ecPublicKey, secp256r1, secp384r1.
      {SignatureAlgorithm::kEcdsaP256Sha256, "2a8648ce3d040302",
       "2a8648ce3d0201", "2a8648ce3d030107"},
      {SignatureAlgorithm::kEcdsaP384Sha384, "2a8648ce3d040303",
       "2a8648ce3d0201", "2b81040022"},
      // RFC 9881: id-ml-dsa-44/65/87 under sigAlgs (2.16.840.1.101.3.4.3).
      {SignatureAlgorithm::kMlDsa44, "608648016503040311", "608648016503040311",
       ""},
      {SignatureAlgorithm::kMlDsa65, "608648016503040312", "608648016503040312",
       ""},
      {SignatureAlgorithm::kMlDsa87, "608648016503040313", "608648016503040313",
       ""},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(SignatureAlgorithmName(c.alg));
    const SignatureAlgorithmInfo& info = GetSignatureAlgorithmInfo(c.alg);
    EXPECT_EQ(OidHex(info.signature_oid), c.signature_oid_der);
    EXPECT_EQ(OidHex(info.key_oid), c.key_oid_der);
    if (c.curve_oid_der.empty()) {
      EXPECT_TRUE(info.curve_oid.empty());
    } else {
      EXPECT_EQ(OidHex(info.curve_oid), c.curve_oid_der);
    }
  }
}

TEST(SignatureAlgorithmTest, Sizes) {
  // FIPS 204 Table 2; RFC 8032 §5.1.6; Ecdsa-Sig-Value with 33- or 49-byte
  // INTEGERs.
  EXPECT_EQ(GetSignatureAlgorithmInfo(SignatureAlgorithm::kMlDsa44)
                .max_signature_size,
            2420u);
  EXPECT_EQ(GetSignatureAlgorithmInfo(SignatureAlgorithm::kMlDsa65)
                .max_signature_size,
            3309u);
  EXPECT_EQ(GetSignatureAlgorithmInfo(SignatureAlgorithm::kMlDsa87)
                .max_signature_size,
            4627u);
  EXPECT_EQ(GetSignatureAlgorithmInfo(SignatureAlgorithm::kEd25519)
                .max_signature_size,
            64u);
  EXPECT_EQ(GetSignatureAlgorithmInfo(SignatureAlgorithm::kEcdsaP256Sha256)
                .max_signature_size,
            2u + 2 * (2 + 33));
  EXPECT_EQ(GetSignatureAlgorithmInfo(SignatureAlgorithm::kEcdsaP384Sha384)
                .max_signature_size,
            2u + 2 * (2 + 49));
}

TEST(SignatureAlgorithmTest, Kinds) {
  int ecdsa = 0, ml_dsa = 0;
  for (SignatureAlgorithm alg : kAllSignatureAlgorithms) {
    ecdsa += IsEcdsa(alg);
    ml_dsa += IsMlDsa(alg);
    EXPECT_FALSE(IsEcdsa(alg) && IsMlDsa(alg));
  }
  EXPECT_EQ(ecdsa, 2);
  EXPECT_EQ(ml_dsa, 3);
}

}  // namespace
}  // namespace mtc::crypto
