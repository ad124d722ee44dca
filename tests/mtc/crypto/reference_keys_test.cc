// Keys written by other implementations: the cosigner keys of the draft
// authors' Go generator (tests/testdata/refdata/mtc.json, PKCS#8 with ML-DSA
// in the seed-only form) and the same ML-DSA key re-encoded by OpenSSL in the
// other two forms of RFC 9881.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "mtc/base/hex.h"
#include "mtc/crypto/crypto_testutil.h"
#include "mtc/crypto/private_key.h"
#include "mtc/crypto/public_key.h"
#include "mtc/wire/base64.h"
#include "mtc/wire/der.h"
#include "mtc/wire/pem.h"

namespace mtc::crypto {
namespace {

using testing::Ascii;
using testing::ReadTestdata;

struct Cosigner {
  std::string id;
  std::string go_algorithm;
  std::vector<uint8_t> pkcs8;
};

std::vector<Cosigner> ReadCosigners() {
  nlohmann::json config =
      nlohmann::json::parse(ReadTestdata("refdata/mtc.json"));
  std::vector<Cosigner> out;
  for (const nlohmann::json& c : config.at("Cosigners")) {
    Result<std::vector<uint8_t>> der =
        wire::Base64Decode(c.at("PrivateKey").get<std::string>());
    EXPECT_TRUE(der.ok());
    out.push_back({c.at("CosignerID").get<std::string>(),
                   c.at("SignatureAlgorithm").get<std::string>(),
                   der.ok() ? *der : std::vector<uint8_t>{}});
  }
  return out;
}

// The generator's names for the algorithms (demo/mtc.json).
SignatureAlgorithm FromGoName(const std::string& name) {
  static const std::map<std::string, SignatureAlgorithm> kNames = {
      {"ed25519", SignatureAlgorithm::kEd25519},
      {"ecdsa_p256_sha256", SignatureAlgorithm::kEcdsaP256Sha256},
      {"ecdsa_p384_sha384", SignatureAlgorithm::kEcdsaP384Sha384},
      {"mldsa44", SignatureAlgorithm::kMlDsa44},
      {"mldsa65", SignatureAlgorithm::kMlDsa65},
      {"mldsa87", SignatureAlgorithm::kMlDsa87},
  };
  auto it = kNames.find(name);
  EXPECT_NE(it, kNames.end()) << name;
  return it == kNames.end() ? SignatureAlgorithm::kEd25519 : it->second;
}

PrivateKey LoadCosigner(const std::string& id) {
  for (const Cosigner& c : ReadCosigners()) {
    if (c.id != id) continue;
    Result<PrivateKey> key = PrivateKey::FromPkcs8Der(c.pkcs8);
    if (key.ok()) return std::move(key).value();
    ADD_FAILURE() << key.error().ToString();
  }
  ADD_FAILURE() << "no cosigner " << id;
  return std::move(PrivateKey::Generate(SignatureAlgorithm::kEd25519)).value();
}

TEST(ReferenceKeysTest, EveryCosignerKeyLoadsAndSigns) {
  std::vector<Cosigner> cosigners = ReadCosigners();
  ASSERT_EQ(cosigners.size(), 4u);
  std::set<SignatureAlgorithm> seen;
  for (const Cosigner& c : cosigners) {
    SCOPED_TRACE(c.id + " " + c.go_algorithm);
    SignatureAlgorithm want = FromGoName(c.go_algorithm);
    seen.insert(want);
    Result<PrivateKey> key = PrivateKey::FromPkcs8Der(c.pkcs8);
    ASSERT_TRUE(key.ok()) << key.error().ToString();
    EXPECT_EQ(key->algorithm(), want);

    std::span<const uint8_t> message = Ascii("oid/1.3.6.1.4.1.32473.1.0.1\n");
    Result<std::vector<uint8_t>> signature = key->Sign(message);
    ASSERT_TRUE(signature.ok()) << signature.error().ToString();
    EXPECT_TRUE(key->public_key().Verify(message, *signature).ok());

    // We write each key back exactly as the generator wrote it (for ML-DSA,
    // the 54-byte seed-only form; for ECDSA, an ECPrivateKey with the public
    // key and without the redundant curve parameter).
    EXPECT_EQ(HexEncode(key->ToPkcs8Der()), HexEncode(c.pkcs8));

    // And the PEM form loads the same key.
    Result<std::string> pem = wire::PemEncode(wire::kPemPrivateKey, c.pkcs8);
    ASSERT_TRUE(pem.ok());
    Result<PrivateKey> from_pem = PrivateKey::FromPkcs8Pem(*pem);
    ASSERT_TRUE(from_pem.ok()) << from_pem.error().ToString();
    EXPECT_TRUE(from_pem->public_key() == key->public_key());
  }
  EXPECT_EQ(
      seen,
      (std::set<SignatureAlgorithm>{
          SignatureAlgorithm::kEcdsaP256Sha256, SignatureAlgorithm::kMlDsa44,
          SignatureAlgorithm::kMlDsa65, SignatureAlgorithm::kMlDsa87}));
}

// The generator's ML-DSA keys all have the seed 00 01 .. 1f: PKCS#8 seed-only
// loading and FromSeed must agree.
TEST(ReferenceKeysTest, MlDsaSeedFormMatchesFromSeed) {
  std::vector<uint8_t> seed(32);
  for (size_t i = 0; i < seed.size(); i++) seed[i] = static_cast<uint8_t>(i);
  for (const Cosigner& c : ReadCosigners()) {
    SignatureAlgorithm alg = FromGoName(c.go_algorithm);
    if (!IsMlDsa(alg)) continue;
    SCOPED_TRACE(c.id);
    // RFC 9881 seed form: the last 32 bytes of the 54.
    ASSERT_EQ(c.pkcs8.size(), 54u);
    ASSERT_TRUE(std::equal(seed.begin(), seed.end(), c.pkcs8.end() - 32));
    Result<PrivateKey> from_seed = PrivateKey::FromSeed(alg, seed);
    ASSERT_TRUE(from_seed.ok()) << from_seed.error().ToString();
    Result<PrivateKey> from_file = PrivateKey::FromPkcs8Der(c.pkcs8);
    ASSERT_TRUE(from_file.ok());
    EXPECT_TRUE(from_seed->public_key() == from_file->public_key());
    EXPECT_EQ(from_seed->ToPkcs8Der(), c.pkcs8);
  }
}

// Certificate ::= SEQUENCE { tbsCertificate TBSCertificate, ... }
// TBSCertificate ::= SEQUENCE { version [0] EXPLICIT, serialNumber INTEGER,
//   signature AlgorithmIdentifier, issuer Name, validity Validity,
//   subject Name, subjectPublicKeyInfo SubjectPublicKeyInfo, ... }
std::vector<uint8_t> CertificateSpki(const std::string& pem) {
  Result<std::vector<uint8_t>> der =
      wire::PemDecode(pem, wire::kPemCertificate);
  EXPECT_TRUE(der.ok());
  if (!der.ok()) return {};
  wire::DerReader r(*der), cert, tbs;
  std::span<const uint8_t> spki;
  bool ok = r.ReadSequence(&cert) && cert.ReadSequence(&tbs) &&
            tbs.SkipElement(wire::DerExplicitTag(0)) &&
            tbs.SkipElement(wire::kDerInteger) &&
            tbs.SkipElement(wire::kDerSequence) &&
            tbs.SkipElement(wire::kDerSequence) &&
            tbs.SkipElement(wire::kDerSequence) &&
            tbs.SkipElement(wire::kDerSequence) &&
            tbs.ReadFullElement(wire::kDerSequence, &spki);
  EXPECT_TRUE(ok);
  return {spki.begin(), spki.end()};
}

// The CA certificate carries the public key of cosigner 32473.1 as the Go
// generator derived it from the seed: FIPS 204 key generation from the seed
// agrees between OpenSSL and Go.
TEST(ReferenceKeysTest, MlDsa44PublicKeyMatchesCaCertificate) {
  PrivateKey key = LoadCosigner("32473.1");
  ASSERT_EQ(key.algorithm(), SignatureAlgorithm::kMlDsa44);
  std::vector<uint8_t> spki =
      CertificateSpki(ReadTestdata("refdata/ca_cert.pem"));
  ASSERT_FALSE(spki.empty());
  EXPECT_EQ(HexEncode(key.public_key().ToSpkiDer()), HexEncode(spki));
  Result<PublicKey> from_cert = PublicKey::FromSpkiDer(spki);
  ASSERT_TRUE(from_cert.ok()) << from_cert.error().ToString();
  EXPECT_EQ(from_cert->algorithm(), SignatureAlgorithm::kMlDsa44);
  std::span<const uint8_t> message = Ascii("subtree");
  Result<std::vector<uint8_t>> signature = key.Sign(message);
  ASSERT_TRUE(signature.ok());
  EXPECT_TRUE(from_cert->Verify(message, *signature).ok());
}

// The entries' subject keys are P-256 SubjectPublicKeyInfos written by Go.
TEST(ReferenceKeysTest, GoP256SpkiLoads) {
  nlohmann::json config =
      nlohmann::json::parse(ReadTestdata("refdata/mtc.json"));
  int n = 0;
  for (const nlohmann::json& entry : config.at("Entries")) {
    if (!entry.contains("PublicKey")) continue;
    Result<std::vector<uint8_t>> der =
        wire::Base64Decode(entry.at("PublicKey").get<std::string>());
    ASSERT_TRUE(der.ok());
    Result<PublicKey> key = PublicKey::FromSpkiDer(*der);
    ASSERT_TRUE(key.ok()) << key.error().ToString();
    EXPECT_EQ(key->algorithm(), SignatureAlgorithm::kEcdsaP256Sha256);
    EXPECT_EQ(key->ToSpkiDer(), *der);
    n++;
  }
  EXPECT_GT(n, 0);
}

// RFC 9881's other two forms of the same ML-DSA-44 key, as OpenSSL writes
// them.
TEST(ReferenceKeysTest, MlDsaExpandedAndBothFormsLoad) {
  PrivateKey seed_key = LoadCosigner("32473.1");
  std::vector<uint8_t> seed_only = seed_key.ToPkcs8Der();

  Result<PrivateKey> both =
      PrivateKey::FromPkcs8Pem(ReadTestdata("refdata/mldsa44_both.pem"));
  ASSERT_TRUE(both.ok()) << both.error().ToString();
  EXPECT_EQ(both->algorithm(), SignatureAlgorithm::kMlDsa44);
  EXPECT_TRUE(both->public_key() == seed_key.public_key());
  // It knows its seed, so it is written in the seed-only form.
  EXPECT_EQ(both->ToPkcs8Der(), seed_only);

  Result<PrivateKey> expanded =
      PrivateKey::FromPkcs8Pem(ReadTestdata("refdata/mldsa44_expanded.pem"));
  ASSERT_TRUE(expanded.ok()) << expanded.error().ToString();
  EXPECT_TRUE(expanded->public_key() == seed_key.public_key());
  std::span<const uint8_t> message = Ascii("expanded");
  Result<std::vector<uint8_t>> signature = expanded->Sign(message);
  ASSERT_TRUE(signature.ok());
  EXPECT_TRUE(seed_key.public_key().Verify(message, *signature).ok());
  // Without a seed it cannot be written seed-only; what it writes loads back
  // to the same key.
  std::vector<uint8_t> rewritten = expanded->ToPkcs8Der();
  EXPECT_GT(rewritten.size(), 2560u);
  Result<PrivateKey> reloaded = PrivateKey::FromPkcs8Der(rewritten);
  ASSERT_TRUE(reloaded.ok()) << reloaded.error().ToString();
  EXPECT_TRUE(reloaded->public_key() == seed_key.public_key());
}

std::vector<uint8_t> PemBytes(const std::string& path) {
  Result<std::vector<uint8_t>> der =
      wire::PemDecode(ReadTestdata(path), wire::kPemPrivateKey);
  EXPECT_TRUE(der.ok());
  return der.ok() ? *der : std::vector<uint8_t>{};
}

// In the "both" form, the seed and the expanded key must agree.
TEST(ReferenceKeysTest, MlDsaBothFormWithMismatchRejected) {
  std::vector<uint8_t> der = PemBytes("refdata/mldsa44_both.pem");
  std::vector<uint8_t> seed(32);
  for (size_t i = 0; i < seed.size(); i++) seed[i] = static_cast<uint8_t>(i);
  auto at = std::search(der.begin(), der.end(), seed.begin(), seed.end());
  ASSERT_NE(at, der.end());
  std::vector<uint8_t> bad_seed = der;
  bad_seed[at - der.begin() + 5] ^= 1;
  EXPECT_FALSE(PrivateKey::FromPkcs8Der(bad_seed).ok());
  std::vector<uint8_t> bad_key = der;
  bad_key[bad_key.size() - 100] ^= 1;
  EXPECT_FALSE(PrivateKey::FromPkcs8Der(bad_key).ok());
}

// Variations on the seed-only form of ML-DSA-44 (seed 00..1f):
//   30 34 02 01 00 30 0b 06 09 <id-ml-dsa-44> 04 22 80 20 <seed>
TEST(ReferenceKeysTest, MlDsaSeedFormStrictness) {
  const std::string oid = "0609608648016503040311";
  const std::string seed =
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
  ASSERT_TRUE(PrivateKey::FromPkcs8Der(
                  testing::Hex("3034020100300b" + oid + "04228020" + seed))
                  .ok());
  const std::string kBad[] = {
      // The bare 32-byte seed that pre-standard OpenSSL wrote (and 3.5 still
      // reads): not an RFC 9881 form.
      "3032020100300b" + oid + "0420" + seed,
      // A 31-byte seed.
      "3033020100300b" + oid + "0421801f" + seed.substr(2),
      // NULL parameters.
      "3036020100300d" + oid + "050004228020" + seed,
      // Trailing byte.
      "3034020100300b" + oid + "04228020" + seed + "00",
      // Non-minimal length of the outer SEQUENCE.
      "308134020100300b" + oid + "04228020" + seed,
      // Seed under the wrong tag ([1]).
      "3034020100300b" + oid + "04228120" + seed,
  };
  for (const std::string& hex : kBad) {
    EXPECT_FALSE(PrivateKey::FromPkcs8Der(testing::Hex(hex)).ok()) << hex;
  }
}

TEST(ReferenceKeysTest, EcPrivateKeyWithForeignPublicKeyRejected) {
  for (const Cosigner& c : ReadCosigners()) {
    if (FromGoName(c.go_algorithm) != SignatureAlgorithm::kEcdsaP256Sha256) {
      continue;
    }
    Result<PrivateKey> key = PrivateKey::FromPkcs8Der(c.pkcs8);
    ASSERT_TRUE(key.ok());
    // The ECPrivateKey ends with [1] { BIT STRING { 04 || x || y } }: put
    // another valid point there.
    Result<PrivateKey> other =
        PrivateKey::Generate(SignatureAlgorithm::kEcdsaP256Sha256);
    ASSERT_TRUE(other.ok());
    std::vector<uint8_t> point = other->public_key().ToRaw();
    std::vector<uint8_t> der = c.pkcs8;
    std::vector<uint8_t> own_point = key->public_key().ToRaw();
    ASSERT_TRUE(std::equal(der.end() - 65, der.end(), own_point.begin(),
                           own_point.end()));
    std::copy(point.begin(), point.end(), der.end() - 65);
    Result<PrivateKey> mismatched = PrivateKey::FromPkcs8Der(der);
    ASSERT_FALSE(mismatched.ok());
    EXPECT_EQ(mismatched.error().code(), ErrorCode::kMalformed);
    return;
  }
  FAIL() << "no P-256 cosigner";
}

}  // namespace
}  // namespace mtc::crypto
