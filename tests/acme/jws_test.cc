#include "acme/jws.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "mtc/crypto/crypto_testutil.h"
#include "mtc/crypto/private_key.h"
#include "mtc/wire/base64.h"
#include "mtc/wire/der.h"

namespace mtc::acme {
namespace {

using crypto::testing::Ascii;
using nlohmann::json;

// ---------------------------------------------------------------------------
// Known answers from the RFCs.

// RFC 7515 Appendix A.2 and A.3 share this payload (BASE64URL of the JWT
// claims {"iss":"joe",\r\n "exp":1300819380,\r\n
// "http://example.com/is_root":true}).
constexpr char kRfc7515Payload[] =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNv"
    "bS9pc19yb290Ijp0cnVlfQ";

// RFC 7515 Appendix A.2.1: the RSA key's public members and the RS256 JWS.
constexpr char kA2Modulus[] =
    "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJ"
    "rcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo"
    "9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapH"
    "g665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_"
    "h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
constexpr char kA2Protected[] = "eyJhbGciOiJSUzI1NiJ9";  // {"alg":"RS256"}
constexpr char kA2Signature[] =
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-"
    "0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrn"
    "byTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi1"
    "2jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs"
    "98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

// RFC 7515 Appendix A.3.1: the P-256 key and the ES256 JWS (R || S).
constexpr char kA3X[] = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
constexpr char kA3Y[] = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
constexpr char kA3Protected[] = "eyJhbGciOiJFUzI1NiJ9";  // {"alg":"ES256"}
constexpr char kA3Signature[] =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJ"
    "qPP3-Kg6NU1Q";

// RFC 8037 Appendix A.2 (public key), A.3 (its thumbprint), A.4 (the JWS of
// "Example of Ed25519 signing").
constexpr char kEd25519X[] = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
constexpr char kEd25519Thumbprint[] =
    "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";
constexpr char kEd25519SigningInput[] =
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
constexpr char kEd25519Signature[] =
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sV"
    "vpAr_MuM0KAg";

// RFC 7638 §3.1: the RSA key (RFC 7517 Appendix A.1's) and its thumbprint.
constexpr char kRfc7638Modulus[] =
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFF"
    "xuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt"
    "7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6q"
    "MQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHa"
    "Q-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
constexpr char kRfc7638Thumbprint[] =
    "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

std::vector<uint8_t> B64Decode(std::string_view s) {
  auto bytes = wire::Base64UrlDecode(s);
  EXPECT_TRUE(bytes.ok()) << s;
  return bytes.ok() ? *bytes : std::vector<uint8_t>();
}

std::string B64(std::string_view ascii) {
  return wire::Base64UrlEncode(Ascii(ascii));
}

Jwk MustParseJwk(const json& j) {
  auto jwk = Jwk::Parse(j);
  EXPECT_TRUE(jwk.ok()) << jwk.error().ToString() << " for " << j.dump();
  return jwk.ok() ? *jwk : Jwk();
}

json A2Jwk() { return {{"kty", "RSA"}, {"n", kA2Modulus}, {"e", "AQAB"}}; }
json A3Jwk() {
  return {{"kty", "EC"}, {"crv", "P-256"}, {"x", kA3X}, {"y", kA3Y}};
}
json Ed25519Jwk() {
  return {{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", kEd25519X}};
}

TEST(JwkTest, Rfc7638ThumbprintOfRsaExample) {
  // RFC 7638 §3.1 gives the JWK with "alg" and "kid", which the thumbprint
  // leaves out, and the canonical JSON it hashes.
  json jwk = {{"kty", "RSA"},
              {"n", kRfc7638Modulus},
              {"e", "AQAB"},
              {"alg", "RS256"},
              {"kid", "2011-04-29"}};
  Jwk key = MustParseJwk(jwk);
  EXPECT_EQ(key.Thumbprint(), kRfc7638Thumbprint);
  EXPECT_EQ(key.ToJson().dump(),
            std::string("{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"") +
                kRfc7638Modulus + "\"}");
}

TEST(JwkTest, Rfc8037Ed25519Thumbprint) {
  EXPECT_EQ(MustParseJwk(Ed25519Jwk()).Thumbprint(), kEd25519Thumbprint);
}

TEST(JwkTest, ThumbprintIgnoresMemberOrderAndOptionalMembers) {
  json reordered = {{"y", kA3Y},   {"x", kA3X},    {"crv", "P-256"},
                    {"kty", "EC"}, {"use", "sig"}, {"kid", "k1"}};
  EXPECT_EQ(MustParseJwk(reordered).Thumbprint(),
            MustParseJwk(A3Jwk()).Thumbprint());
}

TEST(JwkTest, Rfc7515A2Rs256Verifies) {
  Jwk key = MustParseJwk(A2Jwk());
  EXPECT_TRUE(key.Accepts(JwsAlgorithm::kRs256));
  std::string input = std::string(kA2Protected) + "." + kRfc7515Payload;
  Status s =
      key.Verify(JwsAlgorithm::kRs256, Ascii(input), B64Decode(kA2Signature));
  EXPECT_TRUE(s.ok()) << s.error().ToString();
}

TEST(JwkTest, Rfc7515A3Es256Verifies) {
  Jwk key = MustParseJwk(A3Jwk());
  EXPECT_TRUE(key.Accepts(JwsAlgorithm::kEs256));
  std::string input = std::string(kA3Protected) + "." + kRfc7515Payload;
  Status s =
      key.Verify(JwsAlgorithm::kEs256, Ascii(input), B64Decode(kA3Signature));
  EXPECT_TRUE(s.ok()) << s.error().ToString();
}

TEST(JwkTest, Rfc8037A4EdDsaVerifies) {
  Jwk key = MustParseJwk(Ed25519Jwk());
  EXPECT_TRUE(key.Accepts(JwsAlgorithm::kEdDsa));
  Status s = key.Verify(JwsAlgorithm::kEdDsa, Ascii(kEd25519SigningInput),
                        B64Decode(kEd25519Signature));
  EXPECT_TRUE(s.ok()) << s.error().ToString();
}

TEST(JwsTest, VerifyJwsOnRfcVectors) {
  struct Case {
    JwsAlgorithm alg;
    json jwk;
    std::string signing_input;
    const char* signature;
  };
  const Case cases[] = {
      {JwsAlgorithm::kRs256, A2Jwk(),
       std::string(kA2Protected) + "." + kRfc7515Payload, kA2Signature},
      {JwsAlgorithm::kEs256, A3Jwk(),
       std::string(kA3Protected) + "." + kRfc7515Payload, kA3Signature},
      {JwsAlgorithm::kEdDsa, Ed25519Jwk(), kEd25519SigningInput,
       kEd25519Signature},
  };
  for (const Case& c : cases) {
    JwsRequest request;
    request.alg = c.alg;
    request.signing_input = c.signing_input;
    request.signature = B64Decode(c.signature);
    Jwk key = MustParseJwk(c.jwk);
    EXPECT_TRUE(VerifyJws(request, key).ok()) << JwsAlgorithmName(c.alg);
    // One flipped bit anywhere in the signing input fails.
    request.signing_input[3] ^= 1;
    Status s = VerifyJws(request, key);
    ASSERT_FALSE(s.ok()) << JwsAlgorithmName(c.alg);
    EXPECT_EQ(s.error().code(), ErrorCode::kVerificationFailed);
  }
}

TEST(JwsTest, KeyAuthorizationIsTokenDotThumbprint) {
  // RFC 8555 §8.1 with the RFC 7638 §3.1 key.
  Jwk key =
      MustParseJwk({{"kty", "RSA"}, {"n", kRfc7638Modulus}, {"e", "AQAB"}});
  EXPECT_EQ(
      KeyAuthorization("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA", key),
      std::string("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.") +
          kRfc7638Thumbprint);
}

TEST(JwsTest, AlgorithmNamesRoundTrip) {
  for (JwsAlgorithm alg : kJwsAlgorithms) {
    auto parsed = ParseJwsAlgorithm(JwsAlgorithmName(alg));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, alg);
  }
  EXPECT_FALSE(ParseJwsAlgorithm("es256").ok());
  EXPECT_FALSE(ParseJwsAlgorithm("Ed25519").ok());
}

// ---------------------------------------------------------------------------
// Signing ACME requests with fresh keys.

// A key of one JWS algorithm and its JWK.
struct TestKey {
  JwsAlgorithm alg;
  crypto::PrivateKey key;
  json jwk;

  static TestKey Generate(JwsAlgorithm alg) {
    crypto::SignatureAlgorithm sig_alg =
        alg == JwsAlgorithm::kEs256
            ? crypto::SignatureAlgorithm::kEcdsaP256Sha256
        : alg == JwsAlgorithm::kEs384
            ? crypto::SignatureAlgorithm::kEcdsaP384Sha384
            : crypto::SignatureAlgorithm::kEd25519;
    auto key = crypto::PrivateKey::Generate(sig_alg);
    EXPECT_TRUE(key.ok());
    std::vector<uint8_t> raw = key->public_key().ToRaw();
    json jwk;
    if (alg == JwsAlgorithm::kEdDsa) {
      jwk = {{"kty", "OKP"},
             {"crv", "Ed25519"},
             {"x", wire::Base64UrlEncode(raw)}};
    } else {
      size_t n = (raw.size() - 1) / 2;
      std::span<const uint8_t> point(raw);
      jwk = {{"kty", "EC"},
             {"crv", alg == JwsAlgorithm::kEs256 ? "P-256" : "P-384"},
             {"x", wire::Base64UrlEncode(point.subspan(1, n))},
             {"y", wire::Base64UrlEncode(point.subspan(1 + n, n))}};
    }
    return TestKey{alg, std::move(key).value(), std::move(jwk)};
  }

  // The JWS signature of `input`: raw for Ed25519, R || S for ECDSA.
  std::vector<uint8_t> Sign(std::string_view input) const {
    auto sig = key.Sign(Ascii(input));
    EXPECT_TRUE(sig.ok());
    if (alg == JwsAlgorithm::kEdDsa) return *sig;
    size_t size = alg == JwsAlgorithm::kEs256 ? 32 : 48;
    wire::DerReader der(*sig), seq;
    std::span<const uint8_t> r, s;
    EXPECT_TRUE(der.ReadSequence(&seq) && seq.ReadUnsignedInteger(&r) &&
                seq.ReadUnsignedInteger(&s) && seq.Done() && der.Done());
    std::vector<uint8_t> out(2 * size, 0);
    std::copy(r.begin(), r.end(), out.begin() + (size - r.size()));
    std::copy(s.begin(), s.end(), out.end() - s.size());
    return out;
  }

  // A flattened JWS of `payload` with `header` as the protected header.
  std::string Jws(const json& header, std::string_view payload) const {
    std::string protected_b64 = B64(header.dump());
    std::string payload_b64 = B64(payload);
    std::vector<uint8_t> sig = Sign(protected_b64 + "." + payload_b64);
    return json{{"protected", protected_b64},
                {"payload", payload_b64},
                {"signature", wire::Base64UrlEncode(sig)}}
        .dump();
  }

  json Header() const {
    return {{"alg", std::string(JwsAlgorithmName(alg))},
            {"nonce", "oFvnlFP1wIhRlYS2jTaXbA"},
            {"url", "https://127.0.0.1:14000/acme/new-account"},
            {"jwk", jwk}};
  }
};

TEST(JwsTest, SignedNewAccountRequestParsesAndVerifies) {
  for (JwsAlgorithm alg :
       {JwsAlgorithm::kEs256, JwsAlgorithm::kEs384, JwsAlgorithm::kEdDsa}) {
    TestKey key = TestKey::Generate(alg);
    auto request =
        ParseJws(key.Jws(key.Header(), R"({"termsOfServiceAgreed":true})"));
    ASSERT_TRUE(request.ok()) << request.error().ToString();
    EXPECT_EQ(request->alg, alg);
    EXPECT_EQ(request->nonce, "oFvnlFP1wIhRlYS2jTaXbA");
    EXPECT_EQ(request->url, "https://127.0.0.1:14000/acme/new-account");
    EXPECT_FALSE(request->kid.has_value());
    ASSERT_TRUE(request->jwk.has_value());
    EXPECT_FALSE(request->post_as_get);
    EXPECT_EQ(request->payload_json, json({{"termsOfServiceAgreed", true}}));
    EXPECT_EQ(request->protected_header, key.Header());
    Status s = VerifyJws(*request, *request->jwk);
    EXPECT_TRUE(s.ok()) << JwsAlgorithmName(alg) << ": "
                        << s.error().ToString();
  }
}

TEST(JwsTest, PostAsGetWithKid) {
  TestKey key = TestKey::Generate(JwsAlgorithm::kEs256);
  json header = key.Header();
  header.erase("jwk");
  header["kid"] = "https://127.0.0.1:14000/acme/acct/1";
  auto request = ParseJws(key.Jws(header, ""));
  ASSERT_TRUE(request.ok()) << request.error().ToString();
  EXPECT_TRUE(request->post_as_get);
  EXPECT_TRUE(request->payload.empty());
  EXPECT_TRUE(request->payload_json.is_null());
  EXPECT_EQ(request->kid, "https://127.0.0.1:14000/acme/acct/1");
  EXPECT_FALSE(request->jwk.has_value());
  EXPECT_TRUE(request->signing_input.ends_with("."));
  EXPECT_TRUE(VerifyJws(*request, MustParseJwk(key.jwk)).ok());
}

// ---------------------------------------------------------------------------
// ParseJws rejections: one test each.

class JwsRejectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = std::make_unique<TestKey>(TestKey::Generate(JwsAlgorithm::kEs256));
  }

  // Expects `body` to be rejected with `code`.
  static void ExpectRejected(std::string_view body, ErrorCode code) {
    auto request = ParseJws(body);
    ASSERT_FALSE(request.ok()) << body;
    EXPECT_EQ(request.error().code(), code) << request.error().ToString();
  }
  // A well-signed JWS with `header` and a JSON object payload.
  std::string WithHeader(const json& header) const {
    return key_->Jws(header, R"({"a":1})");
  }
  // {"protected": P, "payload": Q, "signature": S} from raw member strings.
  static std::string Body(std::string_view p, std::string_view q,
                          std::string_view s) {
    return json{{"protected", p}, {"payload", q}, {"signature", s}}.dump();
  }
  json GoodBody() const { return json::parse(WithHeader(key_->Header())); }

  std::unique_ptr<TestKey> key_;
};

TEST_F(JwsRejectTest, GoodBodyIsAccepted) {
  // The baseline every rejection below changes in one way.
  EXPECT_TRUE(ParseJws(GoodBody().dump()).ok());
}

TEST_F(JwsRejectTest, AlgNone) {
  json h = key_->Header();
  h["alg"] = "none";
  ExpectRejected(Body(B64(h.dump()), B64("{}"), ""), ErrorCode::kUnsupported);
  ExpectRejected(Body(B64(h.dump()), B64("{}"), "AAAA"),
                 ErrorCode::kUnsupported);
}

TEST_F(JwsRejectTest, AlgHs256) {
  json h = key_->Header();
  h["alg"] = "HS256";
  ExpectRejected(WithHeader(h), ErrorCode::kUnsupported);
}

TEST_F(JwsRejectTest, AlgNotOffered) {
  for (const char* alg : {"PS256", "ES512", "RS384", "Ed25519", "es256", ""}) {
    json h = key_->Header();
    h["alg"] = alg;
    ExpectRejected(WithHeader(h), ErrorCode::kUnsupported);
  }
}

TEST_F(JwsRejectTest, AlgNotAString) {
  json h = key_->Header();
  h["alg"] = json::array({"ES256"});
  ExpectRejected(WithHeader(h), ErrorCode::kMalformed);
}

TEST_F(JwsRejectTest, MissingAlg) {
  json h = key_->Header();
  h.erase("alg");
  ExpectRejected(WithHeader(h), ErrorCode::kMalformed);
}

TEST_F(JwsRejectTest, BothJwkAndKid) {
  json h = key_->Header();
  h["kid"] = "https://127.0.0.1:14000/acme/acct/1";
  ExpectRejected(WithHeader(h), ErrorCode::kMalformed);
}

TEST_F(JwsRejectTest, NeitherJwkNorKid) {
  json h = key_->Header();
  h.erase("jwk");
  ExpectRejected(WithHeader(h), ErrorCode::kMalformed);
}

TEST_F(JwsRejectTest, EmptyKid) {
  json h = key_->Header();
  h.erase("jwk");
  h["kid"] = "";
  ExpectRejected(WithHeader(h), ErrorCode::kMalformed);
}

TEST_F(JwsRejectTest, JwkNotAnObject) {
  json h = key_->Header();
  h["jwk"] = "AAAA";
  ExpectRejected(WithHeader(h), ErrorCode::kInvalidArgument);
}

TEST_F(JwsRejectTest, EmbeddedRsa1024KeyIsBadPublicKey) {
  json h = key_->Header();
  h["alg"] = "RS256";
  h["jwk"] = {{"kty", "RSA"},
              {"n", wire::Base64UrlEncode(std::vector<uint8_t>(128, 0xC5))},
              {"e", "AQAB"}};
  ExpectRejected(WithHeader(h), ErrorCode::kInvalidArgument);
}

TEST_F(JwsRejectTest, EmbeddedJwkOfAnotherAlgorithmIsBadPublicKey) {
  // RFC 8555 §6.2: "alg" is "ES256" but "jwk" is not a P-256 key.
  TestKey p384 = TestKey::Generate(JwsAlgorithm::kEs384);
  json h = key_->Header();
  h["jwk"] = p384.jwk;
  ExpectRejected(WithHeader(h), ErrorCode::kInvalidArgument);
  h["jwk"] = A2Jwk();
  ExpectRejected(WithHeader(h), ErrorCode::kInvalidArgument);
}

TEST_F(JwsRejectTest, MissingNonceIsBadNonce) {
  json h = key_->Header();
  h.erase("nonce");
  ExpectRejected(WithHeader(h), ErrorCode::kNotFound);
}

// RFC 8555 §7.3.5: the inner JWS of a key change has a "jwk" and no nonce.
TEST_F(JwsRejectTest, KeyChangeInnerJwsHasJwkAndNoNonce) {
  json h = key_->Header();
  h.erase("nonce");
  auto inner = ParseKeyChangeInnerJws(WithHeader(h));
  ASSERT_TRUE(inner.ok()) << inner.error().ToString();
  EXPECT_TRUE(inner->jwk.has_value());
  EXPECT_TRUE(inner->nonce.empty());
  EXPECT_TRUE(VerifyJws(*inner, *inner->jwk).ok());
  // With a nonce, or with a kid instead of a jwk, it is malformed.
  EXPECT_EQ(ParseKeyChangeInnerJws(WithHeader(key_->Header())).error().code(),
            ErrorCode::kMalformed);
  h.erase("jwk");
  h["kid"] = "https://example.com/acme/acct/1";
  EXPECT_EQ(ParseKeyChangeInnerJws(WithHeader(h)).error().code(),
            ErrorCode::kMalformed);
}

TEST_F(JwsRejectTest, NonceNotBase64url) {
  for (const char* nonce : {"abc+def", "abcd=", "ab cd", "a"}) {
    json h = key_->Header();
    h["nonce"] = nonce;
    ExpectRejected(WithHeader(h), ErrorCode::kMalformed);
  }
}

TEST_F(JwsRejectTest, NonceNotAString) {
  json h = key_->Header();
  h["nonce"] = 12345;
  ExpectRejected(WithHeader(h), ErrorCode::kMalformed);
}

TEST_F(JwsRejectTest, MissingUrl) {
  json h = key_->Header();
  h.erase("url");
  ExpectRejected(WithHeader(h), ErrorCode::kMalformed);
}

TEST_F(JwsRejectTest, UrlNotANonEmptyString) {
  for (json url : {json(""), json(nullptr), json(7)}) {
    json h = key_->Header();
    h["url"] = url;
    ExpectRejected(WithHeader(h), ErrorCode::kMalformed);
  }
}

TEST_F(JwsRejectTest, CritHeader) {
  json h = key_->Header();
  h["crit"] = json::array({"exp"});
  h["exp"] = 1;
  ExpectRejected(WithHeader(h), ErrorCode::kMalformed);
}

TEST_F(JwsRejectTest, UnencodedPayloadOption) {
  json h = key_->Header();
  h["b64"] = false;
  ExpectRejected(WithHeader(h), ErrorCode::kMalformed);
}

TEST_F(JwsRejectTest, DuplicateHeaderMember) {
  // {"alg":"ES256",...,"alg":"none"}: two parsers could disagree on it.
  std::string h = key_->Header().dump();
  h.insert(h.size() - 1, ",\"alg\":\"none\"");
  ExpectRejected(Body(B64(h), B64("{}"), "AAAA"), ErrorCode::kMalformed);
}

TEST_F(JwsRejectTest, ProtectedHeaderNotAnObject) {
  ExpectRejected(Body(B64("[\"ES256\"]"), B64("{}"), "AAAA"),
                 ErrorCode::kMalformed);
  ExpectRejected(Body(B64("not json"), B64("{}"), "AAAA"),
                 ErrorCode::kMalformed);
}

TEST_F(JwsRejectTest, EmptyProtectedHeader) {
  ExpectRejected(Body("", B64("{}"), "AAAA"), ErrorCode::kMalformed);
}

TEST_F(JwsRejectTest, PaddingInBase64url) {
  json body = GoodBody();
  // A header whose base64url needs padding, then padded.
  json h = key_->Header();
  h["x"] = "y";
  std::string p = B64(h.dump());
  while (p.size() % 4 != 2) {
    h["x"] = h["x"].get<std::string>() + "y";
    p = B64(h.dump());
  }
  ExpectRejected(Body(p + "==", body["payload"].get<std::string>(),
                      body["signature"].get<std::string>()),
                 ErrorCode::kMalformed);
  std::string sig = body["signature"].get<std::string>();  // 86 chars
  ASSERT_EQ(sig.size() % 4, 2u);
  body["signature"] = sig + "==";
  ExpectRejected(body.dump(), ErrorCode::kMalformed);
}

TEST_F(JwsRejectTest, PlusAndSlashCharacters) {
  // The same bytes in the standard alphabet (RFC 4648 §4) are not base64url.
  std::vector<uint8_t> bytes = {0xfb, 0xff, 0xbf, 0xfb, 0xff, 0xbf};
  std::string standard = wire::Base64Encode(bytes);  // "+/+/+/+/"
  ASSERT_NE(standard.find('+'), std::string::npos);
  json body = GoodBody();
  body["signature"] = standard;
  ExpectRejected(body.dump(), ErrorCode::kMalformed);
  body = GoodBody();
  body["payload"] = "e30+";
  ExpectRejected(body.dump(), ErrorCode::kMalformed);
}

TEST_F(JwsRejectTest, WhitespaceInBase64url) {
  json body = GoodBody();
  std::string p = body["protected"].get<std::string>();
  body["protected"] = p.substr(0, 8) + "\n" + p.substr(8);
  ExpectRejected(body.dump(), ErrorCode::kMalformed);
  body = GoodBody();
  body["signature"] = " " + body["signature"].get<std::string>();
  ExpectRejected(body.dump(), ErrorCode::kMalformed);
}

TEST_F(JwsRejectTest, NonZeroTrailingBits) {
  json body = GoodBody();
  // "e30" is "{}"; "e31" decodes to the same bytes with a stray low bit.
  body["payload"] = "e31";
  ExpectRejected(body.dump(), ErrorCode::kMalformed);
}

TEST_F(JwsRejectTest, ExtraTopLevelMember) {
  json body = GoodBody();
  body["extra"] = "x";
  ExpectRejected(body.dump(), ErrorCode::kMalformed);
}

TEST_F(JwsRejectTest, UnprotectedHeader) {
  json body = GoodBody();
  body["header"] = {{"kid", "x"}};
  ExpectRejected(body.dump(), ErrorCode::kMalformed);
}

TEST_F(JwsRejectTest, GeneralSerializationWithSignatures) {
  json good = GoodBody();
  json body = {
      {"payload", good["payload"]},
      {"signatures", json::array({{{"protected", good["protected"]},
                                   {"signature", good["signature"]}}})}};
  ExpectRejected(body.dump(), ErrorCode::kMalformed);
}

TEST_F(JwsRejectTest, CompactSerialization) {
  json good = GoodBody();
  ExpectRejected(good["protected"].get<std::string>() + "." +
                     good["payload"].get<std::string>() + "." +
                     good["signature"].get<std::string>(),
                 ErrorCode::kMalformed);
}

TEST_F(JwsRejectTest, DetachedPayload) {
  json body = GoodBody();
  body.erase("payload");
  ExpectRejected(body.dump(), ErrorCode::kMalformed);
}

TEST_F(JwsRejectTest, MissingOrEmptySignature) {
  json body = GoodBody();
  body.erase("signature");
  ExpectRejected(body.dump(), ErrorCode::kMalformed);
  body = GoodBody();
  body["signature"] = "";
  ExpectRejected(body.dump(), ErrorCode::kMalformed);
}

TEST_F(JwsRejectTest, MemberNotAString) {
  json body = GoodBody();
  body["payload"] = json::object();
  ExpectRejected(body.dump(), ErrorCode::kMalformed);
}

TEST_F(JwsRejectTest, BodyNotAnObject) {
  ExpectRejected("[]", ErrorCode::kMalformed);
  ExpectRejected("\"x\"", ErrorCode::kMalformed);
  ExpectRejected("", ErrorCode::kMalformed);
  ExpectRejected(GoodBody().dump() + "{}", ErrorCode::kMalformed);
}

TEST_F(JwsRejectTest, PayloadNotAnObject) {
  for (const char* payload : {"[]", "\"text\"", "42", "null", "true"}) {
    ExpectRejected(key_->Jws(key_->Header(), payload), ErrorCode::kMalformed);
  }
}

TEST_F(JwsRejectTest, PayloadNotJson) {
  ExpectRejected(key_->Jws(key_->Header(), "{\"a\":"), ErrorCode::kMalformed);
  ExpectRejected(key_->Jws(key_->Header(), "{} {}"), ErrorCode::kMalformed);
  ExpectRejected(key_->Jws(key_->Header(), "{\"a\":\"\xff\"}"),
                 ErrorCode::kMalformed);
}

TEST_F(JwsRejectTest, DeeplyNestedPayload) {
  // 100,000 levels: a recursive parser would overflow the stack.
  std::string payload = "{\"a\":" + std::string(100'000, '[');
  ExpectRejected(key_->Jws(key_->Header(), payload), ErrorCode::kMalformed);
}

TEST_F(JwsRejectTest, DeeplyNestedBody) {
  ExpectRejected(std::string(100'000, '['), ErrorCode::kMalformed);
  ExpectRejected(std::string(100'000, '[') + std::string(100'000, ']'),
                 ErrorCode::kMalformed);
}

TEST_F(JwsRejectTest, PayloadNestedJustTooDeep) {
  // The payload object is depth 1; 31 more arrays reach the limit of 32.
  std::string ok =
      "{\"a\":" + std::string(31, '[') + std::string(31, ']') + "}";
  EXPECT_TRUE(ParseJws(key_->Jws(key_->Header(), ok)).ok());
  std::string deep =
      "{\"a\":" + std::string(32, '[') + std::string(32, ']') + "}";
  ExpectRejected(key_->Jws(key_->Header(), deep), ErrorCode::kMalformed);
}

// ---------------------------------------------------------------------------
// Jwk::Parse rejections.

void ExpectJwkRejected(const json& jwk, ErrorCode code) {
  auto key = Jwk::Parse(jwk);
  ASSERT_FALSE(key.ok()) << jwk.dump();
  EXPECT_EQ(key.error().code(), code) << key.error().ToString();
}

// An RSA modulus of `bits` bits: odd, top bit set.
std::string RsaModulus(int bits) {
  std::vector<uint8_t> n(static_cast<size_t>(bits) / 8, 0xA7);
  n[0] = 0xC1;
  return wire::Base64UrlEncode(n);
}

TEST(JwkRejectTest, Rsa1024Bit) {
  ExpectJwkRejected({{"kty", "RSA"}, {"n", RsaModulus(1024)}, {"e", "AQAB"}},
                    ErrorCode::kUnsupported);
}

TEST(JwkRejectTest, Rsa2040BitJustTooSmall) {
  ExpectJwkRejected({{"kty", "RSA"}, {"n", RsaModulus(2040)}, {"e", "AQAB"}},
                    ErrorCode::kUnsupported);
}

TEST(JwkRejectTest, Rsa8192Bit) {
  ExpectJwkRejected({{"kty", "RSA"}, {"n", RsaModulus(8192)}, {"e", "AQAB"}},
                    ErrorCode::kUnsupported);
}

TEST(JwkRejectTest, RsaSizeBoundsAccepted) {
  for (int bits : {2048, 3072, 4096}) {
    auto key =
        Jwk::Parse({{"kty", "RSA"}, {"n", RsaModulus(bits)}, {"e", "AQAB"}});
    EXPECT_TRUE(key.ok()) << bits << ": " << key.error().ToString();
  }
}

TEST(JwkRejectTest, RsaModulusWithLeadingZero) {
  std::vector<uint8_t> n = B64Decode(kA2Modulus);
  n.insert(n.begin(), 0);
  ExpectJwkRejected(
      {{"kty", "RSA"}, {"n", wire::Base64UrlEncode(n)}, {"e", "AQAB"}},
      ErrorCode::kMalformed);
}

TEST(JwkRejectTest, RsaExponentWithLeadingZero) {
  ExpectJwkRejected({{"kty", "RSA"}, {"n", kA2Modulus}, {"e", "AAEAAQ"}},
                    ErrorCode::kMalformed);
}

TEST(JwkRejectTest, RsaExponentHuge) {
  // 2^64 + 1: odd, but far above 2^31 - 1.
  std::vector<uint8_t> e(9, 0);
  e[0] = 1;
  e[8] = 1;
  ExpectJwkRejected(
      {{"kty", "RSA"}, {"n", kA2Modulus}, {"e", wire::Base64UrlEncode(e)}},
      ErrorCode::kUnsupported);
}

TEST(JwkRejectTest, RsaExponentEvenOrOne) {
  for (const char* e : {"AQ" /* 1 */, "AQAA" /* 65536 */, "Ag" /* 2 */}) {
    ExpectJwkRejected({{"kty", "RSA"}, {"n", kA2Modulus}, {"e", e}},
                      ErrorCode::kUnsupported);
  }
  EXPECT_TRUE(
      Jwk::Parse({{"kty", "RSA"}, {"n", kA2Modulus}, {"e", "Aw"}}).ok());
}

TEST(JwkRejectTest, RsaEvenModulus) {
  std::vector<uint8_t> n = B64Decode(kA2Modulus);
  n.back() &= 0xfe;
  ExpectJwkRejected(
      {{"kty", "RSA"}, {"n", wire::Base64UrlEncode(n)}, {"e", "AQAB"}},
      ErrorCode::kMalformed);
}

TEST(JwkRejectTest, EcPointNotOnCurve) {
  std::vector<uint8_t> y = B64Decode(kA3Y);
  y.back() ^= 1;
  json jwk = A3Jwk();
  jwk["y"] = wire::Base64UrlEncode(y);
  ExpectJwkRejected(jwk, ErrorCode::kMalformed);
}

TEST(JwkRejectTest, EcCoordinateAboveFieldPrime) {
  // x = p + x0 for the valid x0 would be the same point mod p: rejected.
  json jwk = A3Jwk();
  jwk["x"] = wire::Base64UrlEncode(std::vector<uint8_t>(32, 0xff));
  ExpectJwkRejected(jwk, ErrorCode::kMalformed);
}

TEST(JwkRejectTest, EcShortOrLongCoordinate) {
  std::vector<uint8_t> x = B64Decode(kA3X);
  json jwk = A3Jwk();
  jwk["x"] = wire::Base64UrlEncode(std::span<const uint8_t>(x).subspan(1));
  ExpectJwkRejected(jwk, ErrorCode::kMalformed);
  x.insert(x.begin(), 0);
  jwk["x"] = wire::Base64UrlEncode(x);
  ExpectJwkRejected(jwk, ErrorCode::kMalformed);
}

TEST(JwkRejectTest, P384CurveWithP256Coordinates) {
  json jwk = A3Jwk();
  jwk["crv"] = "P-384";
  ExpectJwkRejected(jwk, ErrorCode::kMalformed);
}

TEST(JwkRejectTest, UnsupportedCurves) {
  for (const char* crv : {"P-521", "secp256k1", "p-256"}) {
    json jwk = A3Jwk();
    jwk["crv"] = crv;
    ExpectJwkRejected(jwk, ErrorCode::kUnsupported);
  }
  for (const char* crv : {"Ed448", "X25519"}) {
    json jwk = Ed25519Jwk();
    jwk["crv"] = crv;
    ExpectJwkRejected(jwk, ErrorCode::kUnsupported);
  }
}

TEST(JwkRejectTest, KtyCrvMismatch) {
  json ec_with_ed_curve = Ed25519Jwk();
  ec_with_ed_curve["kty"] = "EC";
  ExpectJwkRejected(ec_with_ed_curve, ErrorCode::kUnsupported);
  json okp_with_ec_curve = A3Jwk();
  okp_with_ec_curve["kty"] = "OKP";
  ExpectJwkRejected(okp_with_ec_curve, ErrorCode::kMalformed);  // has "y"
  okp_with_ec_curve.erase("y");
  ExpectJwkRejected(okp_with_ec_curve, ErrorCode::kUnsupported);
}

TEST(JwkRejectTest, MembersOfAnotherKeyType) {
  json ec = A3Jwk();
  ec["n"] = kA2Modulus;
  ExpectJwkRejected(ec, ErrorCode::kMalformed);
  json rsa = A2Jwk();
  rsa["crv"] = "P-256";
  ExpectJwkRejected(rsa, ErrorCode::kMalformed);
}

TEST(JwkRejectTest, PrivateMembers) {
  // RFC 7515 A.3's "d", RFC 8037 A.1's "d", and RSA's CRT members.
  json ec = A3Jwk();
  ec["d"] = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI";
  ExpectJwkRejected(ec, ErrorCode::kMalformed);
  json ed = Ed25519Jwk();
  ed["d"] = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
  ExpectJwkRejected(ed, ErrorCode::kMalformed);
  for (const char* member : {"d", "p", "q", "dp", "dq", "qi", "oth"}) {
    json rsa = A2Jwk();
    rsa[member] = "AQAB";
    ExpectJwkRejected(rsa, ErrorCode::kMalformed);
  }
}

TEST(JwkRejectTest, SymmetricKey) {
  ExpectJwkRejected({{"kty", "oct"}, {"k", "GawgguFyGrWKav7AX4VKUg"}},
                    ErrorCode::kMalformed);  // "k" is secret
  ExpectJwkRejected({{"kty", "oct"}}, ErrorCode::kUnsupported);
}

TEST(JwkRejectTest, MissingOrMistypedKty) {
  json jwk = A3Jwk();
  jwk.erase("kty");
  ExpectJwkRejected(jwk, ErrorCode::kMalformed);
  jwk["kty"] = 1;
  ExpectJwkRejected(jwk, ErrorCode::kMalformed);
  ExpectJwkRejected(json::array(), ErrorCode::kMalformed);
}

TEST(JwkRejectTest, MissingOrMistypedCoordinate) {
  json jwk = A3Jwk();
  jwk.erase("y");
  ExpectJwkRejected(jwk, ErrorCode::kMalformed);
  jwk["y"] = json::array();
  ExpectJwkRejected(jwk, ErrorCode::kMalformed);
  jwk["y"] = std::string(kA3Y) + "=";
  ExpectJwkRejected(jwk, ErrorCode::kMalformed);
}

TEST(JwkRejectTest, Ed25519WrongLength) {
  std::vector<uint8_t> x = B64Decode(kEd25519X);
  x.push_back(0);
  json jwk = Ed25519Jwk();
  jwk["x"] = wire::Base64UrlEncode(x);
  ExpectJwkRejected(jwk, ErrorCode::kMalformed);
}

TEST(JwkRejectTest, AlgOrUseMemberContradictsKey) {
  json jwk = A3Jwk();
  jwk["alg"] = "ES384";
  ExpectJwkRejected(jwk, ErrorCode::kMalformed);
  jwk["alg"] = "ES256";
  EXPECT_TRUE(Jwk::Parse(jwk).ok());
  jwk["use"] = "enc";
  ExpectJwkRejected(jwk, ErrorCode::kMalformed);
}

// ---------------------------------------------------------------------------
// Signature rejections.

TEST(JwsVerifyTest, P256KeyWithEs384) {
  Jwk key = MustParseJwk(A3Jwk());
  EXPECT_FALSE(key.Accepts(JwsAlgorithm::kEs384));
  std::vector<uint8_t> sig(96, 1);
  Status s = key.Verify(JwsAlgorithm::kEs384, Ascii("x.y"), sig);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kUnsupported);
}

TEST(JwsVerifyTest, KeyRejectsOtherAlgorithms) {
  Jwk rsa = MustParseJwk(A2Jwk());
  Jwk ed = MustParseJwk(Ed25519Jwk());
  std::string input = std::string(kA3Protected) + "." + kRfc7515Payload;
  // The RFC's valid ES256 signature, presented as made by other keys.
  for (const Jwk* key : {&rsa, &ed}) {
    Status s = key->Verify(JwsAlgorithm::kEs256, Ascii(input),
                           B64Decode(kA3Signature));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code(), ErrorCode::kUnsupported);
  }
  EXPECT_FALSE(MustParseJwk(A3Jwk()).Accepts(JwsAlgorithm::kRs256));
  EXPECT_FALSE(rsa.Accepts(JwsAlgorithm::kEdDsa));
}

TEST(JwsVerifyTest, WrongEcdsaSignatureLength) {
  Jwk key = MustParseJwk(A3Jwk());
  std::string input = std::string(kA3Protected) + "." + kRfc7515Payload;
  std::vector<uint8_t> sig = B64Decode(kA3Signature);
  // R || S with one byte dropped, one byte added, and as DER.
  std::vector<uint8_t> shorter(sig.begin(), sig.end() - 1);
  std::vector<uint8_t> longer = sig;
  longer.insert(longer.begin(), 0);
  wire::DerBuilder der;
  der.AddSequence([&](wire::DerBuilder& seq) {
    seq.AddUnsignedInteger(std::span<const uint8_t>(sig).first(32));
    seq.AddUnsignedInteger(std::span<const uint8_t>(sig).subspan(32));
  });
  std::vector<uint8_t> as_der = *std::move(der).Finish();
  for (const auto& bad : {shorter, longer, as_der}) {
    Status s = key.Verify(JwsAlgorithm::kEs256, Ascii(input), bad);
    ASSERT_FALSE(s.ok()) << bad.size();
    EXPECT_EQ(s.error().code(), ErrorCode::kMalformed);
  }
}

TEST(JwsVerifyTest, WrongRsaAndEd25519SignatureLength) {
  std::string rsa_input = std::string(kA2Protected) + "." + kRfc7515Payload;
  std::vector<uint8_t> rsa_sig = B64Decode(kA2Signature);
  rsa_sig.pop_back();
  Status s = MustParseJwk(A2Jwk()).Verify(JwsAlgorithm::kRs256,
                                          Ascii(rsa_input), rsa_sig);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kMalformed);

  std::vector<uint8_t> ed_sig = B64Decode(kEd25519Signature);
  ed_sig.push_back(0);
  s = MustParseJwk(Ed25519Jwk())
          .Verify(JwsAlgorithm::kEdDsa, Ascii(kEd25519SigningInput), ed_sig);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kMalformed);
}

TEST(JwsVerifyTest, SignatureOfAnotherMessage) {
  // Each RFC signature checked against the other RFC example's input.
  std::string es_input = std::string(kA3Protected) + "." + kRfc7515Payload;
  std::string rs_input = std::string(kA2Protected) + "." + kRfc7515Payload;
  struct Case {
    json jwk;
    JwsAlgorithm alg;
    std::string input;
    const char* sig;
  };
  for (const Case& c :
       {Case{A3Jwk(), JwsAlgorithm::kEs256, rs_input, kA3Signature},
        Case{A2Jwk(), JwsAlgorithm::kRs256, es_input, kA2Signature},
        Case{Ed25519Jwk(), JwsAlgorithm::kEdDsa, es_input,
             kEd25519Signature}}) {
    Status s =
        MustParseJwk(c.jwk).Verify(c.alg, Ascii(c.input), B64Decode(c.sig));
    ASSERT_FALSE(s.ok()) << JwsAlgorithmName(c.alg);
    EXPECT_EQ(s.error().code(), ErrorCode::kVerificationFailed);
  }
}

TEST(JwsVerifyTest, SignatureByAnotherKey) {
  TestKey signer = TestKey::Generate(JwsAlgorithm::kEs256);
  TestKey other = TestKey::Generate(JwsAlgorithm::kEs256);
  auto request = ParseJws(signer.Jws(signer.Header(), "{}"));
  ASSERT_TRUE(request.ok());
  Status s = VerifyJws(*request, MustParseJwk(other.jwk));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kVerificationFailed);
}

TEST(JwsVerifyTest, ZeroEcdsaSignature) {
  // R = S = 0 is never valid (FIPS 186-5 §6.4.2 step 2: 0 < r, s < n).
  Jwk key = MustParseJwk(A3Jwk());
  Status s = key.Verify(JwsAlgorithm::kEs256, Ascii("a.b"),
                        std::vector<uint8_t>(64, 0));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kVerificationFailed);
}

TEST(JwsVerifyTest, EmptyJwkVerifiesNothing) {
  Jwk empty;
  EXPECT_FALSE(empty.Accepts(JwsAlgorithm::kEs256));
  EXPECT_EQ(empty.Thumbprint(), "");
  EXPECT_FALSE(empty
                   .Verify(JwsAlgorithm::kEs256, Ascii("a.b"),
                           std::vector<uint8_t>(64, 1))
                   .ok());
}

// ---------------------------------------------------------------------------
// ParseJson.

TEST(ParseJsonTest, DepthLimitIsExact) {
  std::string at_limit = std::string(32, '[') + std::string(32, ']');
  EXPECT_TRUE(ParseJson(at_limit).ok());
  std::string over = std::string(33, '[') + std::string(33, ']');
  EXPECT_FALSE(ParseJson(over).ok());
  EXPECT_TRUE(ParseJson(over, 33).ok());
  EXPECT_FALSE(ParseJson("{\"a\":{\"b\":[]}}", 2).ok());
  EXPECT_TRUE(ParseJson("{\"a\":{\"b\":[]}}", 3).ok());
  EXPECT_TRUE(ParseJson("7", 0).ok());
}

TEST(ParseJsonTest, HundredThousandOpenBrackets) {
  auto parsed = ParseJson(std::string(100'000, '['));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code(), ErrorCode::kMalformed);
  std::string objects;
  for (int i = 0; i < 100'000; i++) objects += "{\"a\":";
  EXPECT_FALSE(ParseJson(objects).ok());
}

TEST(ParseJsonTest, BuildsTheSameValueAsNlohmann) {
  const char* text =
      R"({"a":[1,-2,3.5,"x\u00e9",true,false,null,{"b":{}}],"c":[],"d":18446744073709551615})";
  auto parsed = ParseJson(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(*parsed, json::parse(text));
}

TEST(ParseJsonTest, RejectsDuplicateNames) {
  EXPECT_FALSE(ParseJson(R"({"a":1,"a":1})").ok());
  EXPECT_FALSE(ParseJson(R"({"x":{"a":1,"b":2,"a":3}})").ok());
  EXPECT_TRUE(ParseJson(R"({"a":{"a":1}})").ok());
}

TEST(ParseJsonTest, RejectsNonJson) {
  for (const char* text :
       {"", " ", "{", "{} x", "[1,]", "{'a':1}", "NaN", "[1e999]", "/* c */ {}",
        "\xEF\xBB\xBF{}", "\"\xC0\xAF\"", "\"a\x01\""}) {
    auto parsed = ParseJson(text);
    EXPECT_FALSE(parsed.ok()) << text;
  }
}

}  // namespace
}  // namespace mtc::acme
