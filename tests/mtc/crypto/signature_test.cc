// Sign/verify and key round trips for every SignatureAlgorithm.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mtc/crypto/crypto_testutil.h"
#include "mtc/crypto/private_key.h"
#include "mtc/crypto/public_key.h"
#include "mtc/crypto/signature_algorithm.h"
#include "mtc/wire/der.h"

namespace mtc::crypto {
namespace {

using testing::Ascii;

class SignatureTest : public ::testing::TestWithParam<SignatureAlgorithm> {
 protected:
  SignatureAlgorithm alg() const { return GetParam(); }
  const SignatureAlgorithmInfo& info() const {
    return GetSignatureAlgorithmInfo(alg());
  }

  PrivateKey NewKey() const {
    Result<PrivateKey> key = PrivateKey::Generate(alg());
    if (!key.ok()) ADD_FAILURE() << key.error().ToString();
    return std::move(key).value();
  }

  std::vector<uint8_t> SignOk(const PrivateKey& key,
                              std::span<const uint8_t> message) const {
    Result<std::vector<uint8_t>> signature = key.Sign(message);
    if (!signature.ok()) {
      ADD_FAILURE() << signature.error().ToString();
      return {};
    }
    return std::move(signature).value();
  }

  // Positions worth flipping: all of a short signature; of a long ML-DSA one,
  // both ends and a stride through the middle.
  std::vector<size_t> Positions(size_t size) const {
    std::vector<size_t> out;
    for (size_t i = 0; i < size; i++) {
      if (size <= 128 || i < 64 || i >= size - 64 || i % 29 == 0) {
        out.push_back(i);
      }
    }
    return out;
  }
};

TEST_P(SignatureTest, SignVerifyRoundTrip) {
  PrivateKey key = NewKey();
  EXPECT_EQ(key.algorithm(), alg());
  EXPECT_EQ(key.public_key().algorithm(), alg());
  for (size_t size : {0, 1, 32, 100, 10000}) {
    std::vector<uint8_t> message(size);
    for (size_t i = 0; i < size; i++) message[i] = static_cast<uint8_t>(i * 7);
    std::vector<uint8_t> signature = SignOk(key, message);
    if (IsEcdsa(alg())) {
      EXPECT_LE(signature.size(), info().max_signature_size);
    } else {
      EXPECT_EQ(signature.size(), info().max_signature_size);
    }
    Status status = key.public_key().Verify(message, signature);
    EXPECT_TRUE(status.ok()) << size << ": " << status.error().ToString();
  }
}

TEST_P(SignatureTest, RejectsEveryModifiedMessage) {
  PrivateKey key = NewKey();
  const std::vector<uint8_t> message = {'c', 'o', 's', 'i', 'g', 'n', 'e', 'd',
                                        ' ', 'm', 'e', 's', 's', 'a', 'g', 'e'};
  std::vector<uint8_t> signature = SignOk(key, message);
  ASSERT_TRUE(key.public_key().Verify(message, signature).ok());
  for (size_t i = 0; i < message.size(); i++) {
    for (uint8_t flip : {0x01, 0x80}) {
      std::vector<uint8_t> modified = message;
      modified[i] ^= flip;
      Status status = key.public_key().Verify(modified, signature);
      ASSERT_FALSE(status.ok()) << "byte " << i;
      EXPECT_EQ(status.error().code(), ErrorCode::kVerificationFailed);
    }
  }
  std::vector<uint8_t> longer = message;
  longer.push_back(0);
  EXPECT_FALSE(key.public_key().Verify(longer, signature).ok());
  std::vector<uint8_t> shorter(message.begin(), message.end() - 1);
  EXPECT_FALSE(key.public_key().Verify(shorter, signature).ok());
  EXPECT_FALSE(key.public_key().Verify({}, signature).ok());
}

TEST_P(SignatureTest, RejectsEveryModifiedSignatureByte) {
  PrivateKey key = NewKey();
  std::span<const uint8_t> message = Ascii("subtree [8, 16)");
  std::vector<uint8_t> signature = SignOk(key, message);
  for (size_t i : Positions(signature.size())) {
    std::vector<uint8_t> modified = signature;
    modified[i] ^= 0x01;
    ASSERT_FALSE(key.public_key().Verify(message, modified).ok())
        << "byte " << i;
  }
}

TEST_P(SignatureTest, RejectsTruncatedAndExtendedSignatures) {
  PrivateKey key = NewKey();
  std::span<const uint8_t> message = Ascii("checkpoint");
  std::vector<uint8_t> signature = SignOk(key, message);
  std::vector<uint8_t> empty;
  std::vector<uint8_t> truncated(signature.begin(), signature.end() - 1);
  std::vector<uint8_t> extended = signature;
  extended.push_back(0);
  std::vector<uint8_t> doubled = signature;
  doubled.insert(doubled.end(), signature.begin(), signature.end());
  for (const std::vector<uint8_t>* bad :
       {&empty, &truncated, &extended, &doubled}) {
    Status status = key.public_key().Verify(message, *bad);
    ASSERT_FALSE(status.ok()) << bad->size();
    // A wrong length or DER framing is caught before any arithmetic.
    EXPECT_EQ(status.error().code(), ErrorCode::kMalformed)
        << status.error().ToString();
  }
}

TEST_P(SignatureTest, RejectsSignatureOfAnotherKey) {
  PrivateKey key = NewKey();
  PrivateKey other = NewKey();
  EXPECT_FALSE(key.public_key() == other.public_key());
  std::span<const uint8_t> message = Ascii("landmark 42");
  std::vector<uint8_t> signature = SignOk(other, message);
  ASSERT_TRUE(other.public_key().Verify(message, signature).ok());
  Status status = key.public_key().Verify(message, signature);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kVerificationFailed);
}

TEST_P(SignatureTest, RejectsSignatureOfAnotherAlgorithm) {
  PrivateKey key = NewKey();
  std::span<const uint8_t> message = Ascii("mtc");
  for (SignatureAlgorithm other_alg : kAllSignatureAlgorithms) {
    if (other_alg == alg()) continue;
    Result<PrivateKey> other = PrivateKey::Generate(other_alg);
    ASSERT_TRUE(other.ok());
    std::vector<uint8_t> signature = SignOk(*other, message);
    EXPECT_FALSE(key.public_key().Verify(message, signature).ok())
        << SignatureAlgorithmName(other_alg);
  }
}

TEST_P(SignatureTest, PrivateKeyFileRoundTrip) {
  PrivateKey key = NewKey();
  std::vector<uint8_t> der = key.ToPkcs8Der();
  if (IsMlDsa(alg())) {
    // The seed-only form: SEQUENCE { 0, { id-ml-dsa-NN }, OCTET STRING {
    // [0] seed } }, 2 + 3 + 13 + 2 + 34 bytes.
    EXPECT_EQ(der.size(), 54u);
  }
  Result<PrivateKey> from_der = PrivateKey::FromPkcs8Der(der);
  ASSERT_TRUE(from_der.ok()) << from_der.error().ToString();
  EXPECT_EQ(from_der->algorithm(), alg());
  EXPECT_TRUE(from_der->public_key() == key.public_key());
  EXPECT_EQ(from_der->ToPkcs8Der(), der);

  std::string pem = key.ToPkcs8Pem();
  EXPECT_TRUE(pem.starts_with("-----BEGIN PRIVATE KEY-----\n")) << pem;
  Result<PrivateKey> from_pem = PrivateKey::FromPkcs8Pem(pem);
  ASSERT_TRUE(from_pem.ok()) << from_pem.error().ToString();
  EXPECT_EQ(from_pem->ToPkcs8Der(), der);

  // The reloaded key signs for the original public key.
  std::span<const uint8_t> message = Ascii("reloaded");
  std::vector<uint8_t> signature = SignOk(*from_pem, message);
  EXPECT_TRUE(key.public_key().Verify(message, signature).ok());

  // A PEM block of another kind is refused.
  EXPECT_FALSE(PrivateKey::FromPkcs8Pem(key.public_key().ToSpkiPem()).ok());
}

TEST_P(SignatureTest, PublicKeyFileRoundTrip) {
  PrivateKey key = NewKey();
  const PublicKey& public_key = key.public_key();
  std::vector<uint8_t> der = public_key.ToSpkiDer();

  Result<PublicKey> from_der = PublicKey::FromSpkiDer(der);
  ASSERT_TRUE(from_der.ok()) << from_der.error().ToString();
  EXPECT_EQ(from_der->algorithm(), alg());
  EXPECT_TRUE(*from_der == public_key);
  EXPECT_EQ(from_der->ToSpkiDer(), der);

  std::string pem = public_key.ToSpkiPem();
  EXPECT_TRUE(pem.starts_with("-----BEGIN PUBLIC KEY-----\n")) << pem;
  Result<PublicKey> from_pem = PublicKey::FromSpkiPem(pem);
  ASSERT_TRUE(from_pem.ok()) << from_pem.error().ToString();
  EXPECT_EQ(from_pem->ToSpkiDer(), der);
  EXPECT_FALSE(PublicKey::FromSpkiPem(key.ToPkcs8Pem()).ok());

  std::vector<uint8_t> raw = public_key.ToRaw();
  EXPECT_EQ(raw.size(), info().public_key_size);
  Result<PublicKey> from_raw = PublicKey::FromRaw(alg(), raw);
  ASSERT_TRUE(from_raw.ok()) << from_raw.error().ToString();
  EXPECT_TRUE(*from_raw == public_key);

  std::span<const uint8_t> message = Ascii("round trip");
  std::vector<uint8_t> signature = SignOk(key, message);
  EXPECT_TRUE(from_der->Verify(message, signature).ok());
  EXPECT_TRUE(from_pem->Verify(message, signature).ok());
  EXPECT_TRUE(from_raw->Verify(message, signature).ok());
}

// Our OID table agrees with what OpenSSL writes:
//   SubjectPublicKeyInfo ::= SEQUENCE {
//     algorithm AlgorithmIdentifier ::= SEQUENCE {
//       algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL },
//     subjectPublicKey BIT STRING }
TEST_P(SignatureTest, SpkiMatchesOidTable) {
  PrivateKey key = NewKey();
  std::vector<uint8_t> spki = key.public_key().ToSpkiDer();
  wire::DerReader r(spki), seq, algorithm;
  std::span<const uint8_t> oid, curve, bits;
  ASSERT_TRUE(r.ReadSequence(&seq) && r.Done());
  ASSERT_TRUE(seq.ReadSequence(&algorithm) && algorithm.ReadOid(&oid));
  Result<std::string> oid_text = wire::OidToText(oid);
  ASSERT_TRUE(oid_text.ok());
  EXPECT_EQ(*oid_text, info().key_oid);
  if (info().curve_oid.empty()) {
    EXPECT_TRUE(algorithm.Done());  // parameters absent
  } else {
    ASSERT_TRUE(algorithm.ReadOid(&curve) && algorithm.Done());
    Result<std::string> curve_text = wire::OidToText(curve);
    ASSERT_TRUE(curve_text.ok());
    EXPECT_EQ(*curve_text, info().curve_oid);
  }
  ASSERT_TRUE(seq.ReadByteAlignedBitString(&bits) && seq.Done());
  std::vector<uint8_t> raw = key.public_key().ToRaw();
  EXPECT_EQ(std::vector<uint8_t>(bits.begin(), bits.end()), raw);
}

TEST_P(SignatureTest, KeysAreIndependentObjects) {
  std::span<const uint8_t> message = Ascii("copies");
  std::vector<uint8_t> signature;
  std::optional<PublicKey> copy;
  {
    PrivateKey key = NewKey();
    signature = SignOk(key, message);
    PublicKey public_key = key.public_key();
    copy = public_key;
    PrivateKey moved = std::move(key);
    EXPECT_EQ(moved.algorithm(), alg());
    EXPECT_TRUE(moved.public_key().Verify(message, signature).ok());
  }
  // The copy outlives the private key it came from.
  EXPECT_TRUE(copy->Verify(message, signature).ok());
  PublicKey assigned = *copy;
  assigned = *copy;
  EXPECT_TRUE(assigned == *copy);
}

TEST_P(SignatureTest, FromRawRejectsWrongLength) {
  PrivateKey key = NewKey();
  std::vector<uint8_t> raw = key.public_key().ToRaw();
  std::vector<uint8_t> shorter(raw.begin(), raw.end() - 1);
  std::vector<uint8_t> longer = raw;
  longer.push_back(0);
  EXPECT_FALSE(PublicKey::FromRaw(alg(), shorter).ok());
  EXPECT_FALSE(PublicKey::FromRaw(alg(), longer).ok());
  EXPECT_FALSE(PublicKey::FromRaw(alg(), {}).ok());
}

INSTANTIATE_TEST_SUITE_P(
    AllAlgorithms, SignatureTest, ::testing::ValuesIn(kAllSignatureAlgorithms),
    [](const ::testing::TestParamInfo<SignatureAlgorithm>& info) {
      std::string name(SignatureAlgorithmName(info.param));
      for (char& c : name) {
        if (c == '-') c = '_';
      }
      return name;
    });

}  // namespace
}  // namespace mtc::crypto
