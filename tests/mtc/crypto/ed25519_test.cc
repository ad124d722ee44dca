// Ed25519 known answers: RFC 8032 §7.1 TEST 1-3.
#include <gtest/gtest.h>

#include <string>

#include "mtc/base/hex.h"
#include "mtc/crypto/crypto_testutil.h"
#include "mtc/crypto/private_key.h"
#include "mtc/crypto/public_key.h"

namespace mtc::crypto {
namespace {

using testing::Hex;

struct Rfc8032Vector {
  const char* name;
  const char* secret_key;
  const char* public_key;
  const char* message;
  const char* signature;
};

// RFC 8032 §7.1.
const Rfc8032Vector kVectors[] = {
    {"TEST 1",
     "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
     "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"TEST 2",
     "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
     "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"TEST 3",
     "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
     "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
};

// RFC 8410 §7 / §4: the fixed DER around a 32-byte Ed25519 key.
constexpr char kPkcs8Prefix[] = "302e020100300506032b657004220420";
constexpr char kSpkiPrefix[] = "302a300506032b6570032100";

TEST(Ed25519Test, Rfc8032FromSeed) {
  for (const Rfc8032Vector& v : kVectors) {
    SCOPED_TRACE(v.name);
    Result<PrivateKey> key =
        PrivateKey::FromSeed(SignatureAlgorithm::kEd25519, Hex(v.secret_key));
    ASSERT_TRUE(key.ok()) << key.error().ToString();
    EXPECT_EQ(key->algorithm(), SignatureAlgorithm::kEd25519);
    // §5.1.5: the public key derived from the secret.
    EXPECT_EQ(HexEncode(key->public_key().ToRaw()), v.public_key);
    EXPECT_EQ(HexEncode(key->public_key().ToSpkiDer()),
              std::string(kSpkiPrefix) + v.public_key);
    // §5.1.6: Ed25519 is deterministic, so the signature is exact.
    Result<std::vector<uint8_t>> signature = key->Sign(Hex(v.message));
    ASSERT_TRUE(signature.ok()) << signature.error().ToString();
    EXPECT_EQ(HexEncode(*signature), v.signature);
    EXPECT_EQ(HexEncode(key->ToPkcs8Der()),
              std::string(kPkcs8Prefix) + v.secret_key);
  }
}

TEST(Ed25519Test, Rfc8032FromKeyFiles) {
  for (const Rfc8032Vector& v : kVectors) {
    SCOPED_TRACE(v.name);
    Result<PrivateKey> key =
        PrivateKey::FromPkcs8Der(Hex(std::string(kPkcs8Prefix) + v.secret_key));
    ASSERT_TRUE(key.ok()) << key.error().ToString();
    Result<std::vector<uint8_t>> signature = key->Sign(Hex(v.message));
    ASSERT_TRUE(signature.ok());
    EXPECT_EQ(HexEncode(*signature), v.signature);

    Result<PublicKey> spki =
        PublicKey::FromSpkiDer(Hex(std::string(kSpkiPrefix) + v.public_key));
    ASSERT_TRUE(spki.ok()) << spki.error().ToString();
    Result<PublicKey> raw =
        PublicKey::FromRaw(SignatureAlgorithm::kEd25519, Hex(v.public_key));
    ASSERT_TRUE(raw.ok()) << raw.error().ToString();
    EXPECT_TRUE(*spki == *raw);
    EXPECT_TRUE(*spki == key->public_key());
    EXPECT_TRUE(spki->Verify(Hex(v.message), Hex(v.signature)).ok());
  }
}

// RFC 8032 §5.1.7 step 1: S must be below the group order L. TEST 1's
// signature with S + L would verify under the bare group equation, so it
// checks that OpenSSL enforces the range (no signature malleability).
TEST(Ed25519Test, RejectsNonCanonicalS) {
  Result<PublicKey> key = PublicKey::FromRaw(SignatureAlgorithm::kEd25519,
                                             Hex(kVectors[0].public_key));
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(key->Verify({}, Hex(kVectors[0].signature)).ok());
  Status status = key->Verify(
      {},
      Hex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
          "4c8c7872aa064e049dbb3013fbf29380d25bf5f0595bbe24655141438e7a101b"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kVerificationFailed);
}

TEST(Ed25519Test, SeedMustBe32Bytes) {
  for (size_t n : {0, 31, 33, 64}) {
    std::vector<uint8_t> seed(n, 1);
    Result<PrivateKey> key =
        PrivateKey::FromSeed(SignatureAlgorithm::kEd25519, seed);
    ASSERT_FALSE(key.ok()) << n;
    EXPECT_EQ(key.error().code(), ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace mtc::crypto
