// The client's JWS signing (src/acme/client_jws.h) checked by the server's
// verifier (src/acme/jws.h), and the ECDSA signature conversion against
// RFC 7515's worked example.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "acme/client_jws.h"
#include "acme/jws.h"
#include "mtc/wire/base64.h"
#include "mtc/wire/der.h"

namespace mtc::acme::client {
namespace {

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// RFC 7515 Appendix A.3: the ES256 example. A.3.1 gives the JWS Signature
// as the octets of R and S and their base64url concatenation.
const std::vector<uint8_t> kA3R = {
    14,  209, 33, 83, 121, 99,  108, 72,  60, 47,  127, 21,  88, 7,   212, 2,
    163, 178, 40, 3,  58,  249, 124, 126, 23, 129, 154, 195, 22, 158, 166, 101};
const std::vector<uint8_t> kA3S = {197, 10,  7,   211, 140, 60,  112, 229,
                                   216, 241, 45,  175, 8,   74,  84,  128,
                                   166, 101, 144, 197, 242, 147, 80,  154,
                                   143, 63,  127, 138, 131, 163, 84,  213};
constexpr char kA3Signature[] =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTU"
    "JqPP3-Kg6NU1Q";
constexpr char kA3SigningInput[] =
    "eyJhbGciOiJFUzI1NiJ9"
    "."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNv"
    "bS9pc19yb290Ijp0cnVlfQ";

std::vector<uint8_t> EcdsaSigValue(const std::vector<uint8_t>& r,
                                   const std::vector<uint8_t>& s) {
  wire::DerBuilder b;
  b.AddSequence([&](wire::DerBuilder& seq) {
    seq.AddUnsignedInteger(r);
    seq.AddUnsignedInteger(s);
  });
  return std::move(b).Finish().value();
}

TEST(EcdsaDerToJoseSignature, Rfc7515AppendixA3) {
  // S has its high bit set, so its DER INTEGER carries a 0x00 sign octet
  // that the conversion must drop.
  std::vector<uint8_t> der = EcdsaSigValue(kA3R, kA3S);
  auto jose = EcdsaDerToJoseSignature(der, 32);
  ASSERT_TRUE(jose.ok()) << jose.error().ToString();
  EXPECT_EQ(wire::Base64UrlEncode(*jose), kA3Signature);

  // And the example's public key (RFC 7515 A.3.1) accepts it.
  auto jwk = Jwk::Parse({{"kty", "EC"},
                         {"crv", "P-256"},
                         {"x", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"},
                         {"y", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}});
  ASSERT_TRUE(jwk.ok()) << jwk.error().ToString();
  EXPECT_TRUE(
      jwk->Verify(JwsAlgorithm::kEs256, Bytes(kA3SigningInput), *jose).ok());
}

TEST(EcdsaDerToJoseSignature, PadsShortIntegers) {
  // r = 1 and s = 0x80: one-octet and sign-octet integers.
  std::vector<uint8_t> der = EcdsaSigValue({0x01}, {0x80});
  auto jose = EcdsaDerToJoseSignature(der, 32);
  ASSERT_TRUE(jose.ok());
  std::vector<uint8_t> want(64, 0);
  want[31] = 0x01;
  want[63] = 0x80;
  EXPECT_EQ(*jose, want);
}

TEST(EcdsaDerToJoseSignature, RejectsBadInput) {
  std::vector<uint8_t> too_long(33, 0x7f);
  EXPECT_FALSE(EcdsaDerToJoseSignature(EcdsaSigValue(too_long, {1}), 32).ok());
  std::vector<uint8_t> der = EcdsaSigValue(kA3R, kA3S);
  der.push_back(0);  // trailing byte
  EXPECT_FALSE(EcdsaDerToJoseSignature(der, 32).ok());
  EXPECT_FALSE(EcdsaDerToJoseSignature({}, 32).ok());
}

class AccountKeyTest : public ::testing::TestWithParam<JwsAlgorithm> {};

TEST_P(AccountKeyTest, SignedRequestParsesAndVerifies) {
  auto key = AccountKey::Generate(GetParam());
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  EXPECT_EQ(key->algorithm(), GetParam());
  nlohmann::json header = {{"nonce", "bm9uY2U"},
                           {"url", "https://ca.test/acme/new-account"},
                           {"jwk", key->jwk()}};
  auto body = key->SignFlattened(header, R"({"termsOfServiceAgreed":true})");
  ASSERT_TRUE(body.ok()) << body.error().ToString();

  auto request = ParseJws(*body);
  ASSERT_TRUE(request.ok()) << request.error().ToString();
  EXPECT_EQ(request->alg, GetParam());
  EXPECT_EQ(request->nonce, "bm9uY2U");
  EXPECT_EQ(request->url, "https://ca.test/acme/new-account");
  ASSERT_TRUE(request->jwk.has_value());
  EXPECT_EQ(request->payload_json["termsOfServiceAgreed"], true);
  // The embedded key is the account key, by RFC 7638 thumbprint.
  EXPECT_EQ(request->jwk->Thumbprint(), key->Thumbprint());
  Status verified = VerifyJws(*request, *request->jwk);
  EXPECT_TRUE(verified.ok()) << verified.error().ToString();

  // Another key does not verify it.
  auto other = AccountKey::Generate(GetParam());
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(VerifyJws(*request, other->public_jwk()).ok());
}

TEST_P(AccountKeyTest, PostAsGetWithKid) {
  auto key = AccountKey::Generate(GetParam());
  ASSERT_TRUE(key.ok());
  nlohmann::json header = {{"nonce", "abc"},
                           {"url", "https://ca.test/acme/order/1"},
                           {"kid", "https://ca.test/acme/acct/1"}};
  auto body = key->SignFlattened(header, "");
  ASSERT_TRUE(body.ok());
  auto request = ParseJws(*body);
  ASSERT_TRUE(request.ok()) << request.error().ToString();
  EXPECT_TRUE(request->post_as_get);
  EXPECT_EQ(request->kid, "https://ca.test/acme/acct/1");
  EXPECT_TRUE(VerifyJws(*request, key->public_jwk()).ok());
}

TEST_P(AccountKeyTest, TamperedRequestFails) {
  auto key = AccountKey::Generate(GetParam());
  ASSERT_TRUE(key.ok());
  nlohmann::json header = {{"nonce", "abc"},
                           {"url", "https://ca.test/acme/new-order"},
                           {"kid", "https://ca.test/acme/acct/1"}};
  auto body = key->SignFlattened(header, R"({"identifiers":[]})");
  ASSERT_TRUE(body.ok());
  auto jws = nlohmann::json::parse(*body);
  // Swap in another payload under the same signature.
  std::string other = R"({"identifiers":[{"type":"dns","value":"x.test"}]})";
  jws["payload"] = wire::Base64UrlEncode(Bytes(other));
  auto request = ParseJws(jws.dump());
  ASSERT_TRUE(request.ok());
  EXPECT_FALSE(VerifyJws(*request, key->public_jwk()).ok());
}

INSTANTIATE_TEST_SUITE_P(Algorithms, AccountKeyTest,
                         ::testing::Values(JwsAlgorithm::kEs256,
                                           JwsAlgorithm::kEs384,
                                           JwsAlgorithm::kEdDsa),
                         [](const auto& info) {
                           return std::string(JwsAlgorithmName(info.param));
                         });

TEST(AccountKey, Rs256IsNotOffered) {
  EXPECT_FALSE(AccountKey::Generate(JwsAlgorithm::kRs256).ok());
}

TEST(AccountKey, KeyAuthorizationIsTokenDotThumbprint) {
  auto key = AccountKey::Generate(JwsAlgorithm::kEs256);
  ASSERT_TRUE(key.ok());
  // RFC 8555 §8.1.
  EXPECT_EQ(key->KeyAuthorizationFor("tok"), "tok." + key->Thumbprint());
  EXPECT_EQ(key->Thumbprint(), key->public_jwk().Thumbprint());
}

}  // namespace
}  // namespace mtc::acme::client
